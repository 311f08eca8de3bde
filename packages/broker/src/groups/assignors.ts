// The server-side assignors: given the members (each with the topics it subscribes to, resolved to
// topics that exist), the partition counts and the previous target assignment, each computes the
// next target. Both are pure and deterministic (members and topics are sorted first), so every run
// of the coordinator computes the same assignment from the same inputs.
//
// - range: per topic, the members subscribed to it (sorted by instance id, else member id) get
//   contiguous ranges; the first `count % members` get one partition more (Kafka's RangeAssignor).
// - uniform (sticky, the default as in KIP-848): every member keeps what it had in the previous
//   target as long as it still subscribes to it; free partitions go to the least loaded eligible
//   member; then partitions move one at a time from the most to the least loaded member while that
//   narrows the gap. With equal subscriptions the counts differ by at most one, and a member that
//   joins takes partitions only from others' surplus: nobody loses a partition it could keep.
import type { ServerAssignor } from '@faecie/protocol'
import { type Assignment, assignmentOf, pairsOf } from './assignment.js'

export interface AssignorMember {
  memberId: string
  instanceId?: string
  /** Topics the member subscribes to that exist (others are ignored). */
  topics: readonly string[]
}

export interface AssignmentInput {
  members: readonly AssignorMember[]
  partitionCounts: ReadonlyMap<string, number>
  /** The previous target assignment, by member id (uniform keeps what it can of it). */
  previous: ReadonlyMap<string, Assignment>
}

export type Assignor = (input: AssignmentInput) => Map<string, Assignment>

const byKey = (a: AssignorMember, b: AssignorMember): number => {
  const ka = a.instanceId ?? a.memberId
  const kb = b.instanceId ?? b.memberId
  return ka < kb ? -1 : ka > kb ? 1 : a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0
}

export const rangeAssignor: Assignor = ({ members, partitionCounts }) => {
  const pairs = new Map<string, [string, number][]>(members.map((m) => [m.memberId, []]))
  for (const topic of [...partitionCounts.keys()].sort()) {
    const count = partitionCounts.get(topic)!
    const subscribers = members.filter((m) => m.topics.includes(topic)).sort(byKey)
    if (subscribers.length === 0) continue
    const base = Math.floor(count / subscribers.length)
    const extra = count % subscribers.length
    let next = 0
    subscribers.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0)
      for (let k = 0; k < n; k++) pairs.get(m.memberId)!.push([topic, next++])
    })
  }
  return new Map([...pairs].map(([id, list]) => [id, assignmentOf(list)]))
}

export const uniformAssignor: Assignor = ({ members, partitionCounts, previous }) => {
  const sorted = [...members].sort(byKey)
  const subscribed = new Map(sorted.map((m) => [m.memberId, new Set(m.topics.filter((t) => partitionCounts.has(t)))]))
  const owned = new Map<string, string[]>(sorted.map((m) => [m.memberId, []]))
  const owner = new Map<string, string>()
  const eligible = (memberId: string, key: string): boolean => subscribed.get(memberId)!.has(topicOf(key))

  // 1. Keep what each member had and may still have (first claimant wins a duplicate).
  for (const m of sorted) {
    for (const [topic, p] of pairsOf(previous.get(m.memberId) ?? new Map())) {
      const key = keyFor(topic, p)
      if (!eligible(m.memberId, key) || p >= partitionCounts.get(topic)! || owner.has(key)) continue
      owner.set(key, m.memberId)
      owned.get(m.memberId)!.push(key)
    }
  }
  // 2. Free partitions go to the least loaded member that subscribes to their topic.
  for (const topic of [...partitionCounts.keys()].sort()) {
    const candidates = sorted.filter((m) => subscribed.get(m.memberId)!.has(topic))
    if (candidates.length === 0) continue
    for (let p = 0; p < partitionCounts.get(topic)!; p++) {
      const key = keyFor(topic, p)
      if (owner.has(key)) continue
      const to = leastLoaded(candidates, owned)
      owner.set(key, to)
      owned.get(to)!.push(key)
    }
  }
  // 3. Move single partitions from the most to the least loaded while that narrows the gap.
  for (let moved = true; moved;) {
    moved = false
    const byLoad = [...sorted].sort((a, b) => owned.get(b.memberId)!.length - owned.get(a.memberId)!.length || byKey(a, b))
    outer: for (const donor of byLoad) {
      for (const receiver of [...byLoad].reverse()) {
        if (owned.get(donor.memberId)!.length - owned.get(receiver.memberId)!.length <= 1) break
        const give = [...owned.get(donor.memberId)!].sort().reverse().find((key) => eligible(receiver.memberId, key))
        if (give === undefined) continue
        owned.set(donor.memberId, owned.get(donor.memberId)!.filter((k) => k !== give))
        owned.get(receiver.memberId)!.push(give)
        moved = true
        break outer
      }
    }
  }
  return new Map([...owned].map(([id, keys]) => [id, assignmentOf(keys.map((k) => [topicOf(k), partitionOf(k)]))]))
}

export const ASSIGNORS: { readonly [Name in ServerAssignor]: Assignor } = { uniform: uniformAssignor, range: rangeAssignor }

function leastLoaded(candidates: readonly AssignorMember[], owned: Map<string, string[]>): string {
  let best = candidates[0]!
  for (const m of candidates) if (owned.get(m.memberId)!.length < owned.get(best.memberId)!.length) best = m
  return best.memberId
}

// A pair as one string that sorts by topic, then partition number.
function keyFor(topic: string, partition: number): string {
  return `${topic}\u0000${String(partition).padStart(10, '0')}`
}

function topicOf(key: string): string {
  return key.slice(0, key.indexOf('\u0000'))
}

function partitionOf(key: string): number {
  return Number(key.slice(key.indexOf('\u0000') + 1))
}

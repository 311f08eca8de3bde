// The reassignment plan of `faecie cluster reassign --generate` and `faecie cluster drain`: pure,
// deterministic (the same assignment and brokers give the same plan, whatever order they come in).
// For each topic (by name) it spreads the replicas evenly over the given brokers (each holds
// floor or ceil of replicas / brokers of the topic), keeping every replica that may stay where it
// is (fewest moves: a broker sheds only what is over its share, and the brokers that get the
// larger share are those that hold more already), keeps each partition's replication factor,
// spreads the preferred leaders (first replica) evenly the same way, and, when the brokers have
// racks, puts a partition's replicas on as many racks as it can: new replicas go to racks the
// partition lacks, and a partition with a rack twice swaps a replica with another partition where
// that costs the other no rack (even counts come first: a partition may stay short of a rack
// when only a rotation through three partitions would fix it, which is rare). Ties go to the broker that holds
// least across the topics planned so far, then the lowest id. The plan holds only the partitions
// whose replica list changes (Kafka's file: {"version":1,"partitions":[{topic,partition,replicas}]}),
// and `current` holds the same partitions as they are now, for a rollback.
import { balanceLeaders } from './reassign-leaders.js'

export interface PlanBroker {
  id: number
  rack: string | null
}

export interface PartitionReplicas {
  topic: string
  partition: number
  /** The preferred leader first. */
  replicas: number[]
}

/** kafka-reassign-partitions' JSON file. */
export interface ReassignmentPlan {
  version: 1
  partitions: PartitionReplicas[]
}

export interface GeneratedPlan {
  proposed: ReassignmentPlan
  /** The proposed partitions as they are now: the plan that undoes it. */
  current: ReassignmentPlan
  /** Replicas that move to another broker (data copied). */
  replicaMoves: number
  /** Partitions whose preferred leader changes. */
  leaderChanges: number
}

/** A plan that cannot be made: the message says why. */
export class PlanError extends Error {
  override readonly name = 'PlanError'
}

export interface Slot {
  partition: number
  old: number[]
  now: number[]
  rf: number
}

type Counts = Map<number, number>

const get = (counts: Counts, id: number): number => counts.get(id) ?? 0
const bump = (counts: Counts, id: number, by: number): void => void counts.set(id, get(counts, id) + by)

/** floor or ceil of total / brokers each; the larger shares go to the brokers `rank` puts first. */
export function shares(total: number, ids: number[], rank: (a: number, b: number) => number): Counts {
  const base = Math.floor(total / ids.length)
  const extra = total % ids.length
  const quota: Counts = new Map()
  ;[...ids].sort(rank).forEach((id, i) => quota.set(id, base + (i < extra ? 1 : 0)))
  return quota
}

/** A plan spreading `assignment`'s partitions over `brokers`. */
export function generatePlan(assignment: PartitionReplicas[], brokers: PlanBroker[]): GeneratedPlan {
  const ids = [...new Set(brokers.map((b) => b.id))].sort((a, b) => a - b)
  if (ids.length === 0) throw new PlanError('no brokers to place the replicas on')
  if (ids.length !== brokers.length) throw new PlanError(`a broker is named twice in ${brokers.map((b) => b.id).join(',')}`)
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack]))
  const racked = brokers.some((b) => b.rack !== null)
  const byTopic = new Map<string, Slot[]>()
  for (const p of assignment) {
    if (p.replicas.length === 0) throw new PlanError(`${p.topic}-${p.partition} has no replicas`)
    if (p.replicas.length > ids.length) {
      throw new PlanError(`${p.topic}-${p.partition} has ${p.replicas.length} replicas but only ${ids.length} brokers were given ` +
        `(${ids.join(',')}): a plan keeps each partition's replication factor, so it needs at least ${p.replicas.length} brokers`)
    }
    let slots = byTopic.get(p.topic)
    if (slots === undefined) byTopic.set(p.topic, (slots = []))
    if (slots.some((s) => s.partition === p.partition)) throw new PlanError(`${p.topic}-${p.partition} is named twice`)
    const now = [...new Set(p.replicas)].filter((id) => rackOf.has(id))
    slots.push({ partition: p.partition, old: [...p.replicas], now, rf: p.replicas.length })
  }
  const replicasHeld: Counts = new Map()
  const leadersHeld: Counts = new Map()
  const proposed: PartitionReplicas[] = []
  const current: PartitionReplicas[] = []
  let replicaMoves = 0
  let leaderChanges = 0
  for (const topic of [...byTopic.keys()].sort()) {
    const slots = byTopic.get(topic)!.sort((a, b) => a.partition - b.partition)
    placeReplicas(slots, ids, racked ? rackOf : undefined, replicasHeld)
    if (racked) spreadRacks(slots, rackOf)
    balanceLeaders(slots, ids, leadersHeld)
    for (const slot of slots) {
      for (const id of slot.now) bump(replicasHeld, id, 1)
      bump(leadersHeld, slot.now[0]!, 1)
      if (slot.now.length !== slot.rf || new Set(slot.now).size !== slot.rf) throw new Error(`plan invariant: ${topic}-${slot.partition} got ${slot.now.join(',')}`)
      if (slot.now.join(',') === slot.old.join(',')) continue
      proposed.push({ topic, partition: slot.partition, replicas: slot.now })
      current.push({ topic, partition: slot.partition, replicas: slot.old })
      replicaMoves += slot.now.filter((id) => !slot.old.includes(id)).length
      if (slot.now[0] !== slot.old[0]) leaderChanges++
    }
  }
  return { proposed: { version: 1, partitions: proposed }, current: { version: 1, partitions: current }, replicaMoves, leaderChanges }
}

/** The plan that moves every replica off broker `drained`, spreading them over the other brokers. */
export function drainPlan(assignment: PartitionReplicas[], brokers: PlanBroker[], drained: number): GeneratedPlan {
  const rest = brokers.filter((b) => b.id !== drained)
  if (rest.length === 0) throw new PlanError(`broker ${drained} is the only broker: there is nowhere to move its replicas`)
  return generatePlan(assignment, rest)
}

/** One topic's replicas: shed what is over each broker's share, then fill each partition up to its RF. */
function placeReplicas(slots: Slot[], ids: number[], rackOf: Map<number, string | null> | undefined, globalHeld: Counts): void {
  const held: Counts = new Map()
  for (const slot of slots) for (const id of slot.now) bump(held, id, 1)
  const total = slots.reduce((sum, s) => sum + s.rf, 0)
  const quota = shares(total, ids, (a, b) => get(globalHeld, a) - get(globalHeld, b) || get(held, b) - get(held, a) || a - b)
  const rackCount = (slot: Slot, rack: string | null | undefined): number => slot.now.filter((id) => rackOf?.get(id) === rack).length
  for (const id of ids) {
    const excess = get(held, id) - get(quota, id)
    if (excess <= 0) continue
    // Shed where the replica shares its rack with another, is not the preferred leader, the highest partition first.
    // (Shedding one broker's replicas changes no other score of that broker.)
    const score = (s: Slot): number[] => [rackOf !== undefined && rackCount(s, rackOf.get(id)) > 1 ? 0 : 1, s.now[0] === id ? 1 : 0, -s.partition]
    const scored = slots.filter((s) => s.now.includes(id)).map((s) => ({ s, key: score(s) })).sort((a, b) => compare(a.key, b.key))
    for (const { s } of scored.slice(0, excess)) s.now = s.now.filter((x) => x !== id)
    bump(held, id, -excess)
  }
  for (const slot of slots) {
    while (slot.now.length < slot.rf) {
      const free = ids.filter((id) => !slot.now.includes(id) && get(held, id) < get(quota, id))
      const score = (id: number): number[] => [rackOf === undefined ? 0 : rackCount(slot, rackOf.get(id)),
        get(held, id) - get(quota, id), get(globalHeld, id), id]
      const pick = free.sort((a, b) => compare(score(a), score(b)))[0]
      if (pick !== undefined) {
        slot.now.push(pick)
        bump(held, pick, 1)
      } else if (!swapInto(slot, slots, ids, held, quota)) {
        // Every broker with room holds this partition already, and no swap frees one: the least held goes over its share.
        const over = ids.filter((id) => !slot.now.includes(id)).sort((a, b) => get(held, a) - get(held, b) || a - b)[0]!
        slot.now.push(over)
        bump(held, over, 1)
      }
    }
  }
}

/**
 * `slot` needs a replica but the only brokers with room hold it already: another partition gives
 * it one of its brokers `y` and takes a broker `u` with room instead. True when done.
 */
function swapInto(slot: Slot, slots: Slot[], ids: number[], held: Counts, quota: Counts): boolean {
  const roomy = ids.filter((id) => get(held, id) < get(quota, id))
  for (const other of slots) {
    if (other === slot) continue
    const u = roomy.find((id) => !other.now.includes(id))
    const y = other.now.find((id, i) => i > 0 && !slot.now.includes(id)) ?? other.now.find((id) => !slot.now.includes(id))
    if (u === undefined || y === undefined) continue
    other.now = other.now.map((id) => (id === y ? u : id))
    slot.now.push(y)
    bump(held, u, 1)
    return true
  }
  return false
}

/**
 * Puts each partition's replicas on more racks where a swap with another partition of the topic
 * allows it without losing racks there: p gives a replica whose rack it has twice and takes one of
 * a rack it lacks. Each swap adds a rack to p and takes none from the other, so this ends.
 */
function spreadRacks(slots: Slot[], rackOf: Map<number, string | null>): void {
  const racks = (ids: number[]): number => new Set(ids.map((id) => rackOf.get(id))).size
  const rackTotal = new Set(rackOf.values()).size
  const swapOnce = (p: Slot): boolean => {
    const dups = p.now.filter((id) => p.now.filter((x) => rackOf.get(x) === rackOf.get(id)).length > 1).reverse()
    for (const q of slots) {
      if (q === p) continue
      for (const z of q.now.filter((id) => !p.now.some((x) => rackOf.get(x) === rackOf.get(id)))) {
        const y = dups.find((id) => !q.now.includes(id) && racks(q.now.map((x) => (x === z ? id : x))) >= racks(q.now))
        if (y === undefined) continue
        p.now = p.now.map((id) => (id === y ? z : id))
        q.now = q.now.map((id) => (id === z ? y : id))
        return true
      }
    }
    return false
  }
  let swapped = true
  while (swapped) {
    swapped = false
    for (const p of slots) {
      while (racks(p.now) < Math.min(p.rf, rackTotal) && swapOnce(p)) swapped = true
    }
  }
}

/** Lexicographic order of number tuples. */
export function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

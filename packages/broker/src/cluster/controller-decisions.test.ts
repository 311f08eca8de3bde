// The controller's decision function against random histories: brokers die and come back, leaders
// shrink and expand their ISRs (some proposals stale: a leader that has just died), and the
// controller decides now and then, with or without the preferred-leader check; brokers begin a
// controlled shutdown (their registration says shuttingDown until their session ends). After every
// decision the partition states must keep Kafka's rules (partition-state.ts) and be as live as the
// ISR allows; the function is a fixed point of its own output.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decidePartition, decidePartitionWrites } from './controller-decisions.js'
import type { Versioned } from './metadata-store.js'
import { assertPartitionState, initialPartitionState, type PartitionState } from './partition-state.js'

const BROKERS = [1, 2, 3, 4, 5]

type Command =
  | { kind: 'kill' | 'revive' | 'shut'; broker: number }
  | { kind: 'shrink' | 'expand'; partition: number; pick: number }
  | { kind: 'decide'; preferred: boolean }

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constantFrom('kill' as const, 'revive' as const, 'shut' as const), broker: fc.constantFrom(...BROKERS) }),
  fc.record({ kind: fc.constantFrom('shrink' as const, 'expand' as const), partition: fc.nat(7), pick: fc.nat(4) }),
  fc.record({ kind: fc.constant('decide' as const), preferred: fc.boolean() }),
)

/** Up to 8 partitions, each 1 to 4 distinct replicas of the 5 brokers. */
const assignment = fc.array(fc.shuffledSubarray(BROKERS, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 })

function check(name: string, before: PartitionState, after: PartitionState, live: ReadonlySet<number>, shutting: ReadonlySet<number> = new Set()): void {
  expect(after.partitionEpoch, name).toBe(before.partitionEpoch + 1)
  expect(after.leaderEpoch, name).toBeGreaterThanOrEqual(before.leaderEpoch)
  if (after.leader !== before.leader) {
    expect(after.leaderEpoch, `${name}: a leader change bumps the leader epoch`).toBeGreaterThan(before.leaderEpoch)
    // No unclean election: a new leader was in the ISR before.
    if (after.leader !== -1) expect(before.isr, `${name}: new leader ${after.leader}`).toContain(after.leader)
  }
  expect(after.isr.length, `${name}: ISR never empty`).toBeGreaterThan(0)
  expect(after.isr.every((b) => after.replicas.includes(b)), `${name}: ISR within replicas`).toBe(true)
  expect(after.isr.every((b) => before.isr.includes(b)), `${name}: the controller never adds to an ISR`).toBe(true)
  expect(after.replicas, name).toEqual(before.replicas)
  if (after.leader !== -1) {
    expect(after.isr, name).toContain(after.leader)
    expect(live.has(after.leader), `${name}: leader ${after.leader} live`).toBe(true)
    expect(after.isr.every((b) => live.has(b)), `${name}: only live brokers in an ISR with a leader`).toBe(true)
    // Controlled shutdown: with a live ISR member that is not shutting down, no shutting broker leads or stays in the ISR.
    const eligible = before.isr.filter((b) => live.has(b) && !shutting.has(b))
    if (eligible.length > 0) {
      expect(shutting.has(after.leader), `${name}: leader ${after.leader} is shutting down while ${eligible.join(',')} may lead`).toBe(false)
      expect(after.isr.filter((b) => shutting.has(b)), `${name}: shutting brokers left in the ISR`).toEqual([])
    } else if (after.leader !== before.leader && before.isr.includes(before.leader) && live.has(before.leader)) {
      expect.fail(`${name}: a live leader ${before.leader} replaced by ${after.leader} though nobody else may lead`)
    }
  } else {
    expect(after.isr.some((b) => live.has(b)), `${name}: offline only when no ISR member is live`).toBe(false)
    expect(after.isr, `${name}: an offline partition keeps its last ISR`).toEqual(before.isr)
  }
}

describe('controller decisions', () => {
  it('keep the leader in the ISR or -1, epochs rising, no unclean election, the ISR within replicas and never empty', () => {
    fc.assert(fc.property(assignment, fc.array(command, { maxLength: 80 }), (replicaLists, commands) => {
      const live = new Set(BROKERS)
      const shutting = new Set<number>()
      const states: Versioned<PartitionState>[] = replicaLists.map((r) => ({ value: initialPartitionState(r), modRevision: 1 }))
      let revision = 1
      let decisions = 0
      for (const c of commands) {
        // A broker's registration goes with its session, flag and all; a new one has no flag.
        if (c.kind === 'kill') { live.delete(c.broker); shutting.delete(c.broker) }
        else if (c.kind === 'revive') live.add(c.broker)
        else if (c.kind === 'shut') { if (live.has(c.broker)) shutting.add(c.broker) }
        else if (c.kind === 'shrink' || c.kind === 'expand') {
          // The leader's proposal (possibly a leader that died since: the IsrWriter is not fenced by liveness).
          const at = c.partition % states.length
          const s = states[at]!.value
          if (s.leader === -1) continue
          const isr = c.kind === 'shrink'
            ? s.isr.filter((b, i) => b === s.leader || i !== c.pick % s.isr.length)
            : [...new Set([...s.isr, s.replicas[c.pick % s.replicas.length]!])]
          if (isr.length === s.isr.length) continue
          states[at] = { value: { ...s, isr, partitionEpoch: s.partitionEpoch + 1 }, modRevision: ++revision }
        } else {
          decisions++
          const writes = decidePartitionWrites({ live, shuttingDown: shutting, preferred: c.preferred, partitions: new Map([['t', new Map(states.map((s, p) => [p, s]))]]) })
          for (const w of writes) {
            expect(w.expected).toBe(states[w.partition])
            check(`t-${w.partition} (${w.reason})`, w.expected.value, w.next, live, shutting)
            states[w.partition] = { value: w.next, modRevision: ++revision }
          }
          // A fixed point: decided again on its own output, nothing more to write.
          expect(decidePartitionWrites({ live, shuttingDown: shutting, preferred: c.preferred, partitions: new Map([['t', new Map(states.map((s, p) => [p, s]))]]) })).toEqual([])
          for (const s of states) {
            assertPartitionState('t', s.value)
            if (s.value.isr.some((b) => live.has(b))) expect(s.value.leader).not.toBe(-1)
            const r0 = s.value.replicas[0]!
            if (c.preferred && live.has(r0) && !shutting.has(r0) && s.value.isr.includes(r0)) expect(s.value.leader).toBe(r0)
            // No leader is a shutting broker when another ISR member lives (and is not shutting down).
            if (s.value.isr.some((b) => live.has(b) && !shutting.has(b))) expect(shutting.has(s.value.leader)).toBe(false)
          }
        }
      }
      return decisions >= 0
    }), { numRuns: 500, seed: 20261202 })
  })

  it('elects the first live ISR member in assignment order and goes offline without one', () => {
    const state: PartitionState = { leader: 1, leaderEpoch: 4, partitionEpoch: 9, isr: [3, 1, 2], replicas: [1, 2, 3] }
    expect(decidePartition(state, new Set([2, 3]), false)).toEqual({
      next: { leader: 2, leaderEpoch: 5, partitionEpoch: 10, isr: [3, 2], replicas: [1, 2, 3] }, reason: 'leader-election' })
    expect(decidePartition(state, new Set([1, 2]), false)).toEqual({
      next: { leader: 1, leaderEpoch: 4, partitionEpoch: 10, isr: [1, 2], replicas: [1, 2, 3] }, reason: 'isr-shrink' })
    expect(decidePartition(state, new Set([4]), false)).toEqual({
      next: { leader: -1, leaderEpoch: 5, partitionEpoch: 10, isr: [3, 1, 2], replicas: [1, 2, 3] }, reason: 'offline' })
    // An offline partition comes back only through a broker of its last ISR.
    const offline: PartitionState = { leader: -1, leaderEpoch: 5, partitionEpoch: 10, isr: [3], replicas: [1, 2, 3] }
    expect(decidePartition(offline, new Set([1, 2]), true)).toBeUndefined()
    expect(decidePartition(offline, new Set([1, 2, 3]), false)?.next).toEqual({ ...offline, leader: 3, leaderEpoch: 6, partitionEpoch: 11 })
    // The preferred leader takes the lead back only when asked, and only from within the ISR.
    const moved: PartitionState = { leader: 2, leaderEpoch: 6, partitionEpoch: 12, isr: [2, 1], replicas: [1, 2, 3] }
    expect(decidePartition(moved, new Set([1, 2, 3]), false)).toBeUndefined()
    expect(decidePartition(moved, new Set([1, 2, 3]), true)).toEqual({ next: { ...moved, leader: 1, leaderEpoch: 7, partitionEpoch: 13 }, reason: 'preferred-leader' })
    expect(decidePartition({ ...moved, isr: [2] }, new Set([1, 2, 3]), true)).toBeUndefined()
  })

  it('moves leadership and ISR seats off a shutting-down broker, and keeps it where nobody else can take over', () => {
    const all = new Set([1, 2, 3])
    const state: PartitionState = { leader: 1, leaderEpoch: 4, partitionEpoch: 9, isr: [1, 2, 3], replicas: [1, 2, 3] }
    // Broker 1 leads and shuts down: the next replica in the ISR leads, broker 1 leaves the ISR.
    expect(decidePartition(state, all, false, new Set([1]))).toEqual({
      next: { leader: 2, leaderEpoch: 5, partitionEpoch: 10, isr: [2, 3], replicas: [1, 2, 3] }, reason: 'leader-election' })
    // A follower shuts down: it leaves the ISR only.
    expect(decidePartition(state, all, false, new Set([3]))).toEqual({
      next: { ...state, partitionEpoch: 10, isr: [1, 2] }, reason: 'isr-shrink' })
    // The preferred-leader check never gives it the lead back while it shuts down.
    const moved: PartitionState = { leader: 2, leaderEpoch: 5, partitionEpoch: 10, isr: [2, 3, 1], replicas: [1, 2, 3] }
    expect(decidePartition(moved, all, true, new Set([1]))).toEqual({ next: { ...moved, partitionEpoch: 11, isr: [2, 3] }, reason: 'isr-shrink' })
    expect(decidePartition({ ...moved, isr: [2, 3] }, all, true, new Set([1]))).toBeUndefined()
    // Its only ISR member: it keeps the lead and the seat (the broker waits for its timeout).
    const alone: PartitionState = { leader: 1, leaderEpoch: 4, partitionEpoch: 9, isr: [1], replicas: [1, 2, 3] }
    expect(decidePartition(alone, all, true, new Set([1]))).toBeUndefined()
    // Two members, both shutting down: nothing moves; one of them dead: the other leads rather than nobody.
    expect(decidePartition({ ...state, isr: [1, 2] }, all, true, new Set([1, 2]))).toBeUndefined()
    expect(decidePartition({ ...state, isr: [1, 2] }, new Set([2, 3]), false, new Set([2]))).toEqual({
      next: { ...state, leader: 2, leaderEpoch: 5, partitionEpoch: 10, isr: [2] }, reason: 'leader-election' })
  })
})

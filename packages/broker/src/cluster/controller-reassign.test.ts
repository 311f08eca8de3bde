// The reassignment decisions against random histories of one partition: moves asked and replaced,
// cancels, brokers dying and returning, the leader growing and shrinking the ISR (a replica joins
// only once it is a replica), the controller's own decisions (controller-decisions.ts) and preferred
// elections in between, completions when the pass would run them. After every step the partition
// state keeps its rules (partition-state.ts); the controller never adds to an ISR nor elects outside
// it; a completed move has replicas == the target, its leader in the target and in the ISR. A model of
// the original replicas (what a cancel goes back to) checks that however targets are replaced, the
// replicas are exactly original + target (+ a replica kept only because it leads or holds the only
// live in-sync copy) and a cancel restores the original set; a cancel never takes a partition with a
// live in-sync replica offline.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { decideAlter, decideCompletion, decideCompletions, decidePreferredElection, eligibleBrokers, originalReplicas } from './controller-reassign.js'
import { decidePartition } from './controller-decisions.js'
import { assertPartitionState, assertPartitionTransition, initialPartitionState, isReassigning, targetReplicas, type PartitionState } from './partition-state.js'

const BROKERS = [1, 2, 3, 4, 5, 6]

type Step =
  | { kind: 'alter'; target: number[] | null }
  | { kind: 'kill' | 'revive'; broker: number }
  | { kind: 'join' | 'leave'; pick: number }
  | { kind: 'controller'; preferred: boolean }
  | { kind: 'complete' | 'elect' }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('alter' as const), target: fc.option(fc.shuffledSubarray(BROKERS, { minLength: 0, maxLength: 4 }), { freq: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('kill' as const, 'revive' as const), broker: fc.constantFrom(...BROKERS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('controller' as const), preferred: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('complete' as const, 'elect' as const) }) },
)

function controllerChecks(before: PartitionState, after: PartitionState, live: ReadonlySet<number>): void {
  assertPartitionTransition('p', before, after)
  expect(after.isr.every((b) => before.isr.includes(b)), 'the controller never adds to an ISR').toBe(true)
  if (after.leader !== before.leader && after.leader !== -1) {
    expect(before.isr, 'no unclean election').toContain(after.leader)
    expect(live.has(after.leader), 'a new leader is live').toBe(true)
  }
}

describe('reassignment decisions', () => {
  it('keep the partition-state rules after every step, and a completed move is on its target', () => {
    fc.assert(fc.property(fc.shuffledSubarray(BROKERS, { minLength: 1, maxLength: 4 }), fc.array(step, { maxLength: 60 }), (initial, steps) => {
      const live = new Set(BROKERS)
      const registered = new Set(BROKERS)
      let state = initialPartitionState(initial)
      let target = [...initial]
      // What a cancel must go back to: the replicas before the move (plus any replica a re-target had to keep).
      let original = new Set(initial)
      const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b)
      for (const s of steps) {
        let next: PartitionState | undefined
        if (s.kind === 'kill') live.delete(s.broker)
        else if (s.kind === 'revive') live.add(s.broker)
        else if (s.kind === 'alter') {
          const decision = decideAlter('p', state, s.target, registered, live)
          if (s.target !== null && s.target.length === 0) expect(decision.kind).toBe('error')
          if (s.target === null && !isReassigning(state)) expect(decision.kind === 'error' && decision.error.code).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS)
          if (decision.kind === 'write') {
            next = decision.next
            controllerChecks(state, next, live)
            if (s.target !== null) {
              expect(targetReplicas(next)).toEqual(s.target)
              expect(next.leader).toBe(state.leader)
              target = [...s.target]
              const kept = next.replicas.filter((b) => !original.has(b) && !s.target!.includes(b))
              for (const b of kept) expect(b === state.leader || state.isr.includes(b), `kept replica ${b} leads or is in sync`).toBe(true)
              original = new Set([...original, ...kept])
              expect(sorted(next.replicas), 'replicas = original + target, nothing stray').toEqual(sorted(new Set([...original, ...s.target])))
              expect(sorted(next.addingReplicas ?? [])).toEqual(sorted(s.target.filter((b) => !original.has(b))))
            } else {
              expect(next.replicas.every((b) => state.replicas.includes(b) && !(state.addingReplicas ?? []).includes(b))).toBe(true)
              expect(sorted(next.replicas), 'a cancel restores the original replicas').toEqual(sorted(original))
              target = [...next.replicas]
            }
          } else if (s.target === null && decision.kind === 'error' && decision.error.code === ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE) {
            const isrAfter = state.isr.filter((b) => !(state.addingReplicas ?? []).includes(b))
            expect(isrAfter.length === 0 || (state.isr.some((b) => live.has(b)) && !isrAfter.some((b) => live.has(b)))).toBe(true)
          }
          if (s.target === null && decision.kind === 'write' && state.isr.some((b) => live.has(b))) {
            expect(decision.next.isr.some((b) => live.has(b)), 'a cancel never takes away the last live in-sync replica').toBe(true)
          }
        } else if (s.kind === 'join' || s.kind === 'leave') {
          // The leader's own ISR changes (isr-writer.ts): a replica joins, a follower leaves.
          if (state.leader === -1) continue
          const b = state.replicas[s.pick % state.replicas.length]!
          if (s.kind === 'join' && !state.isr.includes(b)) next = { ...state, isr: [...state.isr, b], partitionEpoch: state.partitionEpoch + 1 }
          if (s.kind === 'leave' && state.isr.includes(b) && b !== state.leader) next = { ...state, isr: state.isr.filter((x) => x !== b), partitionEpoch: state.partitionEpoch + 1 }
          if (next !== undefined) assertPartitionTransition('p', state, next)
        } else if (s.kind === 'controller') {
          next = decidePartition(state, live, s.preferred)?.next
          if (next !== undefined) controllerChecks(state, next, live)
        } else if (s.kind === 'elect') {
          const decision = decidePreferredElection('p', state, live)
          if (decision.kind === 'write') {
            next = decision.next
            controllerChecks(state, next, live)
            expect(next.leader).toBe(state.replicas[0])
          } else {
            expect([ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]).toContain(decision.error.code)
          }
        } else {
          next = decideCompletion(state, live)
          if (next !== undefined) {
            controllerChecks(state, next, live)
            expect(isReassigning(state)).toBe(true)
            expect((state.addingReplicas ?? []).every((b) => state.isr.includes(b)), 'completes only with every adding replica in sync').toBe(true)
            expect(next.replicas).toEqual(target)
            expect(target).toContain(next.leader)
            expect(next.isr).toContain(next.leader)
            expect(isReassigning(next)).toBe(false)
            original = new Set(next.replicas)
          }
        }
        if (next !== undefined) {
          assertPartitionState('p', next)
          state = next
        }
        // Whatever happened, the target the state says is the last one asked for, and the original is the model's.
        expect(targetReplicas(state)).toEqual(target)
        expect(sorted(originalReplicas(state))).toEqual(sorted(original))
      }
    }), { numRuns: 1000 })
  })

  it('completes a move once its adding replicas are in sync, and moves the leadership off a removed leader', () => {
    const live = new Set([1, 2, 3, 4])
    const start = initialPartitionState([1, 2, 3])
    const moving = decideAlter('p', start, [2, 3, 4], live, live)
    expect(moving.kind === 'write' && moving.next).toEqual({ ...start, partitionEpoch: 1, replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] })
    const moved = (moving as { next: PartitionState }).next
    expect(decideCompletion(moved, live)).toBeUndefined()
    const joined = { ...moved, isr: [1, 2, 3, 4], partitionEpoch: 2 }
    expect(decideCompletion(joined, live)).toEqual({ leader: 2, leaderEpoch: 1, partitionEpoch: 3, isr: [2, 3, 4], replicas: [2, 3, 4] })
    expect(decideAlter('p', moved, [2, 3, 4], live, live).kind).toBe('noop')
    const versioned = new Map([['t', new Map([[0, { value: joined, modRevision: 7 }], [1, { value: start, modRevision: 8 }]])]])
    expect(decideCompletions(versioned, live).map((w) => [w.topic, w.partition])).toEqual([['t', 0]])
  })

  it('refuses unknown, repeated or no brokers, a cancel with nothing to cancel, and a cancel that would leave no in-sync replica', () => {
    const live = new Set([1, 2, 3, 4, 5, 6])
    const start = initialPartitionState([1, 2, 3])
    for (const bad of [[], [1, 1, 2], [1, 2, 9]]) {
      const d = decideAlter('p', start, bad, live, live)
      expect(d.kind === 'error' && d.error.code).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    }
    const none = decideAlter('p', start, null, live, live)
    expect(none.kind === 'error' && none.error.code).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS)
    const moving = (decideAlter('p', start, [4, 5, 6], live, live) as { next: PartitionState }).next
    const onlyNew = { ...moving, leader: 4, leaderEpoch: 1, isr: [4, 5], partitionEpoch: 2 }
    const d = decideAlter('p', onlyNew, null, live, live)
    expect(d.kind === 'error' && d.error.code).toBe(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE)
  })

  it('refuses a cancel that would take the partition offline and delete its only live up-to-date copy', () => {
    const all = new Set([1, 2])
    const moving = (decideAlter('p', initialPartitionState([1]), [2], all, all) as { next: PartitionState }).next
    // Broker 2 joins the ISR and leads (a preferred election: it is replicas[0]); then broker 1 dies.
    const joined: PartitionState = { ...moving, isr: [1, 2], partitionEpoch: 2 }
    const led: PartitionState = { ...joined, leader: 2, leaderEpoch: 1, partitionEpoch: 3 }
    const d = decideAlter('p', led, null, all, new Set([2]))
    expect(d.kind === 'error' && d.error.code).toBe(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE)
    // With broker 1 alive the cancel goes back to it (a new leader epoch).
    const back = decideAlter('p', led, null, all, all)
    expect(back.kind === 'write' && back.next).toEqual({ leader: 1, leaderEpoch: 2, partitionEpoch: 4, isr: [1], replicas: [1] })
  })

  it('computes a new target from the original replicas: a cancel after a re-target restores them', () => {
    const live = new Set([1, 2, 3, 4, 5])
    const start = initialPartitionState([1, 2, 3])
    const first = (decideAlter('p', start, [1, 2, 4], live, live) as { next: PartitionState }).next
    expect(first).toMatchObject({ replicas: [1, 2, 4, 3], addingReplicas: [4], removingReplicas: [3] })
    const joined: PartitionState = { ...first, isr: [1, 2, 3, 4], partitionEpoch: 2 }
    const second = decideAlter('p', joined, [1, 2, 5], live, live)
    // Broker 4 was only ever being added: dropped at once (and from the ISR); 3 is still the one removed.
    expect(second.kind === 'write' && second.next).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 3, isr: [1, 2, 3],
      replicas: [1, 2, 5, 3], addingReplicas: [5], removingReplicas: [3] })
    const cancelled = decideAlter('p', (second as { next: PartitionState }).next, null, live, live)
    expect(cancelled.kind === 'write' && cancelled.next).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 4, isr: [1, 2, 3], replicas: [1, 2, 3] })
    // A replica being added that leads is never dropped that way: it stays, removed by the completion.
    const ledBy4: PartitionState = { ...joined, leader: 4, leaderEpoch: 1, partitionEpoch: 3 }
    const retarget = decideAlter('p', ledBy4, [1, 2, 5], live, live)
    expect(retarget.kind === 'write' && retarget.next).toMatchObject({ leader: 4, isr: [1, 2, 3, 4], replicas: [1, 2, 5, 3, 4],
      addingReplicas: [5], removingReplicas: [3, 4] })
  })

  it('does not make a shutting-down broker leader', () => {
    const brokers = new Map([1, 2].map((id) => [id, { brokerId: id, advertisedUrl: '', rack: null, registeredAt: '', shuttingDown: id === 1 }]))
    const state = { ...initialPartitionState([1, 2]), leader: 2, leaderEpoch: 1, partitionEpoch: 1 }
    const d = decidePreferredElection('p', state, eligibleBrokers({ brokers }))
    expect(d.kind === 'error' && d.error.code).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE)
  })
})

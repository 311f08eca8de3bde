// A seeded property test of the leader's replica state (replica-state.ts) with the high watermark rule
// (storage/log-flush.ts nextHighWatermark): followers' fetches are lost, delayed and reordered, the
// leader appends, time passes, ISR proposals are applied or dropped by "etcd". At every step: the high
// watermark never moves back, never passes the true log end of any maximal-ISR member, and acks=all
// answers go out only below it, each once.
// The seed is printed; FAECIE_REPLICA_SEED=<seed> replays a run.
import { describe, expect, it } from 'vitest'
import { nextHighWatermark } from '../storage/log-flush.js'
import type { LeaderRole } from './messages.js'
import { ReplicaState, type IsrProposal } from './replica-state.js'
import { seededRandom } from '../storage/simulated-disk.js'

const SEED = Number(process.env['FAECIE_REPLICA_SEED'] ?? Math.floor(Math.random() * 2 ** 31))
const RUNS = 60
const STEPS = 400

function run(seed: number): void {
  const rng = seededRandom(seed)
  const pick = (n: number) => Math.floor(rng() * n)
  let nowMs = 0
  let role: LeaderRole = {
    brokerId: 1, leaderEpoch: 5, partitionEpoch: 0, isr: [1, 2, 3], replicas: [1, 2, 3], minInsyncReplicas: 1 + pick(3),
    replicaLagTimeMaxMs: 1_000, ackTimeoutMs: 5_000,
  }
  let leaderLogEnd = pick(20)
  const trueLogEnd = new Map<number, number>([[2, pick(leaderLogEnd + 1)], [3, pick(leaderLogEnd + 1)]])
  // A follower in the ISR holds everything below the high watermark it starts with.
  let hw = Math.min(...trueLogEnd.values())
  const state = new ReplicaState(role, leaderLogEnd, nowMs)
  const inFlight: { replicaId: number; fetchOffset: number }[] = []
  const proposals: IsrProposal[] = []
  const answered = new Set<number>()
  let nextAck = 0

  const moveHighWatermark = () => {
    const next = nextHighWatermark(hw, leaderLogEnd, state.highWatermarkLimit())
    expect(next).toBeGreaterThanOrEqual(hw)
    hw = next
    for (const id of state.maximalIsr()) {
      expect(hw).toBeLessThanOrEqual(id === 1 ? leaderLogEnd : trueLogEnd.get(id)!)
    }
    state.release(hw)
  }

  for (let step = 0; step < STEPS; step++) {
    const action = pick(7)
    if (action === 0) {
      // The leader appends and holds an acks=all answer for the new records.
      const count = 1 + pick(5)
      leaderLogEnd += count
      const id = nextAck++
      const lastOffset = leaderLogEnd - 1
      state.hold({
        lastOffset, deadlineMs: nowMs + role.ackTimeoutMs,
        send: () => {
          expect(answered.has(id)).toBe(false)
          expect(lastOffset).toBeLessThan(hw)
          answered.add(id)
        },
        fail: () => {
          expect(answered.has(id)).toBe(false)
          answered.add(id)
        },
      }, hw)
    } else if (action === 1) {
      // A follower sends a fetch at its true log end; it may be delayed, reordered or lost.
      const replicaId = 2 + pick(2)
      inFlight.push({ replicaId, fetchOffset: trueLogEnd.get(replicaId)! })
    } else if (action === 2 && inFlight.length > 0) {
      // One fetch arrives (any of those in flight), or is lost.
      const [fetch] = inFlight.splice(pick(inFlight.length), 1)
      if (rng() < 0.2) continue
      const proposal = state.recordFetch(fetch!.replicaId, fetch!.fetchOffset, leaderLogEnd, hw, nowMs)
      if (proposal !== undefined) proposals.push(proposal)
      moveHighWatermark()
      // Its answer (possibly lost) carries the leader's records up to some point.
      if (rng() < 0.7) {
        const own = trueLogEnd.get(fetch!.replicaId)!
        trueLogEnd.set(fetch!.replicaId, own + pick(leaderLogEnd - own + 1))
      }
    } else if (action === 3) {
      nowMs += pick(700)
      state.expire(nowMs)
      const proposal = state.checkLag(nowMs)
      if (proposal !== undefined) proposals.push(proposal)
    } else if (action === 4 && proposals.length > 0) {
      // etcd applies the latest proposal when it is still based on its state, else drops it.
      const proposal = proposals.splice(0).at(-1)!
      if (proposal.partitionEpoch === role.partitionEpoch && rng() < 0.8) {
        role = { ...role, isr: proposal.proposedIsr, partitionEpoch: role.partitionEpoch + 1 }
        state.updateRole(role, nowMs)
        moveHighWatermark()
      }
    } else if (action === 5) {
      // A stale becomeLeader (an older partitionEpoch) changes nothing.
      state.updateRole({ ...role, isr: [1], partitionEpoch: role.partitionEpoch - 1 }, nowMs)
      moveHighWatermark()
    } else {
      moveHighWatermark()
    }
    expect(hw).toBeLessThanOrEqual(leaderLogEnd)
    expect(state.maximalIsr()).toContain(1)
  }
  state.failAll(6, 'done')
  expect(answered.size).toBe(nextAck)
}

describe('ReplicaState', () => {
  it(`keeps the high watermark monotone, within every maximal-ISR member's log, and acks below it (seed ${SEED})`, () => {
    for (let i = 0; i < RUNS; i++) run(SEED + i)
  })
})

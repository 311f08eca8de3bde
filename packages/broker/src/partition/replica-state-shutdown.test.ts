// The leader's replica state and a follower in controlled shutdown (the role's isrIneligible): the
// leader never proposes to add it to the ISR, and an expansion it proposed before it learnt of the
// shutdown is dropped when the role says so, so that no refused proposal stays in the maximal ISR
// holding the high watermark for a broker about to stop.
import { describe, expect, it } from 'vitest'
import type { LeaderRole } from './messages.js'
import { ReplicaState } from './replica-state.js'

const role: LeaderRole = {
  brokerId: 1, leaderEpoch: 3, partitionEpoch: 7, isr: [1, 2], replicas: [1, 2, 3], minInsyncReplicas: 2,
  replicaLagTimeMaxMs: 10_000, ackTimeoutMs: 5_000,
}

describe('replica state: a follower in controlled shutdown', () => {
  it('is not proposed into the ISR, however caught up it is', () => {
    const state = new ReplicaState({ ...role, isrIneligible: [3] }, 0, 0)
    state.recordFetch(2, 50, 50, 50, 10)
    expect(state.recordFetch(3, 50, 50, 50, 10)).toBeUndefined()
    expect(state.pending).toBeUndefined()
    expect(state.maximalIsr()).toEqual([1, 2])
    // Its log end does not hold the high watermark: only broker 2's counts.
    expect(state.highWatermarkLimit()).toBe(50)
    // Without the flag (a restarted broker's new registration) it is proposed as before.
    state.updateRole({ ...role }, 20)
    expect(state.recordFetch(3, 50, 50, 50, 30)).toMatchObject({ reason: 'expand', proposedIsr: [1, 2, 3] })
  })

  it('drops a pending expansion with it when the role names it ineligible, and the high watermark moves on without it', () => {
    const state = new ReplicaState(role, 0, 0)
    state.recordFetch(2, 40, 40, 40, 10)
    expect(state.recordFetch(3, 40, 40, 40, 10)).toMatchObject({ reason: 'expand', proposedIsr: [1, 2, 3] })
    expect(state.maximalIsr()).toEqual([1, 2, 3])
    // Broker 3 begins its shutdown and stops fetching at 40; broker 2 goes on to 90.
    state.updateRole({ ...role, isrIneligible: [3] }, 20)
    expect(state.pending).toBeUndefined()
    expect(state.maximalIsr()).toEqual([1, 2])
    state.recordFetch(2, 90, 90, 40, 30)
    expect(state.highWatermarkLimit()).toBe(90)
    // The lag check does not send the dropped proposal again (it may shrink broker 2, idle since).
    expect(state.checkLag(60_000)?.proposedIsr ?? []).not.toContain(3)
  })

  it('keeps a pending shrink, and an ISR member that is shutting down counts until the controller removes it', () => {
    const state = new ReplicaState({ ...role, isr: [1, 2, 3] }, 0, 0)
    state.recordFetch(2, 10, 10, 10, 1)
    state.recordFetch(3, 10, 10, 10, 1)
    const shrink = state.checkLag(20_000)
    expect(shrink).toMatchObject({ reason: 'shrink' })
    state.updateRole({ ...role, isr: [1, 2, 3], isrIneligible: [3] }, 20_001)
    expect(state.pending).toMatchObject(shrink!)
    expect(state.maximalIsr()).toEqual([1, 2, 3])
  })
})

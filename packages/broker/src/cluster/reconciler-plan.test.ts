// What the reconciler aims a leader's replica at (reconciler-plan.ts replicaTarget): the replicas that
// may not join the ISR (in controlled shutdown, or not registered) are part of the target, so that
// their coming and going re-applies the leader role and drops a pending expansion that names them.
import { describe, expect, it } from 'vitest'
import { emptyClusterState, type ClusterState } from './cluster-state.js'
import type { BrokerRegistration } from './metadata-store.js'
import { isrIneligibleOf, replicaTarget } from './reconciler-plan.js'

const registration = (brokerId: number, shuttingDown = false): BrokerRegistration =>
  ({ brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, registeredAt: '', ...(shuttingDown ? { shuttingDown } : {}) })

function state(registered: BrokerRegistration[]): ClusterState {
  const s = emptyClusterState()
  for (const r of registered) s.brokers.set(r.brokerId, r)
  s.topics.set('t', { value: { topicId: 'id-t', partitions: 1, config: {} }, modRevision: 1 })
  s.partitions.set('t', new Map([[0, { value: { leader: 1, leaderEpoch: 3, partitionEpoch: 5, isr: [1], replicas: [1, 2, 3] }, modRevision: 2 }]]))
  return s
}

describe('isrIneligibleOf and the leader target', () => {
  it('names replicas in controlled shutdown and replicas not registered, never this broker', () => {
    const s = state([registration(1), registration(2, true)])
    expect(isrIneligibleOf(s, [1, 2, 3], 1)).toEqual([2, 3])
    expect(replicaTarget(s, 1, false, 't', 0)).toMatchObject({ kind: 'leader', isrIneligible: [2, 3] })
  })

  it('changes when a broker registers again, so the role is applied anew', () => {
    const gone = replicaTarget(state([registration(1), registration(2)]), 1, false, 't', 0)
    const back = replicaTarget(state([registration(1), registration(2), registration(3)]), 1, false, 't', 0)
    expect(gone).toMatchObject({ kind: 'leader', isrIneligible: [3] })
    expect(back).not.toHaveProperty('isrIneligible')
    expect(JSON.stringify(gone)).not.toBe(JSON.stringify(back))
  })
})

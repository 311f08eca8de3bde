// listPartitionReassignments from the watched state (reassignments-list.ts): the partitions with
// replicas being added or removed, sorted by topic then partition; a partition with empty lists is
// no move; topics narrow the answer; the throttle in force comes along.
import { describe, expect, it } from 'vitest'
import { emptyClusterState, type ClusterState } from './cluster-state.js'
import type { PartitionState } from './partition-state.js'
import { listReassignments } from './reassignments-list.js'

type Row = [topic: string, partition: number, leader: number, replicas: number[], isr: number[], move?: Pick<PartitionState, 'addingReplicas' | 'removingReplicas'>]

function stateOf(rows: Row[], throttle: number | null = null): ClusterState {
  const state = emptyClusterState()
  state.reassignmentThrottleBytesPerSec = throttle
  for (const [topic, partition, leader, replicas, isr, move] of rows) {
    const count = Math.max(partition + 1, state.topics.get(topic)?.value.partitions ?? 0)
    state.topics.set(topic, { value: { topicId: `id-${topic}`, partitions: count, config: {} }, modRevision: 1 })
    if (!state.partitions.has(topic)) state.partitions.set(topic, new Map())
    state.partitions.get(topic)!.set(partition, { value: { leader, leaderEpoch: 0, partitionEpoch: 0, isr, replicas, ...move }, modRevision: 1 })
  }
  return state
}

describe('listReassignments', () => {
  it('lists the partitions with replicas being added or removed, sorted', () => {
    const state = stateOf([
      ['z', 0, 1, [1, 2, 4, 3], [1, 2, 3], { addingReplicas: [4], removingReplicas: [3] }],
      ['a', 0, 1, [1, 2, 3], [1, 2, 3]],
      ['a', 1, 2, [2, 3], [2, 3], { addingReplicas: [], removingReplicas: [] }],
      ['a', 2, 2, [2, 3, 1], [2, 3], { addingReplicas: [], removingReplicas: [1] }],
    ], 5000)
    expect(listReassignments(state, {})).toEqual({
      throttleBytesPerSec: 5000,
      reassignments: [
        { topic: 'a', partition: 2, replicas: [2, 3, 1], addingReplicas: [], removingReplicas: [1], isr: [2, 3], leader: 2 },
        { topic: 'z', partition: 0, replicas: [1, 2, 4, 3], addingReplicas: [4], removingReplicas: [3], isr: [1, 2, 3], leader: 1 },
      ],
    })
    expect(listReassignments(state, { topics: ['a'] }).reassignments.map((r) => `${r.topic}-${r.partition}`)).toEqual(['a-2'])
  })
})

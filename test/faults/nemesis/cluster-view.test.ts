// mergeViews (cluster-view.ts): each partition's leader from the freshest answer (highest leader
// epoch), whoever gave it and in whatever order; the controller most answers name.
import type { MetadataResponse } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { followersOf, mergeViews } from './cluster-view.js'

function answer(controllerId: number, partitions: Array<[partition: number, leader: number, epoch: number]>): MetadataResponse {
  return {
    brokers: [], controllerId,
    topics: [{ topic: 't', topicId: 'x', internal: false, partitions: partitions.map(([partition, leader, leaderEpoch]) => ({ partition, leader, leaderEpoch, replicas: [1, 2, 3], isr: [1, 2, 3] })) }],
  }
}

describe('mergeViews', () => {
  it('takes each leader from the answer with the highest epoch, not the first broker', () => {
    // Broker 1 was cut off: it still thinks it leads both partitions and is the controller.
    const view = mergeViews('t', [
      { brokerId: 1, answer: answer(1, [[0, 1, 2], [1, 1, 4]]) },
      { brokerId: 2, answer: answer(3, [[0, 3, 5], [1, 1, 4]]) },
      { brokerId: 3, answer: answer(3, [[0, 3, 5], [1, -1, 3]]) },
    ])
    expect(view.partitions.get(0)).toMatchObject({ leader: 3, leaderEpoch: 5, from: 2 })
    expect(view.partitions.get(1)).toMatchObject({ leader: 1, leaderEpoch: 4, from: 1 })
    expect(followersOf(view.partitions.get(0))).toEqual([1, 2])
    expect(view.controllerId).toBe(3)
    expect(view.answered).toEqual([1, 2, 3])
  })

  it('prefers a named leader at an equal epoch, and says when nothing is known', () => {
    const view = mergeViews('t', [{ brokerId: 1, answer: answer(-1, [[0, -1, 7]]) }, { brokerId: 2, answer: answer(-1, [[0, 2, 7]]) }])
    expect(view.partitions.get(0)?.leader).toBe(2)
    expect(view.controllerId).toBe(-1)
    const empty = mergeViews('t', [])
    expect([empty.controllerId, empty.partitions.size, followersOf(empty.partitions.get(0))]).toEqual([-1, 0, []])
  })
})

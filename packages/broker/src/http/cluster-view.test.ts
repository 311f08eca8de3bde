// The cluster summary's rules (cluster-view.ts) on plain inputs: brokers live / shutting down /
// offline (named in replicas, not registered), leaderships and under-replicated partitions per leader
// (a move's target, not its union, is what must be in sync), offline partitions counted once, the
// unhealthy list bounded and sorted, and moves read off partition states.
import { describe, expect, it } from 'vitest'
import { clusterView, isUnderReplicated, type PartitionReplicas, type RegisteredBroker } from './cluster-view.js'

const BROKERS: RegisteredBroker[] = [
  { brokerId: 2, url: 'ws://h:2', rack: 'b' },
  { brokerId: 1, url: 'ws://h:1', rack: 'a', shuttingDown: true },
]

const p = (topic: string, partition: number, leader: number, replicas: number[], isr: number[], more: Partial<PartitionReplicas> = {}): PartitionReplicas =>
  ({ topic, partition, leader, replicas, isr, ...more })

describe('clusterView', () => {
  it('counts leaderships and under-replicated partitions per leader, and lists brokers seen only in replicas as offline', () => {
    const view = clusterView(BROKERS, 2, [
      p('b', 0, 1, [1, 2, 3], [1, 2, 3]),
      p('a', 1, 2, [2, 3, 1], [2, 1]),
      p('a', 0, 2, [2, 1, 3], [2, 1]),
      p('c', 0, -1, [3], [3]),
    ], 10)
    expect(view.brokers).toEqual([
      { brokerId: 1, url: 'ws://h:1', rack: 'a', state: 'shuttingDown', controller: false, leaderships: 1, underReplicated: 0 },
      { brokerId: 2, url: 'ws://h:2', rack: 'b', state: 'live', controller: true, leaderships: 2, underReplicated: 2 },
      { brokerId: 3, url: null, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 },
    ])
    expect(view).toMatchObject({ controllerId: 2, partitions: 4, underReplicatedPartitions: 2, offlinePartitions: 1, underReplicatedTruncated: false })
    expect(view.underReplicated.map((u) => `${u.topic}-${u.partition}`)).toEqual(['a-0', 'a-1', 'c-0'])
  })

  it('bounds the unhealthy list but counts every partition', () => {
    const parts = Array.from({ length: 5 }, (_, i) => p('t', i, 2, [2, 1], [2]))
    const view = clusterView(BROKERS, -1, parts, 3)
    expect(view.underReplicated).toHaveLength(3)
    expect(view.underReplicatedTruncated).toBe(true)
    expect(view.underReplicatedPartitions).toBe(5)
    expect(view.brokers.every((b) => !b.controller)).toBe(true)
    expect(() => clusterView(BROKERS, 1, [], -1)).toThrow(RangeError)
  })

  it('shows a single broker as the one live broker, controller, leading everything', () => {
    const view = clusterView([{ brokerId: 0, url: 'ws://h:0', rack: null }], 0, [p('t', 0, 0, [0], [0]), p('t', 1, 0, [0], [0])], 10)
    expect(view.brokers).toEqual([{ brokerId: 0, url: 'ws://h:0', rack: null, state: 'live', controller: true, leaderships: 2, underReplicated: 0 }])
    expect(view.underReplicatedPartitions + view.offlinePartitions).toBe(0)
  })
})

describe('isUnderReplicated', () => {
  it('compares the ISR with the target while a move runs (KIP-455), and ignores leaderless partitions', () => {
    expect(isUnderReplicated(p('t', 0, 1, [1, 2, 3], [1, 2]))).toBe(true)
    // Moving 3 -> 4: replicas [1,2,4,3], removing [3]; ISR [1,2,3] has the target's size.
    expect(isUnderReplicated(p('t', 0, 1, [1, 2, 4, 3], [1, 2, 3], { addingReplicas: [4], removingReplicas: [3] }))).toBe(false)
    expect(isUnderReplicated(p('t', 0, 1, [1, 2, 4, 3], [1, 2], { addingReplicas: [4], removingReplicas: [3] }))).toBe(true)
    expect(isUnderReplicated(p('t', 0, -1, [1, 2], [1]))).toBe(false)
  })
})

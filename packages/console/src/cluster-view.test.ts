// The console's view of a cluster (cluster-view.ts): brokers live / shutting down / offline with
// their leaderships and under-replicated partitions, a single broker as a cluster of one, the move's
// target as what must be in sync, "not built yet" recognised, and replica lists and move progress.
import { ErrorCode, FaecieError, type DescribeClusterResponse, type MetadataTopic, type OngoingReassignment } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { isNotBuilt, isUnderReplicated, moveProgress, moveTarget, replicaList, stateLabel, summarizeCluster } from './cluster-view.js'

const CLUSTER: DescribeClusterResponse = {
  mode: 'cluster', clusterId: 'c', controllerId: 2, etcd: ['http://e'],
  brokers: [{ brokerId: 1, url: 'ws://h:1', rack: null }, { brokerId: 2, url: 'ws://h:2', rack: 'r2', shuttingDown: true }],
}

const topic = (name: string, partitions: Array<[number, number[], number[]]>, internal = false): MetadataTopic =>
  ({ topic: name, topicId: name, internal, partitions: partitions.map(([leader, replicas, isr], partition) => ({ partition, leader, replicas, isr })) })

const MOVE: OngoingReassignment = { topic: 'a', partition: 1, replicas: [2, 4, 3], addingReplicas: [4], removingReplicas: [3], isr: [2, 3], leader: 2 }

describe('summarizeCluster', () => {
  it('lists registered brokers with their state and the controller, and brokers named only in replicas as offline', () => {
    const summary = summarizeCluster(CLUSTER, [
      topic('a', [[1, [1, 2, 3], [1, 2]], [2, [2, 4, 3], [2, 3]], [-1, [3], [3]]]),
      topic('__consumer_offsets', [[1, [1, 5], [1]]], true),
    ], [MOVE])
    expect(summary.brokers).toEqual([
      { brokerId: 1, url: 'ws://h:1', rack: null, state: 'live', controller: false, leaderships: 1, underReplicated: 1 },
      { brokerId: 2, url: 'ws://h:2', rack: 'r2', state: 'shuttingDown', controller: true, leaderships: 1, underReplicated: 0 },
      { brokerId: 3, url: undefined, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 },
      { brokerId: 4, url: undefined, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 },
    ])
    expect(summary).toMatchObject({ mode: 'cluster', controllerId: 2, partitions: 3, underReplicated: 1, offline: 1 })
  })

  it('counts a moving partition as under-replicated when its ISR lacks a member of the target', () => {
    const summary = summarizeCluster(CLUSTER, [topic('a', [[1, [1], [1]], [2, [2, 4, 3], [2]]])], [MOVE])
    expect(summary.underReplicated).toBe(1)
    expect(summary.brokers.find((b) => b.brokerId === 2)?.underReplicated).toBe(1)
  })

  it('shows a single broker as the one live broker and controller, leading every partition', () => {
    const single: DescribeClusterResponse = { mode: 'single', clusterId: 'c', controllerId: 0, etcd: [], brokers: [{ brokerId: 0, url: 'ws://h:0', rack: null }] }
    const summary = summarizeCluster(single, [topic('a', [[0, [0], [0]], [0, [0], [0]]])])
    expect(summary.brokers).toEqual([{ brokerId: 0, url: 'ws://h:0', rack: null, state: 'live', controller: true, leaderships: 2, underReplicated: 0 }])
    expect(summary.underReplicated + summary.offline).toBe(0)
  })
})

describe('helpers', () => {
  it('judges under-replication against the target and never for a leaderless partition', () => {
    expect(isUnderReplicated({ leader: 1, replicas: [1, 2, 3], isr: [1, 2] })).toBe(true)
    expect(isUnderReplicated({ leader: 2, replicas: [2, 4, 3], isr: [2, 3] }, MOVE)).toBe(false)
    expect(isUnderReplicated({ leader: -1, replicas: [1, 2], isr: [1] })).toBe(false)
    // A single broker's metadata may leave replicas and isr out: the leader alone.
    expect(isUnderReplicated({ leader: 0 })).toBe(false)
  })

  it('recognises listPartitionReassignments refused as not built yet or unknown, and nothing else', () => {
    expect(isNotBuilt(new FaecieError(ErrorCode.UNSUPPORTED_VERSION, 'listPartitionReassignments: not built yet'))).toBe(true)
    expect(isNotBuilt(new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'gone'))).toBe(false)
    expect(isNotBuilt(new Error('not built yet'))).toBe(false)
  })

  it('writes replica lists with moves marked, the target, progress and state labels', () => {
    expect(replicaList([2, 4, 3], MOVE)).toBe('2, +4, -3')
    expect(replicaList([])).toBe('–')
    expect(moveTarget(MOVE)).toEqual([2, 4])
    expect(moveProgress(MOVE)).toEqual({ inSync: 0, adding: 1 })
    expect(moveProgress({ ...MOVE, isr: [2, 3, 4] })).toEqual({ inSync: 1, adding: 1 })
    expect(stateLabel('shuttingDown')).toBe('shutting down')
  })
})

// The cluster series of /metrics (cluster-metrics.ts) fed by a fake ClusterMetricsSource: absent for
// a single broker; the source's under-replicated count, offline partitions on the controller only,
// the active-controller gauge, counters that follow the source's running totals, and per-partition
// replica lag capped by partitionLabelsMax; partitionCounts over etcd's states (what /health shows).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import { OffsetWatch } from '../gateway/offset-watch.js'
import { silentLogger } from '../log.js'
import { PartitionManager } from '../partition/partition-manager.js'
import type { TopicService } from '../topics/topic-service.js'
import { BrokerMetrics, type MetricsOptions } from './broker-metrics.js'
import type { ClusterGateway } from '../gateway/context.js'
import { partitionCounts, type ClusterMetricsSource, type ReplicaLag } from './cluster-metrics.js'

type State = NonNullable<ReturnType<ClusterGateway['partitionState']>>

const dataDir = mkdtempSync(join(tmpdir(), 'faecie-cluster-metrics-'))
const partitions = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 1 })
const META: TopicMeta = { topic: 'orders', topicId: '00000000-0000-4000-8000-000000000001', partitions: 4, config: {}, internal: false }
const topics = { all: () => [META], group: async () => ({ groups: [] }) } as unknown as TopicService

afterAll(async () => {
  await partitions.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Broker 1's view: it leads orders-0 (under-replicated) and orders-3; orders-1 is led by 2 (under-replicated); orders-2 is offline. */
const STATES = new Map<number, State>([
  [0, { leader: 1, leaderEpoch: 1, partitionEpoch: 2, isr: [1], replicas: [1, 2, 3] }],
  [1, { leader: 2, leaderEpoch: 1, partitionEpoch: 2, isr: [2, 3], replicas: [2, 3, 1] }],
  [2, { leader: -1, leaderEpoch: 3, partitionEpoch: 4, isr: [3], replicas: [3, 1, 2] }],
  [3, { leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2, 3], replicas: [1, 2, 3] }],
])

class FakeSource implements ClusterMetricsSource {
  isController = true
  isrShrinks = 0
  isrExpands = 0
  controllerChanges = 0
  underReplicated = 1
  offline = 1
  lags: ReplicaLag[] = []
  lagReads = 0
  underReplicatedPartitions(): number { return this.underReplicated }
  offlinePartitions(): number { return this.offline }
  async replicaLags(): Promise<ReplicaLag[]> {
    this.lagReads++
    return this.lags
  }
}

function metrics(options: Partial<MetricsOptions> = {}): BrokerMetrics {
  return new BrokerMetrics({ partitions, topics, watch: new OffsetWatch(partitions), logger: silentLogger(), options: { scrapeCacheMs: 0, ...options } })
}

function value(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

describe('cluster metrics', () => {
  it('are absent for a single broker', async () => {
    const text = await metrics().scrape()
    for (const name of ['faecie_under_replicated_partitions', 'faecie_offline_partitions', 'faecie_isr_shrinks_total', 'faecie_replica_lag_offsets',
      'faecie_active_controller', 'faecie_controller_changes_total', 'faecie_isr_expands_total']) {
      expect(text).not.toContain(name)
    }
  })

  it('count partitions from etcd states: all, and those led here', () => {
    const cluster = { brokerId: 1, partitionState: (topic: string, p: number) => (topic === 'orders' ? STATES.get(p) : undefined) }
    expect(partitionCounts([META], cluster)).toEqual({ partitions: 4, underReplicated: 3, underReplicatedLedHere: 1, offline: 1 })
    expect(partitionCounts([META], { ...cluster, brokerId: 2 }).underReplicatedLedHere).toBe(1)
    expect(partitionCounts([META], { ...cluster, brokerId: 3 }).underReplicatedLedHere).toBe(0)
  })

  it('export gauges, counters that follow the running totals, and replica lags', async () => {
    const source = new FakeSource()
    const m = metrics({ partitionLabelsMax: 2 })
    m.useCluster(source)
    expect(m.cluster).toBe(source)
    expect(() => m.useCluster(source)).toThrow(/twice/)
    source.isrShrinks = 2
    source.isrExpands = 1
    source.controllerChanges = 3
    source.lags = [{ topic: 'orders', partition: 0, lagOffsets: 42 }, { topic: 'orders', partition: 3, lagOffsets: 0 }, { topic: 'other', partition: 9, lagOffsets: 5 }]
    let text = await m.scrape()
    expect(value(text, 'faecie_under_replicated_partitions')).toBe(1)
    expect(value(text, 'faecie_offline_partitions')).toBe(1)
    expect(value(text, 'faecie_active_controller')).toBe(1)
    expect(value(text, 'faecie_isr_shrinks_total')).toBe(2)
    expect(value(text, 'faecie_isr_expands_total')).toBe(1)
    expect(value(text, 'faecie_controller_changes_total')).toBe(3)
    expect(value(text, 'faecie_replica_lag_offsets{topic="orders",partition="0"}')).toBe(42)
    expect(value(text, 'faecie_replica_lag_offsets{topic="orders",partition="3"}')).toBe(0)
    // partitionLabelsMax 2: the third partition has no series.
    expect(text).not.toContain('partition="9"')

    // Another broker becomes controller: offline partitions are its to report.
    source.isController = false
    source.underReplicated = 0
    source.isrShrinks = 5
    source.controllerChanges = 4
    source.lags = [{ topic: 'orders', partition: 0, lagOffsets: 7 }]
    text = await m.scrape()
    expect(value(text, 'faecie_under_replicated_partitions')).toBe(0)
    expect(value(text, 'faecie_offline_partitions')).toBe(0)
    expect(value(text, 'faecie_active_controller')).toBe(0)
    expect(value(text, 'faecie_isr_shrinks_total')).toBe(5)
    expect(value(text, 'faecie_controller_changes_total')).toBe(4)
    expect(value(text, 'faecie_replica_lag_offsets{topic="orders",partition="0"}')).toBe(7)
    expect(text).not.toContain('faecie_replica_lag_offsets{topic="orders",partition="3"}')
  })

  it('reads the replica lags at most once per scrapeCacheMs, and survives a failing source', async () => {
    const source = new FakeSource()
    const m = metrics({ scrapeCacheMs: 60_000 })
    m.useCluster(source)
    source.lags = [{ topic: 'orders', partition: 0, lagOffsets: 1 }]
    await m.scrape()
    await m.scrape()
    expect(source.lagReads).toBe(1)

    const failing = new FakeSource()
    failing.replicaLags = async () => { throw new Error('partition closing') }
    const n = metrics()
    n.useCluster(failing)
    const text = await n.scrape()
    expect(value(text, 'faecie_under_replicated_partitions')).toBe(1)
    expect(text).not.toContain('faecie_replica_lag_offsets{')
  })
})

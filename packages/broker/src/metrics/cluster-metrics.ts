// The cluster's series of /metrics (issue 13), registered only in cluster mode (BrokerMetrics.useCluster:
// a single broker's exposition does not change). Kafka's names and meanings where they exist:
//
//   faecie_under_replicated_partitions   gauge    partitions this broker leads whose ISR is smaller
//                                                  than their replica set (Kafka's UnderReplicatedPartitions;
//                                                  the sum over brokers is the cluster's count)
//   faecie_offline_partitions            gauge    partitions without a leader, on the controller only;
//                                                  0 elsewhere (Kafka's OfflinePartitionsCount)
//   faecie_active_controller             gauge    1 on the controller, else 0 (ActiveControllerCount)
//   faecie_controller_changes_total      counter  changes of controller this broker saw
//   faecie_isr_shrinks_total             counter  ISR shrinks this broker, as leader, wrote to etcd
//   faecie_isr_expands_total             counter  ISR expands likewise
//   faecie_replica_lag_offsets           gauge    topic, partition: on the leader, the largest lag of a
//                                                  follower (leader log end - follower log end); the
//                                                  first `partitionLabelsMax` partitions led here
//
// Every input comes from the cluster runtime through ClusterMetricsSource. Lags are computed at most
// once per `scrapeCacheMs`, concurrent scrapes sharing one computation. partitionCounts (etcd's
// states, cluster-wide) is what /health reports (http/cluster-health.ts).
import { Gauge, type Registry } from 'prom-client'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { ClusterGateway } from '../gateway/context.js'
import type { Logger } from '../log.js'
import { Cached } from './scrape-sources.js'
import { totalCounter } from './storage-gauges.js'

/** One partition this broker leads, and how far its slowest follower is behind. */
export interface ReplicaLag {
  topic: string
  partition: number
  /** Leader log end offset minus the lowest follower log end offset (0 when all have caught up). */
  lagOffsets: number
}

/**
 * What the cluster runtime (cluster/cluster-runtime.ts) gives the metrics. The counts are running
 * totals since the broker started (never decreasing): the metrics turn them into Prometheus counters.
 */
export interface ClusterMetricsSource {
  /** True while this broker is the controller. */
  readonly isController: boolean
  /** Controller changes this broker counted (elections it saw), since it started. */
  readonly controllerChanges: number
  /** ISR shrinks this broker (as a partition's leader) wrote to etcd, since it started. */
  readonly isrShrinks: number
  /** ISR expands this broker (as a partition's leader) wrote to etcd, since it started. */
  readonly isrExpands: number
  /** Partitions this broker leads (in etcd) whose ISR is smaller than their replicas. */
  underReplicatedPartitions(): number
  /** Partitions without a leader when this broker is the controller; 0 on every other broker. */
  offlinePartitions(): number
  /**
   * For each partition this broker leads: the largest follower lag in offsets (the partition actor's
   * `status` answer gives it as followerLagOffsets). Asked at most once per scrapeCacheMs.
   */
  replicaLags(): ReplicaLag[] | Promise<ReplicaLag[]>
  /** Consumer groups coordinated here (the group shards of the `__consumer_offsets` partitions led here). */
  readonly groupCount?: number
}

export interface PartitionCounts {
  /** Partitions etcd knows (of the topics given). */
  partitions: number
  /** ISR smaller than the replica set, all leaders. */
  underReplicated: number
  /** ISR smaller than the replica set, led by `brokerId`. */
  underReplicatedLedHere: number
  /** No leader (leader -1). */
  offline: number
}

/** Counts of the partitions of `topics` from etcd's states as `cluster` last saw them. */
export function partitionCounts(topics: Iterable<TopicMeta>, cluster: Pick<ClusterGateway, 'brokerId' | 'partitionState'>): PartitionCounts {
  const counts: PartitionCounts = { partitions: 0, underReplicated: 0, underReplicatedLedHere: 0, offline: 0 }
  for (const meta of topics) {
    for (let partition = 0; partition < meta.partitions; partition++) {
      const state = cluster.partitionState(meta.topic, partition)
      if (state === undefined) continue
      counts.partitions++
      if (state.leader < 0) counts.offline++
      if (state.isr.length < state.replicas.length) {
        counts.underReplicated++
        if (state.leader === cluster.brokerId) counts.underReplicatedLedHere++
      }
    }
  }
  return counts
}

export interface ClusterMetricsParts {
  registers: Registry[]
  source: ClusterMetricsSource
  partitionLabelsMax: number
  scrapeCacheMs: number
  logger: Logger
}

export function registerClusterMetrics({ registers, source, partitionLabelsMax, scrapeCacheMs, logger }: ClusterMetricsParts): void {
  new Gauge({
    name: 'faecie_under_replicated_partitions', help: 'Partitions this broker leads whose in-sync replicas are fewer than their replicas.',
    registers, collect() { this.set(source.underReplicatedPartitions()) },
  })
  new Gauge({
    name: 'faecie_offline_partitions', help: 'Partitions without a leader (reported by the controller only; 0 on other brokers).',
    registers, collect() { this.set(source.isController ? source.offlinePartitions() : 0) },
  })
  new Gauge({
    name: 'faecie_coordinated_groups', help: 'Consumer groups this broker coordinates (it leads their __consumer_offsets partition).',
    registers, collect() { this.set(source.groupCount ?? 0) },
  })
  new Gauge({
    name: 'faecie_active_controller', help: '1 on the broker that is the controller, else 0.',
    registers, collect() { this.set(source.isController ? 1 : 0) },
  })
  totalCounter(registers, 'faecie_controller_changes_total', 'Controller changes (elections) this broker counted.', () => source.controllerChanges)
  totalCounter(registers, 'faecie_isr_shrinks_total', 'In-sync replica sets this broker, as leader, shrank in etcd.', () => source.isrShrinks)
  totalCounter(registers, 'faecie_isr_expands_total', 'In-sync replica sets this broker, as leader, expanded in etcd.', () => source.isrExpands)
  const lags = new Cached(async (): Promise<ReplicaLag[]> => {
    try {
      return [...await source.replicaLags()]
    } catch (err) {
      // Partitions moving or closing: no lag series this round, rather than a failed scrape.
      logger.warn({ err }, 'metrics: replica lags not read')
      return []
    }
  }, scrapeCacheMs, Date.now)
  new Gauge({
    name: 'faecie_replica_lag_offsets',
    help: `Offsets the slowest follower is behind, per partition led here (the first partitionLabelsMax = ${partitionLabelsMax}).`,
    labelNames: ['topic', 'partition'], registers,
    async collect() {
      const all = await lags.get()
      this.reset()
      for (const lag of all.slice(0, partitionLabelsMax)) this.labels(lag.topic, String(lag.partition)).set(Math.max(0, lag.lagOffsets))
    },
  })
}

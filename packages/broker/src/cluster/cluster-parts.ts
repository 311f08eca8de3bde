// The cluster's moving parts as the runtime (cluster-runtime.ts) uses them: the Controller, the
// Reconciler and the IsrWriter (cluster/controller.ts, reconciler.ts, isr-writer.ts), the PeerLinks
// and the ReplicaFetchers (replication/peer-links.ts, replica-fetchers.ts), each seen through the few
// methods the runtime needs, and made by a factory. `mergedClusterParts` is the one place that
// names the real classes: the runtime and its tests never import them, so a test can hand the
// runtime fakes, and the parts were written at the same time as this file without depending on it.
import type { OpName, OpRequest, OpResponse } from '@faecie/protocol'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { LocalPartitionRole } from '../gateway/context.js'
import type { Logger } from '../log.js'
import type { LeaderRole, PartitionConfig } from '../partition/messages.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { TopicConfig, TopicConfigChanges } from '../topics/config.js'
import type { MonotonicClock } from './broker-session.js'
import type { ClusterKeys } from './keys.js'
import type { ClusterStateWatch } from './cluster-state.js'
import type { ControllerFence, EtcdMetadataStore, PartitionState } from './metadata-store.js'
import { Controller } from './controller.js'
import { IsrWriter } from './isr-writer.js'
import { Reconciler } from './reconciler.js'
import { PeerLinks } from '../replication/peer-links.js'
import type { PeerTlsOptions } from '../replication/peer-link.js'
import { ReplicaFetchers } from '../replication/replica-fetchers.js'
import type { FetchThrottle } from '../replication/replication-throttle.js'

/** Every timing and size the runtime gives the parts, in one place. */
export const CLUSTER_RUNTIME_LIMITS = {
  etcdConnectTimeoutMs: 10_000,
  peerRequestTimeoutMs: 30_000,
  peerReconnectBackoffMinMs: 100,
  peerReconnectBackoffMaxMs: 5_000,
  replicaFetchPartitionBytesMax: 1024 * 1024,
  replicaFetchRequestBytesMax: 16 * 1024 * 1024,
  replicaFetchBackoffMs: 500,
  reconcileRetryBackoffMs: 500,
  preferredLeaderCheckMs: 10_000,
  ackTimeoutMs: 30_000, // a leader holds an acks=all answer this long for the high watermark (LeaderRole)
} as const

/** replication/peer-links.ts PeerLinks. */
export interface PeerLinksLike {
  request<Op extends OpName>(brokerId: number, op: Op, fields: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<OpResponse<Op>>
  close(brokerId: number): void
  closeAll(): void | Promise<void>
}

export interface FollowSpec {
  leader: number
  leaderEpoch: number
  latestEpoch: number
  logEndOffset: number
}

/** replication/replica-fetchers.ts ReplicaFetchers. */
export interface ReplicaFetchersLike {
  follow(topic: string, partition: number, spec: FollowSpec): void
  unfollow(topic: string, partition: number): void
  close(): Promise<void>
  lagOf(topic: string, partition: number): number | undefined
}

/** cluster/controller.ts Controller: started on 'elected', stopped on 'deposed'. */
export interface ControllerLike {
  start(): void
  stop(): void | Promise<void>
  createTopic(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig): Promise<TopicMeta>
  deleteTopic(topic: string): Promise<TopicMeta>
  alterTopicConfig(topic: string, changes: TopicConfigChanges): Promise<TopicMeta>
  createPartitions(topic: string, count: number): Promise<TopicMeta>
  alterPartitionReassignments(request: OpRequest<'alterPartitionReassignments'>): Promise<OpResponse<'alterPartitionReassignments'>>
  electLeaders(request: OpRequest<'electLeaders'>): Promise<OpResponse<'electLeaders'>>
  /** Makes `__consumer_offsets` (cluster/offsets-topic.ts) unless it exists. */
  ensureOffsetsTopic?(numPartitions: number, replicationFactor: number, config: TopicConfig): Promise<TopicMeta>
}

/** cluster/reconciler.ts Reconciler. */
export interface ReconcilerLike {
  start(): Promise<void>
  stop(): void | Promise<void>
  localRole(topic: string, partition: number): LocalPartitionRole | undefined
  /** The replica's actor was reopened without its role (its thread restarted): apply it again. */
  replicaRestarted(topic: string, partition: number): void
  /** Resolves once every step queued so far has been applied (or is waiting out a retry backoff). */
  settled(): Promise<void>
}

/** cluster/isr-writer.ts IsrWriter (listens to partitions.onIsrChange from construction). */
export interface IsrWriterLike {
  stop(): void | Promise<void>
  /** ISR shrinks and expands written to etcd (metrics). */
  readonly shrinks: number
  readonly expands: number
}

export interface PeerLinksParams {
  self: { brokerId: number; clusterId: string; secret: string }
  urlOf: (brokerId: number) => string | undefined
  logger: Logger
  clock: MonotonicClock
  requestTimeoutMs: number
  reconnectBackoffMinMs: number
  reconnectBackoffMaxMs: number
  frameBytesMax: number
  /** TLS of wss:// links to peers (server/tls-context.ts clientOptions). */
  tls?: () => PeerTlsOptions
}

export interface ReplicaFetchersParams {
  brokerId: number
  links: PeerLinksLike
  partitions: PartitionManager
  logger: Logger
  clock: MonotonicClock
  fetchMaxWaitMs: number
  fetchMaxBytes: number
  /** Per request, over every partition fetched from one leader. */
  fetchRequestMaxBytes: number
  backoffMs: number
  /** The replication throttle of moving replicas (replication/replication-throttle.ts), shared by this broker's fetchers. */
  throttle?: FetchThrottle
}

export interface IsrWriterParams {
  brokerId: number
  clock: MonotonicClock
  store: EtcdMetadataStore
  partitions: PartitionManager
  logger: Logger
  /** Brokers in controlled shutdown (never added to an ISR). */
  shuttingDown?: () => ReadonlySet<number>
}

export interface ControllerParams {
  store: EtcdMetadataStore
  keys: ClusterKeys
  watch: ClusterStateWatch
  fence: () => ControllerFence | undefined
  clock: MonotonicClock
  logger: Logger
  preferredLeaderCheckMs: number
  limits: { batchBytesMax: number; partitionsPerTopicMax: number; partitionsMax: number }
  /** --replication-factor: a topic created without one gets min(this, live brokers). */
  defaultReplicationFactor: number
  /** --min-insync-replicas: min.insync.replicas of a topic created without one. */
  defaultMinInsyncReplicas: number
}

export interface ReconcilerParams {
  brokerId: number
  watch: ClusterStateWatch
  partitions: PartitionManager
  fetchers: Pick<ReplicaFetchersLike, 'follow' | 'unfollow'>
  partitionConfigOf: (config: TopicConfig) => PartitionConfig
  leaderRoleOf: (topic: string, state: PartitionState, config: TopicConfig) => LeaderRole
  isFenced: () => boolean
  logger: Logger
  clock: MonotonicClock
  retryBackoffMs: number
  /** The broker's data dir: partition directories are claimed for their topic id there (partition-dir-claim.ts). */
  dataDir?: string
}

/** How the runtime makes each part. */
export interface ClusterPartFactories {
  peerLinks(params: PeerLinksParams): PeerLinksLike
  replicaFetchers(params: ReplicaFetchersParams): ReplicaFetchersLike
  isrWriter(params: IsrWriterParams): IsrWriterLike
  controller(params: ControllerParams): ControllerLike
  reconciler(params: ReconcilerParams): ReconcilerLike
}

/** The real parts. */
export const mergedClusterParts: ClusterPartFactories = {
  peerLinks: (params) => new PeerLinks(params),
  replicaFetchers: (params) => new ReplicaFetchers({
    brokerId: params.brokerId, links: params.links, partitions: params.partitions, logger: params.logger, clock: params.clock,
    fetchMaxWaitMs: params.fetchMaxWaitMs, fetchMaxBytes: params.fetchRequestMaxBytes, fetchPartitionMaxBytes: params.fetchMaxBytes,
    backoffMs: params.backoffMs, ...(params.throttle === undefined ? {} : { throttle: params.throttle }),
  }),
  isrWriter: (params) => {
    const writer = new IsrWriter({ brokerId: params.brokerId, store: params.store, partitions: params.partitions, clock: params.clock, logger: params.logger,
      ...(params.shuttingDown === undefined ? {} : { shuttingDown: params.shuttingDown }) })
    writer.start()
    return {
      stop: () => writer.stop(),
      get shrinks() { return writer.isrShrinksTotal },
      get expands() { return writer.isrExpandsTotal },
    }
  },
  controller: (params) => new Controller({
    store: params.store, keys: params.keys, watch: params.watch, fence: params.fence, clock: params.clock, logger: params.logger,
    limits: params.limits, preferredLeaderCheckMs: params.preferredLeaderCheckMs, defaultReplicationFactor: params.defaultReplicationFactor,
  }),
  reconciler: (params) => new Reconciler(params),
}

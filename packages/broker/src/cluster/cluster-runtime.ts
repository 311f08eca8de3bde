// A broker's part in a cluster (--cluster), wired together: the etcd client and store, the watched
// cluster state, the peer links and replica fetchers, the ISR writer, the controller (run while this
// broker is elected), the reconciler, and the broker's membership (session, registration, election).
// It is the gateway's ClusterGateway and TopicService's topic source (cluster-topics.ts).
//
//   ClusterRuntime.connect(config)      etcd client; the cluster id (made on the cluster's first start)
//   ... the broker loads meta.json with that id (a data dir of another cluster is refused) ...
//   ClusterRuntime.start(connection)    state watch; links, fetchers, ISR writer, controller, reconciler made
//   ... the broker listens: its URL and Kafka address are known only now (--port 0) ...
//   runtime.join({url, kafkaAddress})   registers under a session lease, joins the election (controller
//                                       started on 'elected', stopped on 'deposed'), reconciler's first pass
//   runtime.stop()                      reconciler, fetchers (unfollow all), controller, ISR writer,
//                                       membership (resign, lease revoked), links, watch, etcd client
//
// Until join() has run, this broker leads nothing (isLeaderNow is false): a client's request for a
// partition answers NOT_LEADER_OR_FOLLOWER and the client retries. Fencing: the member's 'fenced' and
// 'unfenced' make the watch emit 'change' again, so the reconciler's next pass reads isFenced() anew
// (the session's state, which moves only with those events: ClusterMember.fenced).
// A topic's config changed in etcd (alterTopicConfig on the controller) is pushed here to this
// broker's replicas of it (the reconciler opens a replica with the config of the moment).
import { strict as assert } from 'node:assert'
import { timingSafeEqual } from 'node:crypto'
import { type OpName, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { ClusterGateway, LocalPartitionRole } from '../gateway/context.js'
import type { Limits } from '../gateway/limits.js'
import type { Logger } from '../log.js'
import type { LeaderRole } from '../partition/messages.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { ClusterConfig } from '../server/cluster-config.js'
import { partitionConfigOf, type TopicConfig } from '../topics/config.js'
import { etcdLeaseGranter, systemMonotonicClock, type MonotonicClock } from './broker-session.js'
import { ClusterMember } from './cluster-member.js'
import { controlledShutdown } from './controlled-shutdown.js'
import { shuttingDownOf } from './controller-decisions.js'
import { CLUSTER_RUNTIME_LIMITS, mergedClusterParts, type ClusterPartFactories, type ControllerLike, type IsrWriterLike, type PeerLinksLike,
  type ReconcilerLike, type ReplicaFetchersLike } from './cluster-parts.js'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import { isLeaderNow, offlinePartitionCount, TopicConfigPush, TopicsMirror, underReplicatedLedBy } from './cluster-figures.js'
import { ClusterStateWatch } from './cluster-state.js'
import { ClusterTopics } from './cluster-topics.js'
import type { ReplicaLag } from '../metrics/cluster-metrics.js'
import { isrIneligibleOf, partitionsHere } from './reconciler-plan.js'
import { leaveIsrsOnJoin } from './rejoin-isr.js'
import type { PartitionState } from './metadata-store.js'
import { connectCluster, type ClusterConnection } from './cluster-connection.js'
import type { GroupSettings } from '../groups/consumer-group.js'
import type { GroupShards } from './group-shards.js'
import { clusterGroupShards } from './cluster-groups.js'
import { isThrottledReplica, ReplicationThrottle } from '../replication/replication-throttle.js'
import { listReassignments } from './reassignments-list.js'
import type { PeerTlsOptions } from '../replication/peer-link.js'

/** Listeners of the state watch's 'change' (Node warns past 10 by default). */
const WATCH_LISTENERS_MAX = 32

export { EtcdUnavailableError, type ClusterConnection } from './cluster-connection.js'

export interface ClusterRuntimeOptions {
  config: ClusterConfig
  /** The broker's data dir (partition directories are claimed for their topic ids there). */
  dataDir?: string
  partitions: PartitionManager
  limits: Pick<Limits, 'batchBytesMax' | 'partitionsPerTopicMax' | 'partitionsMax' | 'frameBytesMax'>
  logger: Logger
  clock?: MonotonicClock
  /** The parts; default the real ones (cluster-parts.ts). */
  parts?: ClusterPartFactories
  /** Consumer-group timeouts and retention of the group shards (server/config.ts `groups`). */
  groupSettings?: Partial<GroupSettings>
  /** Wall-clock ms of the group shards (commit timestamps, session timeouts); default Date.now. */
  groupClock?: () => number
  /** TLS of the links to peers (wss://): server/tls-context.ts clientOptions. */
  peerTls?: () => PeerTlsOptions
}

export class ClusterRuntime implements ClusterGateway {
  readonly clusterId: string
  readonly brokerId: number
  readonly etcdEndpoints: string[]
  readonly topics: ClusterTopics
  readonly #o: ClusterRuntimeOptions & { clock: MonotonicClock }
  readonly #connection: ClusterConnection
  readonly #watch: ClusterStateWatch
  readonly #links: PeerLinksLike
  readonly #fetchers: ReplicaFetchersLike
  readonly #isrWriter: IsrWriterLike
  readonly #controller: ControllerLike
  readonly #reconciler: ReconcilerLike
  readonly #groups: GroupShards
  #member: ClusterMember | undefined
  #controllerRunning = false
  #controllerChanges = 0
  #joined = false
  #stopping: Promise<void> | undefined

  /** Connects to etcd and reads (or, on the cluster's first start, creates) the cluster id. */
  static connect(config: ClusterConfig, clock: MonotonicClock = systemMonotonicClock): Promise<ClusterConnection> {
    return connectCluster(config, clock)
  }

  /** Starts watching the cluster's state and makes the parts; nothing leads or fetches until join(). */
  static async start(connection: ClusterConnection, options: ClusterRuntimeOptions): Promise<ClusterRuntime> {
    const watch = await ClusterStateWatch.start(connection.client, connection.keys, options.logger.child({ module: 'cluster-state' }))
    watch.setMaxListeners(WATCH_LISTENERS_MAX) // the parts, the config push and the topics mirror each listen
    return new ClusterRuntime(connection, watch, options)
  }

  private constructor(connection: ClusterConnection, watch: ClusterStateWatch, options: ClusterRuntimeOptions) {
    const o = { ...options, clock: options.clock ?? systemMonotonicClock }
    const { config, partitions, limits, logger, clock } = o
    const parts = options.parts ?? mergedClusterParts
    const L = CLUSTER_RUNTIME_LIMITS
    this.#o = o
    this.#connection = connection
    this.#watch = watch
    this.clusterId = connection.clusterId
    this.brokerId = config.brokerId
    this.etcdEndpoints = [...config.etcdEndpoints]
    this.#links = parts.peerLinks({
      self: { brokerId: this.brokerId, clusterId: this.clusterId, secret: connection.brokerSecret }, urlOf: (id) => this.brokerUrl(id), logger: logger.child({ module: 'peer-links' }),
      clock, requestTimeoutMs: L.peerRequestTimeoutMs, reconnectBackoffMinMs: L.peerReconnectBackoffMinMs,
      reconnectBackoffMaxMs: L.peerReconnectBackoffMaxMs,
      // A replicaFetch answer: the request's budget, one whole batch past it, and the envelope.
      frameBytesMax: L.replicaFetchRequestBytesMax + limits.batchBytesMax + 1024 * 1024,
      ...(o.peerTls === undefined ? {} : { tls: o.peerTls }),
    })
    // Replicas this broker is adding in a reassignment fetch under etcd's reassignment-throttle until they are in the ISR.
    const throttle = new ReplicationThrottle({
      rateBytesPerSec: () => watch.state.reassignmentThrottleBytesPerSec,
      isMoving: (topic, p) => isThrottledReplica(watch.state.partitions.get(topic)?.get(p)?.value, this.brokerId),
    })
    this.#fetchers = parts.replicaFetchers({
      brokerId: this.brokerId, links: this.#links, partitions, logger, clock, throttle, // it names its own module
      fetchMaxWaitMs: config.replicaFetchMaxWaitMs, fetchMaxBytes: L.replicaFetchPartitionBytesMax,
      fetchRequestMaxBytes: L.replicaFetchRequestBytesMax, backoffMs: L.replicaFetchBackoffMs,
    })
    this.#isrWriter = parts.isrWriter({ brokerId: this.brokerId, store: connection.store, partitions, clock, logger: logger.child({ module: 'isr-writer' }),
      shuttingDown: () => shuttingDownOf(watch.state.brokers) })
    this.#controller = parts.controller({
      store: connection.store, keys: connection.keys, watch, fence: () => this.#member?.controllerFence, clock,
      logger: logger.child({ module: 'controller' }), preferredLeaderCheckMs: L.preferredLeaderCheckMs,
      limits: { batchBytesMax: limits.batchBytesMax, partitionsPerTopicMax: limits.partitionsPerTopicMax, partitionsMax: limits.partitionsMax },
      defaultReplicationFactor: config.defaultReplicationFactor, defaultMinInsyncReplicas: config.defaultMinInsyncReplicas,
    })
    this.#reconciler = parts.reconciler({
      brokerId: this.brokerId, watch, partitions, fetchers: this.#fetchers,
      partitionConfigOf: (topicConfig) => partitionConfigOf(topicConfig, limits),
      leaderRoleOf: (_topic, state, topicConfig) => this.leaderRoleOf(state, topicConfig),
      // The session's state (ClusterMember.fenced), which moves only with its 'fenced' and 'unfenced'
      // events, each of which brings a pass. Not liveNow(): that can turn false and true again with no
      // event (a keep-alive answered after the timeout but before the fence timer ran), and a pass in
      // between left a leader a follower of nobody until etcd next changed. isLeaderNow reads liveNow()
      // on every request, so acknowledging still stops at the instant the session lapses.
      isFenced: () => this.#member?.fenced ?? true, logger: logger.child({ module: 'reconciler' }), clock,
      retryBackoffMs: L.reconcileRetryBackoffMs, ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
    })
    partitions.onReopened((keys) => {
      for (const key of keys) {
        const cut = key.lastIndexOf('-')
        this.#reconciler.replicaRestarted(key.slice(0, cut), Number(key.slice(cut + 1)))
      }
    })
    this.topics = new ClusterTopics({
      brokerId: this.brokerId, state: () => watch.state, controller: () => (this.#controllerRunning ? this.#controller : undefined),
      links: this.#links, allocateProducerIdBlock: () => connection.store.allocateProducerIdBlock(this.brokerId),
      limits, defaultReplicationFactor: config.defaultReplicationFactor, logger: logger.child({ module: 'cluster-topics' }),
      groups: () => this.#groups,
    })
    this.#groups = clusterGroupShards({
      brokerId: this.brokerId, config, partitions, logger, clock, links: this.#links, watch, topics: this.topics,
      isLeaderNow: (topic, p) => this.isLeaderNow(topic, p), localRole: (topic, p) => this.localRole(topic, p),
      groupClock: o.groupClock ?? Date.now, ...(o.groupSettings === undefined ? {} : { groupSettings: o.groupSettings }),
    })
    const configs = new TopicConfigPush({ partitions, limits, logger, hasReplica: (topic, p) => this.localRole(topic, p) !== undefined })
    configs.apply(watch.state)
    watch.on('change', () => configs.apply(watch.state))
  }


  /** Tells `send` etcd's topics now and after every change (the coordinator's consumer groups see them); resolves after the first. */
  mirrorTopics(send: (topics: TopicMeta[]) => Promise<unknown>): Promise<void> {
    const mirror = new TopicsMirror({ state: () => this.#watch.state, topics: () => this.topics.topics(), send, logger: this.#o.logger })
    this.#watch.on('change', () => void mirror.changed())
    return mirror.changed()
  }

  /** Registers this broker, joins the election and runs the reconciler's first pass. */
  async join(reach: { url: string; kafkaAddress: string | undefined }): Promise<void> {
    assert(!this.#joined, 'join() twice')
    this.#joined = true
    const { config, clock, logger } = this.#o
    const member = new ClusterMember({
      store: this.#connection.store, brokerId: this.brokerId, advertisedUrl: reach.url, rack: config.rack,
      ...(reach.kafkaAddress === undefined ? {} : { kafkaAddress: reach.kafkaAddress }),
      sessionTimeoutMs: config.sessionTimeoutMs, granter: etcdLeaseGranter(this.#connection.client), clock, logger: logger.child({ module: 'cluster-member' }),
    })
    member.on('elected', () => {
      if (this.#stopping !== undefined) return
      this.#controllerRunning = true
      this.#controller.start()
    })
    member.on('deposed', () => void this.#stopController())
    member.on('controller', (fence: unknown) => { if (fence !== undefined) this.#controllerChanges++ })
    const nudge = (): void => { this.#watch.emit('change', this.#watch.state) }
    member.on('fenced', nudge)
    member.on('unfenced', nudge)
    member.on('rejoined', () => {
      // A new session: as at start, out of every ISR until caught up (rejoin-isr.ts).
      leaveIsrsOnJoin(this.#connection.store, this.#watch.state, this.brokerId, logger)
        .catch((err: unknown) => logger.warn({ err }, 'leaving the ISRs after a new session failed'))
        .finally(nudge)
    })
    this.#member = member
    await member.start()
    await leaveIsrsOnJoin(this.#connection.store, this.#watch.state, this.brokerId, logger)
    await this.#reconciler.start()
    this.#groups.start()
    logger.info({ brokerId: this.brokerId, clusterId: this.clusterId, url: reach.url, controllerId: this.controllerId() }, 'joined the cluster')
  }

  /**
   * Controlled shutdown (controlled-shutdown.ts): marks this broker shuttingDown in its registration
   * and resolves once etcd names it leader of nothing, or after `timeoutMs`. It keeps serving
   * meanwhile; stop() comes after. Never rejects.
   */
  async controlledShutdown(timeoutMs: number): Promise<{ leaderships: number; timedOut: boolean }> {
    if (this.#member === undefined || this.#stopping !== undefined) return { leaderships: 0, timedOut: false }
    const { clock } = this.#o
    const startedMs = clock.now()
    const result = await controlledShutdown({ brokerId: this.brokerId, member: this.#member, watch: this.#watch, clock, timeoutMs,
      logger: this.#o.logger.child({ module: 'controlled-shutdown' }) })
    // etcd names others leader now; the reconciler must also have made this broker's actors followers,
    // or a partition still queued behind its concurrency limit would hold its acks=all answers until
    // the drain times out (stop() clears what is queued). Bounded by what is left of the timeout.
    let timer: unknown
    const left = Math.max(0, timeoutMs - (clock.now() - startedMs))
    await Promise.race([this.#reconciler.settled(), new Promise<void>((resolve) => { timer = clock.setTimeout(resolve, left) })])
    clock.clearTimeout(timer)
    return result
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    const { logger } = this.#o
    const step = async (what: string, work: () => unknown): Promise<void> => {
      try {
        await work()
      } catch (err) {
        logger.warn({ err }, `cluster stop: ${what} failed`)
      }
    }
    await step('group shards stop', () => this.#groups.stop())
    await step('reconciler stop', () => this.#reconciler.stop())
    await step('replica fetchers close', () => this.#fetchers.close())
    await step('controller stop', () => this.#stopController())
    await step('ISR writer stop', () => this.#isrWriter.stop())
    await step('membership close', () => this.#member?.close())
    await step('peer links close', () => this.#links.closeAll())
    await step('state watch close', () => this.#watch.close())
    await step('etcd client close', () => this.#connection.client.close())
  }

  async #stopController(): Promise<void> {
    if (!this.#controllerRunning) return
    this.#controllerRunning = false
    await this.#controller.stop()
  }

  // ClusterGateway: every read synchronous, from state in memory.
  acceptsBrokerSecret(secret: string | undefined): boolean {
    if (secret === undefined) return false
    const expected = Buffer.from(this.#connection.brokerSecret)
    const given = Buffer.from(secret)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  localRole(topic: string, partition: number): LocalPartitionRole | undefined {
    return this.#reconciler.localRole(topic, partition)
  }

  isLeaderNow(topic: string, partition: number): boolean {
    return isLeaderNow(this.brokerId, this.localRole(topic, partition), this.partitionState(topic, partition), this.#member?.session?.liveNow() === true)
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.#watch.state.partitions.get(topic)?.get(partition)?.value
  }

  brokers(): { brokerId: number; advertisedUrl: string; rack: string | null; kafkaAddress?: string; shuttingDown?: boolean }[] {
    return [...this.#watch.state.brokers.values()].sort((a, b) => a.brokerId - b.brokerId).map((b) => {
      const kafkaAddress = (b as { kafkaAddress?: unknown }).kafkaAddress
      return { brokerId: b.brokerId, advertisedUrl: b.advertisedUrl, rack: b.rack, ...(typeof kafkaAddress === 'string' ? { kafkaAddress } : {}),
        ...(b.shuttingDown === true ? { shuttingDown: true } : {}) }
    })
  }

  controllerId(): number {
    return this.#watch.state.controller?.brokerId ?? -1
  }

  brokerUrl(brokerId: number): string | undefined {
    return this.#watch.state.brokers.get(brokerId)?.advertisedUrl
  }
  // ---- issue 14: the contract's entry points, each built by its part ----------------------------

  requestBroker<Op extends OpName>(brokerId: number, op: Op, request: OpRequest<Op>): Promise<OpResponse<Op>> {
    return this.#links.request(brokerId, op, request as Record<string, unknown>) as Promise<OpResponse<Op>>
  }

  findCoordinator(request: OpRequest<'findCoordinator'>): Promise<OpResponse<'findCoordinator'>> {
    return this.#groups.findCoordinator(request)
  }

  /** Consumer groups held by this broker's group shards (metrics). */
  get groupCount(): number {
    return this.#groups.groupCount
  }

  alterPartitionReassignments(request: OpRequest<'alterPartitionReassignments'>, mayForward: boolean): Promise<OpResponse<'alterPartitionReassignments'>> {
    return this.topics.alterPartitionReassignments(request, mayForward)
  }

  listPartitionReassignments(request: OpRequest<'listPartitionReassignments'>): OpResponse<'listPartitionReassignments'> {
    return listReassignments(this.#watch.state, request)
  }

  electLeaders(request: OpRequest<'electLeaders'>, mayForward: boolean): Promise<OpResponse<'electLeaders'>> {
    return this.topics.electLeaders(request, mayForward)
  }


  /** What the reconciler makes a leader's actor run with (LeaderRole) from etcd's state and the topic's config. */
  leaderRoleOf(state: PartitionState, topicConfig: TopicConfig): LeaderRole {
    const { config } = this.#o
    const configured = Number(topicConfig['min.insync.replicas'])
    // Replicas in controlled shutdown or not registered: the leader never adds them to the ISR (absent when none, as before).
    const isrIneligible = isrIneligibleOf(this.#watch.state, state.replicas, this.brokerId)
    return {
      brokerId: this.brokerId, leaderEpoch: state.leaderEpoch, partitionEpoch: state.partitionEpoch, isr: [...state.isr], replicas: [...state.replicas],
      minInsyncReplicas: Number.isSafeInteger(configured) && configured >= 1 ? configured : config.defaultMinInsyncReplicas,
      replicaLagTimeMaxMs: config.replicaLagTimeMaxMs, ackTimeoutMs: CLUSTER_RUNTIME_LIMITS.ackTimeoutMs,
      ...(isrIneligible.length === 0 ? {} : { isrIneligible }),
    }
  }

  // Metrics inputs (metrics/ ClusterMetricsSource).
  get isController(): boolean {
    return this.#controllerRunning
  }

  get controllerChanges(): number { return this.#controllerChanges }

  get isrShrinks(): number {
    return this.#isrWriter.shrinks
  }

  get isrExpands(): number {
    return this.#isrWriter.expands
  }

  /** Partitions this broker leads (in etcd) whose ISR is smaller than their replicas. */
  underReplicatedPartitions(): number {
    return underReplicatedLedBy(this.#watch.state, this.brokerId)
  }

  /** Partitions without a leader, counted by the controller only (0 elsewhere), as Kafka's OfflinePartitionsCount. */
  offlinePartitions(): number {
    return this.#controllerRunning ? offlinePartitionCount(this.#watch.state) : 0
  }

  /**
   * Per partition this broker leads now, how far its slowest follower is behind (the actor's
   * `followerLagOffsets`): the replica-lag series of /metrics (metrics/cluster-metrics.ts).
   */
  async replicaLags(): Promise<ReplicaLag[]> {
    const led = partitionsHere(this.#watch.state, this.brokerId).filter(([topic, p]) => this.isLeaderNow(topic, p))
    const lags = await Promise.all(led.map(async ([topic, partition]) => {
      const status = await this.#o.partitions.request(topic, partition, { op: 'status' }).catch(() => undefined) as
        { followerLagOffsets?: number } | undefined
      return status?.followerLagOffsets === undefined ? undefined : { topic, partition, lagOffsets: status.followerLagOffsets }
    }))
    return lags.filter((lag): lag is ReplicaLag => lag !== undefined)
  }

  /** Replica lag of a partition this broker follows (leader LEO - own LEO), from its fetcher. */
  followerLagOf(topic: string, partition: number): number | undefined {
    return this.#fetchers.lagOf(topic, partition)
  }
}

// Topics as the gateway sees them: the coordinator decides and records every change (metadata log
// first), then this service acts on the partitions through the partition manager (open the new ones,
// push a new config, close and delete a deleted topic's). A new topic is the exception: checked by
// the coordinator, its partitions made, and only then recorded, so that a create the disk refuses
// (full, read-only) leaves nothing behind: no record, no directories (a crash between the two leaves
// directories the metadata log does not know, which the next start moves aside). Changes to one topic run one after another
// (a per-topic queue), so a create and a delete of the same name reach the partition threads in the
// order they were recorded. Lookups read the coordinator client's cache: no round trip. Consumer-group
// ops pass through here to the coordinator too (`group`).
//
// Cluster mode (`cluster`, cluster/cluster-topics.ts): topics are etcd's, as the broker last watched
// them; every change is the controller's (on this broker, or forwarded to it), and partitions are
// opened and deleted by the reconciler, not here. The coordinator keeps the broker's internal metadata
// log; consumer groups live in the replicated `__consumer_offsets` (cluster/group-shards.ts). Ops call the same methods in both modes.
import { ErrorCode, FaecieError, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { CoordinatorClient } from '../coordinator/coordinator-client.js'
import type { CoordinatorCall, GroupOp } from '../coordinator/messages.js'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { Logger } from '../log.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { KafkaGroupOp, KafkaGroupRequest, KafkaGroupResult } from '../groups/kafka-group-ops.js'
import { partitionConfigOf, type TopicConfig, type TopicConfigChanges, type TopicConfigLimits } from './config.js'

/** Topics in cluster mode (cluster/cluster-topics.ts). `mayForward`: false for a request another broker forwarded. */
export interface ClusterTopicSource {
  topic(name: string): TopicMeta | undefined
  topics(): TopicMeta[]
  createTopic(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig,
    validateOnly: boolean, mayForward: boolean): Promise<TopicMeta>
  deleteTopic(topic: string, mayForward: boolean): Promise<TopicMeta>
  alterTopicConfig(topic: string, changes: TopicConfigChanges, mayForward: boolean): Promise<TopicMeta>
  createPartitions(topic: string, count: number, mayForward: boolean): Promise<TopicMeta>
  initProducerId(): Promise<number>
  /**
   * A group op, served by this broker's shard of the group (cluster/group-shards.ts), or forwarded
   * to the group's coordinator when `forwardGroupOps` (HTTP) and `mayForward`.
   */
  group<Op extends GroupOp>(op: Op, request: OpRequest<Op>, options: { mayForward: boolean; forwardGroupOps?: boolean }): Promise<OpResponse<Op>>
  /** A group op of Kafka's protocol only, served by this broker's shard of the group, never forwarded. */
  kafkaGroup<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): Promise<KafkaGroupResult<Op>>
}

/** How a change reached this broker: `mayForward` false when another broker forwarded it (never forwarded again). */
export interface ChangeOptions {
  mayForward?: boolean
  /** Cluster mode, an HTTP request: a group op goes to the group's coordinator (a client's session finds it itself). */
  forwardGroupOps?: boolean
}

export interface TopicServiceOptions {
  coordinator: CoordinatorClient
  /** Cluster mode; undefined for a single broker. */
  cluster?: ClusterTopicSource
  partitions: PartitionManager
  limits: TopicConfigLimits
  logger: Logger
  /** Partitions of a topic created by `--auto-create-topics`. */
  autoCreatePartitions: number
}

export class TopicService {
  readonly #coordinator: CoordinatorClient
  readonly #cluster: ClusterTopicSource | undefined
  readonly #partitions: PartitionManager
  readonly #limits: TopicConfigLimits
  readonly #logger: Logger
  readonly #autoCreatePartitions: number
  readonly #queues = new Map<string, Promise<unknown>>()

  constructor(options: TopicServiceOptions) {
    this.#coordinator = options.coordinator
    this.#cluster = options.cluster
    this.#partitions = options.partitions
    this.#limits = options.limits
    this.#logger = options.logger.child({ module: 'topics' })
    this.#autoCreatePartitions = options.autoCreatePartitions
  }

  get limits(): TopicConfigLimits {
    return this.#limits
  }

  /** True in cluster mode. */
  get clustered(): boolean {
    return this.#cluster !== undefined
  }

  lookup(topic: string): TopicMeta | undefined {
    if (this.#cluster === undefined) return this.#coordinator.topic(topic)
    const internal = this.#coordinator.topic(topic)
    return internal?.internal === true ? internal : this.#cluster.topic(topic)
  }

  /** Every topic, internal ones included. */
  all(): TopicMeta[] {
    if (this.#cluster === undefined) return [...this.#coordinator.topics]
    return [...[...this.#coordinator.topics].filter((t) => t.internal), ...this.#cluster.topics()]
  }

  /**
   * Opens every partition of every topic the metadata log lists (making missing directories). A
   * partition that fails to open does not stop the broker: it is logged, its requests get
   * KAFKA_STORAGE_ERROR, and one the disk refused is retried by its thread until it opens.
   */
  async openAll(): Promise<number> {
    if (this.#cluster !== undefined) return this.#partitions.partitionCount // the reconciler opens them
    const opening: Promise<unknown>[] = []
    for (const meta of this.#coordinator.topics) {
      if (meta.internal) continue
      opening.push(this.#openPartitions(meta, 0))
    }
    const failed = (await Promise.allSettled(opening)).filter((r) => r.status === 'rejected')
    for (const f of failed) this.#logger.error({ err: (f as PromiseRejectedResult).reason }, 'partitions of a topic failed to open at start')
    return this.#partitions.partitionCount
  }

  create(topic: string, numPartitions: number, config: TopicConfig, validateOnly = false,
    options: ChangeOptions & { replicationFactor?: number } = {}): Promise<TopicMeta> {
    const { replicationFactor } = options
    if (this.#cluster !== undefined) {
      return this.#cluster.createTopic(topic, numPartitions, replicationFactor, config, validateOnly, options.mayForward ?? true)
    }
    if (replicationFactor !== undefined && replicationFactor !== 1) {
      return Promise.reject(new FaecieError(ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor ${replicationFactor} for topic ${topic}: this broker is not part of a cluster; 1 is the only one it has.`))
    }
    return this.#serial(topic, async () => {
      const planned = await this.#coordinator.call({ method: 'createTopic', topic, numPartitions, config, validateOnly: true })
      if (validateOnly) return planned
      try {
        await this.#openPartitions(planned, 0)
        return await this.#coordinator.call({ method: 'createTopic', topic, numPartitions, config, validateOnly: false })
      } catch (err) {
        const discarding: Promise<void>[] = []
        for (let p = 0; p < planned.partitions; p++) discarding.push(this.#partitions.discard(topic, p))
        await Promise.allSettled(discarding)
        this.#logger.warn({ err, topic }, 'topic not created: its partitions were removed')
        throw err
      }
    })
  }

  /** The topic, created with the default partition count if it does not exist (--auto-create-topics). */
  async ensure(topic: string): Promise<TopicMeta> {
    const known = this.lookup(topic)
    if (known !== undefined) return known
    try {
      const meta = await this.create(topic, this.#autoCreatePartitions, {})
      this.#logger.info({ topic, partitions: meta.partitions }, 'topic auto-created')
      return meta
    } catch (err) {
      const raced = this.lookup(topic)
      if (err instanceof FaecieError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS && raced !== undefined) return raced
      throw err
    }
  }

  delete(topic: string, options: ChangeOptions = {}): Promise<TopicMeta> {
    if (this.#cluster !== undefined) return this.#cluster.deleteTopic(topic, options.mayForward ?? true)
    return this.#serial(topic, async () => {
      const meta = await this.#coordinator.call({ method: 'deleteTopic', topic })
      const deletions: Promise<void>[] = []
      for (let p = 0; p < meta.partitions; p++) deletions.push(this.#partitions.delete(topic, p))
      await Promise.all(deletions)
      return meta
    })
  }

  alterConfig(topic: string, changes: TopicConfigChanges, options: ChangeOptions = {}): Promise<TopicMeta> {
    if (this.#cluster !== undefined) return this.#cluster.alterTopicConfig(topic, changes, options.mayForward ?? true)
    return this.#serial(topic, async () => {
      const meta = await this.#coordinator.call({ method: 'alterTopicConfig', topic, changes })
      const config = partitionConfigOf(meta.config, this.#limits)
      const updates: Promise<unknown>[] = []
      for (let p = 0; p < meta.partitions; p++) {
        updates.push(this.#partitions.updateConfig(topic, p, config))
      }
      await Promise.all(updates)
      return meta
    })
  }

  createPartitions(topic: string, count: number, options: ChangeOptions = {}): Promise<TopicMeta> {
    if (this.#cluster !== undefined) return this.#cluster.createPartitions(topic, count, options.mayForward ?? true)
    return this.#serial(topic, async () => {
      const before = this.lookup(topic)?.partitions ?? 0
      const meta = await this.#coordinator.call({ method: 'createPartitions', topic, count })
      await this.#openPartitions(meta, before)
      return meta
    })
  }

  initProducerId(): Promise<number> {
    if (this.#cluster !== undefined) return this.#cluster.initProducerId()
    return this.#coordinator.call({ method: 'initProducerId' })
  }

  /**
   * A consumer-group op, decided by the coordinator (groups live beside topic metadata there: a
   * topic change rebalances the groups subscribed to it and tombstones a deleted topic's offsets).
   * Cluster mode: by the group's shard on the leader of its `__consumer_offsets` partition.
   */
  async group<Op extends GroupOp>(op: Op, request: OpRequest<Op>, options: ChangeOptions = {}): Promise<OpResponse<Op>> {
    if (this.#cluster !== undefined) {
      return this.#cluster.group(op, request, { mayForward: options.mayForward ?? true, ...(options.forwardGroupOps === true ? { forwardGroupOps: true } : {}) })
    }
    const call = { method: 'group', op, request } as Extract<CoordinatorCall, { method: 'group' }>
    return (await this.#coordinator.call(call)) as OpResponse<Op>
  }

  /**
   * A group op of Kafka's protocol only (groups/kafka-group-ops.ts: the classic protocol,
   * OffsetDelete), run by the group's coordinator as group() does, never forwarded (Kafka's clients
   * find the coordinator themselves): in cluster mode a broker whose shard does not hold the group
   * answers NOT_COORDINATOR. A JoinGroup or SyncGroup may resolve only when the group's rebalance
   * phase ends (up to its rebalance timeout): no timeout here.
   */
  async kafkaGroup<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): Promise<KafkaGroupResult<Op>> {
    if (this.#cluster !== undefined) return this.#cluster.kafkaGroup(op, request)
    const call = { method: 'kafkaGroup', op, request } as Extract<CoordinatorCall, { method: 'kafkaGroup' }>
    return (await this.#coordinator.call(call)) as KafkaGroupResult<Op>
  }

  async #openPartitions(meta: TopicMeta, from: number): Promise<void> {
    const config = partitionConfigOf(meta.config, this.#limits)
    const opening: Promise<unknown>[] = []
    for (let p = from; p < meta.partitions; p++) opening.push(this.#partitions.open(meta.topic, p, config))
    await Promise.all(opening)
  }

  /** Runs `work` after every earlier change to the same topic has finished. */
  #serial<T>(topic: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(topic) ?? Promise.resolve()
    const next = previous.then(work, work)
    const settled = next.catch(() => undefined)
    this.#queues.set(topic, settled)
    void settled.then(() => { if (this.#queues.get(topic) === settled) this.#queues.delete(topic) })
    return next
  }
}

// The controller's topic administration: create (with replica placement), delete, change config, add
// partitions, each one fenced etcd transaction (metadata-store.ts). The checks are the single
// broker's (coordinator/coordinator-actor.ts): topic names (topics/names.ts), configs
// (topics/config.ts), and the partition-count limits with the same messages; plus what only a
// cluster has: the replication factor (placement.ts) and min.insync.replicas against it. While a
// reassignment runs, a partition's replication factor is its target's (replicas minus removing).
//
// Topic reads for a change go to etcd itself (not the watched state, which may not have caught up
// with this controller's own last write), and a change that lost a race with another (a CAS
// conflict) is read and checked again, up to CAS_RETRIES_MAX times.
import { randomUUID } from 'node:crypto'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import { changeTopicConfig, checkMinInsyncReplicas, validateTopicConfig, type TopicConfig, type TopicConfigChanges, type TopicConfigLimits } from '../topics/config.js'
import { checkCreatableTopicName, isInternalTopic } from '../topics/names.js'
import type { ClusterState } from './cluster-state.js'
import { CAS_RETRIES_MAX } from './keys.js'
import { OFFSETS_TOPIC } from './offsets-topic.js'
import { CasConflictError, ControllerFencedError, TopicExistsError, type ControllerFence, type EtcdMetadataStore, type TopicRecord, type Versioned } from './metadata-store.js'
import { targetReplicas } from './partition-state.js'
import { placeReplicas, type PlacementBroker } from './placement.js'

/** The limits a controller checks topic changes against (the single broker's, gateway/limits.ts). */
export interface ControllerLimits extends TopicConfigLimits {
  partitionsPerTopicMax: number
  /** Partitions of all topics together. */
  partitionsMax: number
}

/** Kafka's default.replication.factor is 1; a faecie cluster's is 3, capped by the live brokers. */
export const DEFAULT_REPLICATION_FACTOR = 3

export interface TopicAdminOptions {
  store: EtcdMetadataStore
  state: () => ClusterState
  /** This broker's controller fence, or undefined: NOT_CONTROLLER. */
  fence: () => ControllerFence | undefined
  limits: ControllerLimits
  defaultReplicationFactor: number
}

export class TopicAdmin {
  constructor(readonly options: TopicAdminOptions) {}

  async createTopic(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig,
    validateOnly = false): Promise<TopicMeta> {
    checkCreatableTopicName(topic)
    return this.#create(topic, numPartitions, replicationFactor, config, validateOnly)
  }

  /**
   * Makes `__consumer_offsets` (offsets-topic.ts) as a broker asked (ClusterTopics.ensureOffsetsTopic):
   * every check of createTopic but the refusal of internal names. An existing topic is answered as it is.
   */
  async ensureOffsetsTopic(numPartitions: number, replicationFactor: number, config: TopicConfig): Promise<TopicMeta> {
    const existing = this.options.state().topics.get(OFFSETS_TOPIC)
    if (existing !== undefined) return meta(OFFSETS_TOPIC, existing.value)
    return this.#create(OFFSETS_TOPIC, numPartitions, replicationFactor, config, false)
  }

  async #create(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig,
    validateOnly: boolean): Promise<TopicMeta> {
    const fence = this.#fence()
    const { limits, state } = this.options
    if (state().topics.has(topic)) throw alreadyExists(topic)
    checkPartitionCount(numPartitions, 1, limits.partitionsPerTopicMax)
    this.#checkClusterPartitions(numPartitions)
    const overrides = validateTopicConfig(config, limits)
    const brokers = this.#liveBrokers()
    const rf = replicationFactor ?? Math.min(this.options.defaultReplicationFactor, brokers.length)
    const replicas = placeReplicas({ brokers, partitions: numPartitions, replicationFactor: rf })
    checkMinInsyncReplicas(overrides, rf)
    if (validateOnly) return meta(topic, { topicId: randomUUID(), partitions: numPartitions, config: overrides })
    try {
      const topicId = await this.options.store.createTopic(fence, { topic, config: overrides, replicas })
      return meta(topic, { topicId, partitions: numPartitions, config: overrides })
    } catch (err) {
      if (err instanceof TopicExistsError) throw alreadyExists(topic)
      throw notControllerIfFenced(err)
    }
  }

  async deleteTopic(topic: string): Promise<TopicMeta> {
    return this.#change(topic, async (fence, current) => {
      if (isInternalTopic(topic)) throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${topic} is internal to the broker.`)
      await this.options.store.deleteTopic(fence, topic, current)
      return current.value
    })
  }

  async alterTopicConfig(topic: string, changes: TopicConfigChanges): Promise<TopicMeta> {
    return this.#change(topic, async (fence, current) => {
      const config = changeTopicConfig(current.value.config, changes, this.options.limits)
      // Against the replicas each partition keeps: a move's removing replicas are on their way out.
      const states = [...(await this.options.store.getPartitions(topic)).values()]
      checkMinInsyncReplicas(config, Math.min(...states.map((s) => targetReplicas(s).length)))
      return (await this.options.store.updateTopicConfig(fence, topic, current, config)).value
    })
  }

  /** Grows a topic to `count` partitions, placed as Kafka adds them; asking for the current count changes nothing. */
  async createPartitions(topic: string, count: number): Promise<TopicMeta> {
    if (isInternalTopic(topic)) throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${topic} is internal to the broker: its partition count is fixed.`)
    return this.#change(topic, async (fence, current) => {
      const from = current.value.partitions
      checkPartitionCount(count, from, this.options.limits.partitionsPerTopicMax)
      if (count === from) return current.value
      this.#checkClusterPartitions(count - from)
      // The assignment first: a move committed after this read fails addPartitions' compare of its revision.
      const assignment = await this.options.store.getAssignmentVersioned(topic)
      if (assignment === undefined || assignment.value.length !== from) throw new CasConflictError(`${topic}: assignment not in line with the topic yet`)
      // The replication factor is partition 0's target (its assignment list holds a running move's removing replicas too).
      const first = await this.options.store.getPartition(topic, 0)
      if (first === undefined) throw new CasConflictError(`${topic}: partition 0 has no state yet`)
      const target = targetReplicas(first.value)
      const brokers = this.#liveBrokers()
      const sorted = brokers.map((b) => b.brokerId).sort((a, b) => a - b)
      const start = sorted.indexOf(target[0]!)
      const added = placeReplicas({ brokers, partitions: count - from, replicationFactor: target.length,
        firstPartition: from, ...(start >= 0 ? { startIndex: start } : {}) })
      return (await this.options.store.addPartitions(fence, topic, current, [...assignment.value, ...added], assignment.modRevision)).value
    })
  }

  /** Reads the topic, applies `work`, and starts again when another write got there first. */
  async #change(topic: string, work: (fence: ControllerFence, current: Versioned<TopicRecord>) => Promise<TopicRecord>): Promise<TopicMeta> {
    for (let attempt = 0; attempt < CAS_RETRIES_MAX; attempt++) {
      const fence = this.#fence()
      const current = await this.options.store.getTopic(topic)
      if (current === undefined) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${topic} does not exist.`)
      try {
        return meta(topic, await work(fence, current))
      } catch (err) {
        if (!(err instanceof CasConflictError)) throw notControllerIfFenced(err)
      }
    }
    throw new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, `Topic ${topic} kept changing: gave up after ${CAS_RETRIES_MAX} attempts.`)
  }

  #fence(): ControllerFence {
    const fence = this.options.fence()
    if (fence === undefined) throw new FaecieError(ErrorCode.NOT_CONTROLLER, 'This broker is not the controller.')
    return fence
  }

  #liveBrokers(): PlacementBroker[] {
    return [...this.options.state().brokers.values()].map((b) => ({ brokerId: b.brokerId, rack: b.rack ?? null }))
  }

  #checkClusterPartitions(adding: number): void {
    let total = 0
    for (const t of this.options.state().topics.values()) total += t.value.partitions
    const max = this.options.limits.partitionsMax
    if (total + adding > max) {
      throw new FaecieError(ErrorCode.INVALID_PARTITIONS, `The cluster has ${total} partitions; ${adding} more would pass partitionsMax (${max}).`)
    }
  }
}

/** The single broker's check (coordinator-actor.ts), with its message. */
export function checkPartitionCount(count: number, min: number, max: number): void {
  if (!Number.isSafeInteger(count) || count < min || count > max) {
    throw new FaecieError(ErrorCode.INVALID_PARTITIONS,
      `A topic here has from ${min} to ${max} partitions (partitionsPerTopicMax); asked for ${count}.`)
  }
}

function meta(topic: string, record: TopicRecord): TopicMeta {
  return { topic, topicId: record.topicId, partitions: record.partitions, config: { ...record.config }, internal: isInternalTopic(topic) }
}

function alreadyExists(topic: string): FaecieError {
  return new FaecieError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic ${topic} already exists.`)
}

function notControllerIfFenced(err: unknown): unknown {
  if (err instanceof ControllerFencedError) return new FaecieError(ErrorCode.NOT_CONTROLLER, err.message)
  return err
}

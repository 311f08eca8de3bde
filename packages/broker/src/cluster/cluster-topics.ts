// Topics in cluster mode, for TopicService (topics/topic-service.ts ClusterTopicSource): what etcd
// says (the watched ClusterState, read synchronously), and every change made by the controller. On
// the controller broker a change goes to its Controller; on any other it is forwarded over the peer
// links as the same op (createTopics, deleteTopics, alterTopicConfig, createPartitions) to the
// controller, which answers as it would a client. A forwarded request is never forwarded again (two
// brokers that each believe the other is controller would bounce it): the receiver answers
// NOT_CONTROLLER, retriable, as it does when no controller is elected. Partition reassignments and
// preferred-leader elections (alterPartitionReassignments, electLeaders) go the same way. A controller unreachable over
// its link also answers NOT_CONTROLLER: the election is likely to move it. Partitions are opened and
// deleted by the reconciler, never here.
//
// Producer ids come from etcd in blocks (store.allocateProducerIdBlock), handed out one by one; one
// allocation at a time, the callers that ran out waiting for it.
import { randomUUID } from 'node:crypto'
import { ErrorCode, FaecieError, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { GroupOp } from '../coordinator/messages.js'
import type { KafkaGroupOp, KafkaGroupRequest, KafkaGroupResult } from '../groups/kafka-group-ops.js'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { Logger } from '../log.js'
import { validateTopicConfig, type TopicConfig, type TopicConfigChanges, type TopicConfigLimits } from '../topics/config.js'
import { checkCreatableTopicName, isInternalTopic } from '../topics/names.js'
import type { ClusterTopicSource } from '../topics/topic-service.js'
import type { ControllerLike, PeerLinksLike } from './cluster-parts.js'
import type { ClusterState } from './cluster-state.js'
import type { GroupShards } from './group-shards.js'
import { OFFSETS_TOPIC, type OffsetsTopicSpec } from './offsets-topic.js'
import { ControllerFencedError, type ProducerIdBlock } from './metadata-store.js'

export interface ClusterTopicsOptions {
  brokerId: number
  /** etcd's state as last watched. */
  state: () => ClusterState
  /** The running controller while this broker is the controller, else undefined. */
  controller: () => ControllerLike | undefined
  links: Pick<PeerLinksLike, 'request'>
  allocateProducerIdBlock: () => Promise<ProducerIdBlock>
  limits: TopicConfigLimits & { partitionsPerTopicMax: number }
  /** --replication-factor, capped by the live brokers (validateOnly's check). */
  defaultReplicationFactor: number
  logger: Logger
  /** The group shards, once this broker runs them (cluster-runtime.ts). */
  groups?: () => GroupShards | undefined
}

export class ClusterTopics implements ClusterTopicSource {
  readonly #o: ClusterTopicsOptions
  /** TopicMeta per topic, rebuilt when the topic's key changes. */
  readonly #metas = new Map<string, { modRevision: number; meta: TopicMeta }>()
  #nextProducerId = 0n
  #producerIdEnd = 0n
  #allocating: Promise<void> | undefined

  constructor(options: ClusterTopicsOptions) {
    this.#o = options
  }

  topic(name: string): TopicMeta | undefined {
    const record = this.#o.state().topics.get(name)
    if (record === undefined) {
      this.#metas.delete(name)
      return undefined
    }
    const cached = this.#metas.get(name)
    if (cached !== undefined && cached.modRevision === record.modRevision) return cached.meta
    const meta: TopicMeta = { topic: name, topicId: record.value.topicId, partitions: record.value.partitions, config: { ...record.value.config }, internal: isInternalTopic(name) }
    this.#metas.set(name, { modRevision: record.modRevision, meta })
    return meta
  }

  topics(): TopicMeta[] {
    const out: TopicMeta[] = []
    for (const name of this.#o.state().topics.keys()) out.push(this.topic(name)!)
    for (const name of this.#metas.keys()) if (!this.#o.state().topics.has(name)) this.#metas.delete(name)
    return out
  }

  async createTopic(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig,
    validateOnly: boolean, mayForward: boolean): Promise<TopicMeta> {
    if (validateOnly) return this.#validateCreate(topic, numPartitions, replicationFactor, config)
    // Another broker's ensureOffsetsTopic (a client's request for this name was refused where it arrived).
    if (topic === OFFSETS_TOPIC && !mayForward) {
      return this.ensureOffsetsTopic({ numPartitions, replicationFactor: replicationFactor ?? this.#o.defaultReplicationFactor, config })
    }
    checkCreatableTopicName(topic)
    return this.#admin(mayForward, (c) => c.createTopic(topic, numPartitions, replicationFactor, config), async (id) => {
      const fields: Record<string, unknown> = { topic, numPartitions, config }
      if (replicationFactor !== undefined) fields['replicationFactor'] = replicationFactor
      const answer = (await this.#o.links.request(id, 'createTopics', { topics: [fields] })).topics[0]
      if (answer === undefined) throw new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, `The controller (broker ${id}) did not answer for topic ${topic}.`)
      if (answer.error !== undefined) throw FaecieError.fromWire(answer.error)
      return this.topic(topic) ?? { topic, topicId: answer.topicId ?? '', partitions: numPartitions, config, internal: false }
    })
  }

  deleteTopic(topic: string, mayForward: boolean): Promise<TopicMeta> {
    return this.#admin(mayForward, (c) => c.deleteTopic(topic), async (id) => {
      const before = this.topic(topic)
      const answer = (await this.#o.links.request(id, 'deleteTopics', { topics: [topic] })).topics[0]
      if (answer?.error !== undefined) throw FaecieError.fromWire(answer.error)
      return before ?? { topic, topicId: '', partitions: 0, config: {}, internal: false }
    })
  }

  alterTopicConfig(topic: string, changes: TopicConfigChanges, mayForward: boolean): Promise<TopicMeta> {
    return this.#admin(mayForward, (c) => c.alterTopicConfig(topic, changes), async (id) => {
      const answer = await this.#o.links.request(id, 'alterTopicConfig', { topic, config: changes })
      const known = this.topic(topic)
      // The answer holds the effective config; the defaults in it change nothing when shown again.
      return { topic, topicId: known?.topicId ?? '', partitions: known?.partitions ?? 0, config: answer.config, internal: false }
    })
  }

  createPartitions(topic: string, count: number, mayForward: boolean): Promise<TopicMeta> {
    return this.#admin(mayForward, (c) => c.createPartitions(topic, count), async (id) => {
      const answer = await this.#o.links.request(id, 'createPartitions', { topic, count })
      const known = this.topic(topic)
      return { topic, topicId: known?.topicId ?? '', partitions: answer.count, config: known?.config ?? {}, internal: false }
    })
  }

  alterPartitionReassignments(request: OpRequest<'alterPartitionReassignments'>, mayForward: boolean): Promise<OpResponse<'alterPartitionReassignments'>> {
    return this.#admin(mayForward, (c) => c.alterPartitionReassignments(request),
      (id) => this.#o.links.request(id, 'alterPartitionReassignments', request as unknown as Record<string, unknown>))
  }

  electLeaders(request: OpRequest<'electLeaders'>, mayForward: boolean): Promise<OpResponse<'electLeaders'>> {
    return this.#admin(mayForward, (c) => c.electLeaders(request), (id) => this.#o.links.request(id, 'electLeaders', request as unknown as Record<string, unknown>))
  }

  async initProducerId(): Promise<number> {
    while (this.#nextProducerId >= this.#producerIdEnd) {
      this.#allocating ??= this.#allocate().finally(() => { this.#allocating = undefined })
      await this.#allocating
    }
    return Number(this.#nextProducerId++)
  }

  async #allocate(): Promise<void> {
    let block: ProducerIdBlock
    try {
      block = await this.#o.allocateProducerIdBlock()
    } catch (err) {
      this.#o.logger.warn({ err }, 'could not allocate a producer-id block in etcd')
      throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `Producer ids come from etcd, which did not answer: ${(err as Error).message}`)
    }
    this.#nextProducerId = block.firstProducerId
    this.#producerIdEnd = block.firstProducerId + BigInt(block.size)
    if (this.#producerIdEnd > BigInt(Number.MAX_SAFE_INTEGER)) throw new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Producer ids exhausted.')
  }

  /**
   * A consumer-group op: routed by the group shards (group-shards.ts) to the local shard of the
   * group, or (HTTP only) to its coordinator; a request another broker forwarded is served here.
   */
  group<Op extends GroupOp>(op: Op, request: OpRequest<Op>, options: { mayForward: boolean; forwardGroupOps?: boolean }): Promise<OpResponse<Op>> {
    const shards = this.#o.groups?.()
    if (shards === undefined) return Promise.reject(new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'This broker has not joined its cluster yet.'))
    return shards.route(op, request, { forwardGroupOps: options.mayForward && options.forwardGroupOps === true })
  }

  /** A group op of Kafka's protocol only: this broker's shard of the group, or NOT_COORDINATOR (group-shards.ts routeKafka). */
  kafkaGroup<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): Promise<KafkaGroupResult<Op>> {
    const shards = this.#o.groups?.()
    if (shards === undefined) return Promise.reject(new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'This broker has not joined its cluster yet.'))
    return shards.routeKafka(op, request)
  }

  /**
   * Makes `__consumer_offsets` (offsets-topic.ts) on the controller, here or forwarded there as a
   * createTopics of that name (which the controller accepts only from another broker of the cluster).
   */
  ensureOffsetsTopic(spec: OffsetsTopicSpec): Promise<TopicMeta> {
    return this.#admin(true, (c) => this.#ensureLocally(c, spec), async (id) => {
      const topics = [{ topic: OFFSETS_TOPIC, numPartitions: spec.numPartitions, replicationFactor: spec.replicationFactor, config: spec.config }]
      const answer = (await this.#o.links.request(id, 'createTopics', { topics, ifNotExists: true })).topics[0]
      if (answer?.error !== undefined) throw FaecieError.fromWire(answer.error)
      return this.topic(OFFSETS_TOPIC) ?? { topic: OFFSETS_TOPIC, topicId: answer?.topicId ?? '', partitions: spec.numPartitions, config: spec.config, internal: true }
    })
  }

  #ensureLocally(controller: ControllerLike, spec: OffsetsTopicSpec): Promise<TopicMeta> {
    if (controller.ensureOffsetsTopic === undefined) return Promise.reject(new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, 'This controller cannot make the offsets topic.'))
    return controller.ensureOffsetsTopic(spec.numPartitions, spec.replicationFactor, spec.config)
  }

  /** The change on this broker's controller, or forwarded to the controller. */
  async #admin<T>(mayForward: boolean, local: (controller: ControllerLike) => Promise<T>, forward: (controllerId: number) => Promise<T>): Promise<T> {
    const controller = this.#o.controller()
    if (controller !== undefined) {
      try {
        return await local(controller)
      } catch (err) {
        if (err instanceof ControllerFencedError) throw notController(`${err.message}`)
        throw err
      }
    }
    const id = this.#o.state().controller?.brokerId ?? -1
    if (id < 0) throw notController('No controller is elected right now.')
    if (id === this.#o.brokerId) throw notController('This broker is being elected controller; its controller is not running yet.')
    if (!mayForward) throw notController(`Broker ${this.#o.brokerId} is not the controller; broker ${id} is.`)
    try {
      return await forward(id)
    } catch (err) {
      if (err instanceof FaecieError && err.code === ErrorCode.BROKER_NOT_AVAILABLE) throw notController(`The controller, broker ${id}, is unreachable: ${err.message}`)
      throw err
    }
  }

  /** createTopics with validateOnly: the single broker's checks, and the replication factor against the live brokers. */
  #validateCreate(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig): TopicMeta {
    checkCreatableTopicName(topic)
    const state = this.#o.state()
    if (state.topics.has(topic)) throw new FaecieError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic ${topic} already exists.`)
    const max = this.#o.limits.partitionsPerTopicMax
    if (!Number.isSafeInteger(numPartitions) || numPartitions < 1 || numPartitions > max) {
      throw new FaecieError(ErrorCode.INVALID_PARTITIONS, `A topic has 1 to ${max} partitions (partitionsPerTopicMax), not ${numPartitions}.`)
    }
    const live = state.brokers.size
    const rf = replicationFactor ?? Math.min(this.#o.defaultReplicationFactor, live)
    if (rf < 1 || rf > live) {
      throw new FaecieError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor ${rf} with ${live} live broker(s).`)
    }
    const overrides = validateTopicConfig(config, this.#o.limits)
    return { topic, topicId: randomUUID(), partitions: numPartitions, config: overrides, internal: false }
  }
}

function notController(message: string): FaecieError {
  return new FaecieError(ErrorCode.NOT_CONTROLLER, message)
}

// The admin client: topics and their offsets, and consumer groups (admin-groups.ts), in the shape of kafkajs's admin. Each method is one
// request (retried while retriable); per-topic errors become a thrown FaecieError that names the
// topic and carries the broker's code. Config values may be given as numbers or booleans and are
// sent as the strings the protocol wants.
import {
  EARLIEST_TIMESTAMP,
  ErrorCode,
  FaecieError,
  LATEST_TIMESTAMP,
  type DeleteRecordsPartitionResult,
  type DescribeClusterResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type MetadataTopic,
  type StatsResponse,
  type AclBinding,
  type AclFilter,
} from '@faecie/protocol'
import { SecurityAdmin, type UpsertUserOptions, type UserDescription } from './admin-security.js'
import { ClusterAdmin, type ElectionResult, type PartitionReassignment, type PartitionReassignments, type PartitionResult } from './admin-cluster.js'
import { type GroupDescription, type GroupLag, GroupAdmin, type GroupTopicOffsets, type ListedGroups, type ResetPlanEntry, type ResetTarget } from './admin-groups.js'
import type { Clock } from './clock.js'
import type { ClientConfig } from './config.js'
import { Cluster } from './cluster.js'
import { type TopicDescription, askLeaders, describeFromLeaders, topicError } from './admin-partitions.js'
import { withRetry } from './retry.js'

export type ConfigValue = string | number | boolean

/** What the `stats` op tells of the broker: identity, process figures, topics, and the rate series. */
export type BrokerStats = StatsResponse

export interface TopicSpec {
  topic: string
  numPartitions?: number
  /** Replicas per partition (a cluster); default the broker's. A single broker accepts 1 only. */
  replicationFactor?: number
  config?: Record<string, ConfigValue>
}

export interface CreateTopicsOptions {
  topics: TopicSpec[]
  /** An existing topic is not an error. */
  ifNotExists?: boolean
  validateOnly?: boolean
}

export interface TopicOffsets {
  partition: number
  /** The high watermark: where the next record goes (kafkajs's `offset`). */
  offset: number
  high: number
  low: number
}

function configStrings(config: Record<string, ConfigValue | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [key, value] of Object.entries(config)) out[key] = value === null ? null : String(value)
  return out
}

export class Admin {
  private readonly cluster: Cluster
  private readonly groups: GroupAdmin
  private readonly clusterOps: ClusterAdmin
  private readonly security: SecurityAdmin

  /** `clock`: whose timers the retries wait on (tests pass a manual clock); default the system's. */
  constructor(config: ClientConfig, options: { clock?: Clock } = {}) {
    this.cluster = new Cluster(config, options.clock)
    this.groups = new GroupAdmin(this.cluster, (topic, partitions, timestamp) => this.offsetsAt(topic, partitions, timestamp), options.clock)
    this.clusterOps = new ClusterAdmin(this.cluster)
    this.security = new SecurityAdmin(this.cluster)
  }

  /** Opens the session now (otherwise the first call does). */
  async connect(): Promise<void> {
    await this.cluster.connect()
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect()
  }

  /**
   * Creates topics; resolves with their ids (absent under validateOnly). A topic refused with a
   * retriable error is asked for again, alone, within the retry budget; if that answer is
   * TOPIC_ALREADY_EXISTS, the first attempt got as far as recording it, and it counts as created.
   */
  async createTopics(options: CreateTopicsOptions): Promise<Array<{ topic: string; topicId?: string }>> {
    const specs = new Map(options.topics.map((spec) => [spec.topic, {
      topic: spec.topic,
      ...(spec.numPartitions === undefined ? {} : { numPartitions: spec.numPartitions }),
      ...(spec.replicationFactor === undefined ? {} : { replicationFactor: spec.replicationFactor }),
      ...(spec.config === undefined ? {} : { config: configStrings(spec.config) as Record<string, string> }),
    }]))
    const results = new Map<string, { topic: string; topicId?: string }>()
    const retried = new Set<string>()
    await withRetry(async () => {
      const pending = [...specs.values()].filter((spec) => !results.has(spec.topic))
      const response = await this.cluster.request('createTopics', {
        topics: pending,
        ...(options.ifNotExists === undefined ? {} : { ifNotExists: options.ifNotExists }),
        ...(options.validateOnly === undefined ? {} : { validateOnly: options.validateOnly }),
      }, { retry: false }).catch((err: unknown) => {
        // Lost with the connection: the broker may have created them before it went.
        for (const spec of pending) retried.add(spec.topic)
        throw err
      })
      let retriable: FaecieError | undefined
      for (const t of response.topics) {
        const error = t.error
        if (error === undefined || (error.code === ErrorCode.TOPIC_ALREADY_EXISTS && retried.has(t.topic))) {
          results.set(t.topic, t.topicId === undefined ? { topic: t.topic } : { topic: t.topic, topicId: t.topicId })
        } else if (error.retriable) {
          retried.add(t.topic)
          retriable ??= topicError(t.topic, error)
        } else {
          throw topicError(t.topic, error)
        }
      }
      if (retriable !== undefined) throw retriable
    }, this.cluster.config.retry, { signal: this.cluster.signal, clock: this.cluster.clock })
    return options.topics.map((spec) => results.get(spec.topic) ?? { topic: spec.topic })
  }

  /** Deletes topics. A retriable refusal is asked again; then UNKNOWN_TOPIC_OR_PARTITION means it went the first time. */
  async deleteTopics(options: { topics: string[] }): Promise<void> {
    const pending = new Set(options.topics)
    const retried = new Set<string>()
    for (const topic of options.topics) this.cluster.invalidate(topic)
    await this.readRetrying(async () => {
      const topics = [...pending]
      const response = await this.cluster.request('deleteTopics', { topics }, { retry: false }).catch((err: unknown) => {
        for (const topic of topics) retried.add(topic)
        throw err
      })
      let retriable: FaecieError | undefined
      for (const t of response.topics) {
        if (t.error === undefined || (t.error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && retried.has(t.topic))) pending.delete(t.topic)
        else if (t.error.retriable && t.error.code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          retried.add(t.topic)
          retriable ??= topicError(t.topic, t.error)
        } else throw topicError(t.topic, t.error)
      }
      if (retriable !== undefined) throw retriable
    })
  }

  /** The names of all topics, internal ones excluded. */
  async listTopics(): Promise<string[]> {
    const response = await this.cluster.metadata()
    return response.topics.map((t) => t.topic)
  }

  /** Topic ids and partitions with their leaders (all topics when none are named). */
  async fetchTopicMetadata(options: { topics?: string[] } = {}): Promise<{ topics: MetadataTopic[] }> {
    const response = await this.cluster.metadata(options.topics)
    const failed = response.topics.find((t) => t.error !== undefined)
    if (failed?.error !== undefined) throw topicError(failed.topic, failed.error)
    return { topics: response.topics }
  }

  /**
   * Each topic's id, config (defaults filled in) and per-partition offsets and size, each
   * partition's from its leader (-1: no leader now); with includeReplicas, each partition's leader
   * (-1: none), leader epoch, replicas and ISR too (from metadata). An internal topic named here
   * (__consumer_offsets) is described from metadata: no config, offsets -1.
   */
  async describeTopics(options: { topics: string[]; includeReplicas?: boolean }): Promise<TopicDescription[]> {
    return this.readRetrying(() => describeFromLeaders(this.cluster, options.topics, options.includeReplicas === true))
  }

  /** The cluster: its id, controller, live brokers (id, URL, rack) and etcd endpoints (op describeCluster). */
  async describeCluster(): Promise<DescribeClusterResponse> {
    const { id: _id, ...cluster } = (await this.cluster.request('describeCluster', {})) as DescribeClusterResponse & { id?: number }
    return cluster
  }

  /** Sets config keys (null resets one to its default); resolves with the topic's whole config. */
  async alterTopicConfig(options: { topic: string; config: Record<string, ConfigValue | null> }): Promise<Record<string, string>> {
    const response = await this.cluster.request('alterTopicConfig', { topic: options.topic, config: configStrings(options.config) })
    return response.config
  }

  /** Grows topics to new partition counts (kafkajs's shape: `topicPartitions: [{topic, count}]`). */
  async createPartitions(options: { topicPartitions: Array<{ topic: string; count: number }> }): Promise<void> {
    for (const { topic, count } of options.topicPartitions) {
      await this.cluster.request('createPartitions', { topic, count })
      this.cluster.invalidate(topic)
    }
  }

  /**
   * Moves a damaged partition (its reads answer LOG_DAMAGED) past the offsets it lost: its log start
   * becomes the first offset after the damage, and the offsets below it are dropped for good.
   */
  async repairPartition(options: { topic: string; partition: number; acceptDataLoss: true }): Promise<{ logStartOffset: number; offsetsSkipped: number }> {
    const response = await this.cluster.request('repairPartition', { topic: options.topic, partition: options.partition, acceptDataLoss: options.acceptDataLoss })
    return { logStartOffset: response.logStartOffset, offsetsSkipped: response.offsetsSkipped }
  }

  /**
   * Kafka's deleteRecords: per partition, the records below `offset` (-1: below the high watermark,
   * every record) are deleted for good and the log start moves there; resolves with each partition's
   * new low watermark. An offset past the high watermark is OFFSET_OUT_OF_RANGE, thrown as the
   * first partition error (the other partitions' deletions stand).
   */
  async deleteRecords(options: { topic: string; partitions: Array<{ partition: number; offset: number }> }): Promise<Array<{ partition: number; lowWatermark: number }>> {
    // Each partition's deletion goes to its leader; a moved leader is asked again at the new one.
    const done = new Map<number, DeleteRecordsPartitionResult>()
    await this.readRetrying(async () => {
      const pending = options.partitions.filter((p) => !done.has(p.partition))
      const answered = await askLeaders(this.cluster, [{ topic: options.topic, partitions: pending }], (connection, topics) =>
        connection.request('deleteRecords', { topics }).then((r) => r.topics))
      const answers = answered[0]?.partitions ?? []
      let moved: FaecieError | undefined
      for (const answer of answers) {
        const error = answer.error === undefined ? undefined : FaecieError.fromWire(answer.error)
        if (error !== undefined && this.cluster.noteError(options.topic, error)) moved ??= error
        else done.set(answer.partition, answer)
      }
      if (moved !== undefined) throw moved
    })
    const partitions = options.partitions.map((p) => done.get(p.partition)).filter((p) => p !== undefined)
    const failed = partitions.find((p) => p.error !== undefined)
    if (failed?.error !== undefined) throw topicError(`${options.topic}-${failed.partition}`, failed.error)
    return partitions.map((p) => ({ partition: p.partition, lowWatermark: p.lowWatermark }))
  }

  /** Per partition: the earliest offset (low), the high watermark (high, also `offset`). */
  async fetchTopicOffsets(topic: string): Promise<TopicOffsets[]> {
    const partitions = (await this.readRetrying(() => this.cluster.topic(topic, { refresh: true }))).partitions.map((p) => p.partition)
    const [low, high] = await Promise.all([EARLIEST_TIMESTAMP, LATEST_TIMESTAMP].map((timestamp) => this.offsetsAt(topic, partitions, timestamp)))
    return partitions.map((partition, i) => ({ partition, offset: high![i]!, high: high![i]!, low: low![i]! }))
  }

  /** Per partition, the first offset at or after `timestamp` (ms), or the high watermark when none is. */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: number }>> {
    const partitions = (await this.readRetrying(() => this.cluster.topic(topic, { refresh: true }))).partitions.map((p) => p.partition)
    const [at, high] = await Promise.all([this.offsetsAt(topic, partitions, timestamp), this.offsetsAt(topic, partitions, LATEST_TIMESTAMP)])
    return partitions.map((partition, i) => ({ partition, offset: at[i]! < 0 ? high[i]! : at[i]! }))
  }

  /** The listOffsets op as it is, per-partition errors included (each partition asked of its leader). */
  async listOffsets(request: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    const topics = await this.readRetrying(() => askLeaders(this.cluster, request.topics, (connection, asked) =>
      connection.request('listOffsets', { topics: asked }).then((r) => r.topics)))
    // A partition whose leader moved is routed anew for the caller's next call.
    for (const { topic, partitions } of topics) {
      for (const p of partitions) if (p.error !== undefined) this.cluster.noteError(topic, FaecieError.fromWire(p.error))
    }
    return { topics }
  }

  // Consumer groups (admin-groups.ts).

  /**
   * Every group: `{ groups: [{ groupId, state, groupEpoch, members }] }` (optionally only some
   * states). In a cluster each live broker is asked for the groups it coordinates; the brokers that
   * could not be reached (a broker just gone is listed until its lease expires) are in
   * `unreachable`, and their groups are missing from `groups`.
   */
  listGroups(options: { states?: string[] } = {}): Promise<ListedGroups> {
    return this.groups.listGroups(options)
  }

  /**
   * State, epochs, assignor, members with their assignments, and the coordinator that answered
   * (broker id and URL); an unknown group has state Dead.
   */
  describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    return this.groups.describeGroups(groupIds)
  }

  /** Forgets a group and its committed offsets; NON_EMPTY_GROUP while it has members. */
  deleteGroup(groupId: string): Promise<void> {
    return this.groups.deleteGroups([groupId])
  }

  deleteGroups(groupIds: string[]): Promise<void> {
    return this.groups.deleteGroups(groupIds)
  }

  /** Committed offsets per topic and partition (-1: none), of these topics or all the group has. */
  fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<GroupTopicOffsets[]> {
    return this.groups.fetchOffsets(options)
  }

  /** Sets committed offsets (the next offset to read); NON_EMPTY_GROUP while the group has members. */
  alterGroupOffsets(options: { groupId: string; topics: GroupTopicOffsets[] }): Promise<void> {
    return this.groups.alterGroupOffsets(options)
  }

  /** kafkajs's setOffsets: one topic's offsets. */
  setOffsets(options: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: number }> }): Promise<void> {
    return this.groups.alterGroupOffsets({ groupId: options.groupId, topics: [{ topic: options.topic, partitions: options.partitions }] })
  }

  /**
   * Moves a topic's committed offsets to earliest, latest, an offset (clamped to the log) or the
   * first offset at a time; resolves with the plan (current and new offset per partition), which
   * with `dryRun` is all it does.
   */
  resetOffsets(options: { groupId: string; topic: string; partitions?: number[]; dryRun?: boolean } & ResetTarget): Promise<ResetPlanEntry[]> {
    return this.groups.resetOffsets(options)
  }

  /** Committed offset, end offset and lag per partition, the owning member, and the total lag. */
  fetchGroupLag(options: { groupId: string; topics?: string[] }): Promise<GroupLag> {
    return this.groups.fetchGroupLag(options)
  }

  // Reassignments and leader elections (admin-cluster.ts).

  /** Starts (or, replicas null, cancels) partition moves; per-partition results; throttleBytesPerSec 0 removes the throttle. */
  alterPartitionReassignments(options: { partitions: PartitionReassignment[]; throttleBytesPerSec?: number }): Promise<PartitionResult[]> {
    return this.clusterOps.alterPartitionReassignments(options)
  }

  /** The moves in progress (replicas, adding, removing, ISR, leader) and the replication throttle in force. */
  listPartitionReassignments(options: { topics?: string[] } = {}): Promise<PartitionReassignments> {
    return this.clusterOps.listPartitionReassignments(options)
  }

  /** Preferred-leader election of these partitions (all when none are named); per-partition results. */
  electLeaders(options: { partitions?: Array<{ topic: string; partition: number }> } = {}): Promise<ElectionResult[]> {
    return this.clusterOps.electLeaders(options)
  }

  // Users and ACLs (admin-security.ts): needs Alter on the cluster to change, Describe to read.
  upsertUser(options: UpsertUserOptions): Promise<void> { return this.security.upsertUser(options) }
  deleteUser(options: { user: string; mechanism?: string }): Promise<void> { return this.security.deleteUser(options) }
  describeUsers(options: { users?: string[] } = {}): Promise<UserDescription[]> { return this.security.describeUsers(options) }
  createAcls(options: { acls: AclBinding[] }): Promise<void> { return this.security.createAcls(options) }
  describeAcls(filter?: AclFilter): Promise<AclBinding[]> { return this.security.describeAcls(filter) }
  deleteAcls(options: { filters: AclFilter[] }): Promise<AclBinding[]> { return this.security.deleteAcls(options) }

  /** The broker's figures and its produce / consume rates over the last five minutes (op `stats`). */
  async stats(): Promise<BrokerStats> {
    const { id: _id, ...stats } = (await this.cluster.request('stats', {})) as StatsResponse & { id?: number }
    return stats
  }

  /** A read, tried again while it fails with a retriable error (per-topic errors included). */
  private readRetrying<T>(read: () => Promise<T>): Promise<T> {
    return withRetry(read, this.cluster.config.retry, { signal: this.cluster.signal, clock: this.cluster.clock })
  }

  private offsetsAt(topic: string, partitions: number[], timestamp: number): Promise<number[]> {
    return this.readRetrying(() => this.offsetsAtOnce(topic, partitions, timestamp))
  }

  private async offsetsAtOnce(topic: string, partitions: number[], timestamp: number): Promise<number[]> {
    const answered = await askLeaders(this.cluster, [{ topic, partitions: partitions.map((partition) => ({ partition, timestamp })) }], (connection, asked) =>
      connection.request('listOffsets', { topics: asked }).then((r) => r.topics))
    const answers = answered[0]?.partitions ?? []
    return partitions.map((partition) => {
      const answer = answers.find((a) => a.partition === partition)
      if (answer === undefined) throw new FaecieError(-1, `listOffsets gave no answer for ${topic}-${partition}.`)
      if (answer.error !== undefined) {
        this.cluster.noteError(topic, FaecieError.fromWire(answer.error))
        throw topicError(`${topic}-${partition}`, answer.error)
      }
      return answer.offset
    })
  }
}

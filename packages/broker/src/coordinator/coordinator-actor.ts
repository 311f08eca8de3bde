// The coordinator actor: the one writer of topic metadata on this broker. It runs on a thread of its
// own (worker-entry.ts) and handles one call at a time, so checks and writes never interleave. Every
// change is decided here (the checks that depend on the current state: exists, partition counts,
// the merged config), appended to the metadata log and made durable first, and only then applied to
// the in-memory state and answered; the main thread acts on the answer (opens, closes, deletes
// partitions). On start it replays the log and reconciles the data directory with it: partition
// directories the log does not know are moved aside as `NAME.orphaned-<ms>`; missing ones are made
// by the partition manager when the main thread opens every partition the log lists.
//
// Consumer groups live here too (GroupCoordinator): group records and committed offsets go in
// `__consumer_offsets-0`, a second, compacted log this thread owns and replays after the metadata
// log (groups that earlier brokers recorded in the metadata log are read from it, and deleted there). Topic changes reach the groups after they are recorded (rebalance; offsets of a deleted
// topic are tombstoned), and `tick()` expires members whose session or rebalance timeout ran out
// and, every offsetsRetentionCheckIntervalMs, expired offsets and dead groups (offset retention).
//
// Cluster mode (worker-entry.ts keepUnknownPartitionDirs): no `__consumer_offsets-0` here and no group
// ops; groups live in the replicated `__consumer_offsets` (cluster/group-shards.ts).
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ErrorCode, FaecieError, type AclBinding, type AclFilter, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { Disk } from '../storage/disk.js'
import type { CompactionOutcome, PartitionLog } from '../storage/log.js'
import { cleanPartition } from '../tasks/clean-segments.js'
import { changeTopicConfig, validateTopicConfig, type TopicConfig, type TopicConfigChanges } from '../topics/config.js'
import { checkCreatableTopicName, CLUSTER_METADATA_TOPIC } from '../topics/names.js'
import { GroupCoordinator, type GroupRecord } from '../groups/group-coordinator.js'
import { runGroupOp } from '../groups/group-shard.js'
import type { GroupSettings, GroupTopics } from '../groups/consumer-group.js'
import type { GroupOp } from './messages.js'
import type { KafkaGroupOp, KafkaGroupRequest, KafkaGroupResult } from '../groups/kafka-group-ops.js'
import { decodeOffsetBatches, encodeGroupRecords, encodeOffsetRecords, type OffsetRecord } from '../groups/offset-records.js'
import { MetadataState, type TopicMeta } from './metadata-state.js'
import { decodeMetadataRecords, encodeMetadataRecord, type MetadataRecord, type SecurityRecord } from './records.js'
import {
  planAclCreations, planAclDeletions, planUserChanges, type CredentialDeletion, type CredentialUpsert, type ItemError,
  type SecurityLimitsForWrites,
} from './security-writes.js'

export interface CoordinatorSettings {
  batchBytesMax: number
  partitionsPerTopicMax: number
  /** Partitions of all topics together. */
  partitionsMax: number
  /** Producer ids reserved per record of the metadata log. */
  producerIdBlockSize: number
  /** Users and ACLs stored at most (security.limits); default DEFAULT_SECURITY_WRITE_LIMITS. */
  security?: SecurityLimitsForWrites
}

/** Without settings.security (unit tests): security-config.ts DEFAULT_SECURITY_LIMITS' bounds. */
const DEFAULT_SECURITY_WRITE_LIMITS: SecurityLimitsForWrites = { usersMax: 10_000, aclsMax: 100_000 }

export interface CoordinatorActorOptions {
  log: PartitionLog
  disk: Disk
  dataDir: string
  settings: CoordinatorSettings
  clock: () => number
  logger: Logger
  /** Told of every topic that changed (null: deleted), after the change is durable. */
  onTopicChanged(topic: string, meta: TopicMeta | null): void
  /** Told of users' and ACLs' changes, after they are durable (the main thread's SecurityState applies them). */
  onSecurityChanged?(records: SecurityRecord[]): void
  /** `__consumer_offsets-0`; without it (unit tests) committed offsets are kept in memory only. */
  offsetsLog?: PartitionLog
  /** Leave the fsync of offset commits to flushOffsets(), called once per batch of calls. */
  batchOffsetFlush?: boolean
  groupSettings?: Partial<GroupSettings>
  /**
   * Cluster mode: topics are etcd's, mirrored in by mirrorClusterTopics after the start; the replay
   * of committed offsets cannot check their topic ids against the metadata log's, and keeps them.
   */
  clusterTopicsMirrored?: boolean
}

export const OFFSETS_PARTITION_DIR = '__consumer_offsets-0'

export const METADATA_PARTITION_DIR = `${CLUSTER_METADATA_TOPIC}-0`
const ORPHANED = '.orphaned-'
const PARTITION_DIR = /^[a-zA-Z0-9._-]+-\d+$/
const REPLAY_READ_BYTES = 1024 * 1024

export class CoordinatorActor {
  readonly #options: CoordinatorActorOptions
  readonly #state = new MetadataState()
  readonly groups: GroupCoordinator
  #nextProducerId = 0
  #offsetsDirty = false
  /** Groups whose creation is in the metadata log (recorded by earlier brokers): deleted there too. */
  readonly #groupsInMetadataLog = new Set<string>()
  /** Cluster mode: etcd's topics as last mirrored (consumer groups see these); undefined for a single broker. */
  #clusterTopics: Map<string, TopicMeta> | undefined

  constructor(options: CoordinatorActorOptions) {
    this.#options = options
    const state = this.#state
    const topics: GroupTopics = {
      topic: (name) => (this.#clusterTopics ?? state.topics).get(name),
      names: () => [...(this.#clusterTopics ?? state.topics).values()].filter((t) => !t.internal).map((t) => t.topic),
    }
    this.groups = new GroupCoordinator({
      clock: options.clock,
      topics,
      appendOffsets: (records) => this.#appendOffsets(records),
      recordGroups: (records) => this.#recordGroups(records),
      logger: options.logger.child({ module: 'groups' }),
    }, options.groupSettings)
    this.#replay()
    this.#replayOffsets()
    this.#nextProducerId = this.#state.producerIdBlockEnd
  }

  get topics(): TopicMeta[] {
    return [...this.#state.topics.values()]
  }

  createTopic(topic: string, numPartitions: number, config: TopicConfig, validateOnly: boolean): TopicMeta {
    checkCreatableTopicName(topic)
    if (this.#state.topics.has(topic)) {
      throw new FaecieError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic ${topic} already exists.`)
    }
    this.#checkPartitionCount(numPartitions, 1)
    this.#checkBrokerPartitions(numPartitions)
    const overrides = validateTopicConfig(config, this.#options.settings)
    const record: MetadataRecord = { v: 1, type: 'topic', topic, topicId: randomUUID(), partitions: numPartitions, config: overrides }
    if (validateOnly) return { topic, topicId: record.topicId, partitions: numPartitions, config: overrides, internal: false }
    return this.#commit(record) as TopicMeta
  }

  deleteTopic(topic: string): TopicMeta {
    const meta = this.#existing(topic)
    if (meta.internal) throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${topic} is internal to the broker.`)
    this.#commit({ v: 1, type: 'topicDeleted', topic, topicId: meta.topicId })
    return meta
  }

  alterTopicConfig(topic: string, changes: TopicConfigChanges): TopicMeta {
    const meta = this.#existing(topic)
    const config = changeTopicConfig(meta.config, changes, this.#options.settings)
    return this.#commit({ v: 1, type: 'topicConfig', topic, topicId: meta.topicId, config }) as TopicMeta
  }

  /** Grows a topic to `count` partitions; asking for the current count changes nothing. */
  createPartitions(topic: string, count: number): TopicMeta {
    const meta = this.#existing(topic)
    this.#checkPartitionCount(count, meta.partitions)
    if (count === meta.partitions) return meta
    this.#checkBrokerPartitions(count - meta.partitions)
    return this.#commit({ v: 1, type: 'partitions', topic, topicId: meta.topicId, partitions: count }) as TopicMeta
  }

  /** A producer id never handed out before, by this run or any earlier one. */
  initProducerId(): number {
    if (this.#nextProducerId >= this.#state.producerIdBlockEnd) {
      const end = this.#state.producerIdBlockEnd + this.#options.settings.producerIdBlockSize
      this.#commit({ v: 1, type: 'producerIds', end })
    }
    return this.#nextProducerId++
  }

  /** Every stored user and ACL as records (the main thread's snapshot at start). */
  get securityRecords(): SecurityRecord[] {
    return this.#state.securityRecords()
  }

  /** Sets and deletes SCRAM credentials (derived keys, never passwords); one answer per item (null: done). */
  alterUsers(upsertions: CredentialUpsert[], deletions: CredentialDeletion[]): (ItemError | null)[] {
    const plan = planUserChanges(this.#state, upsertions, deletions, this.#securityLimits)
    this.#commitSecurity(plan.records)
    return plan.results
  }

  createAcls(bindings: AclBinding[]): (ItemError | null)[] {
    const plan = planAclCreations(this.#state, bindings, this.#securityLimits)
    this.#commitSecurity(plan.records)
    return plan.results
  }

  /** The bindings each filter removed. */
  deleteAcls(filters: AclFilter[]): AclBinding[][] {
    const plan = planAclDeletions(this.#state, filters)
    this.#commitSecurity(plan.records)
    return plan.results
  }

  get #securityLimits(): SecurityLimitsForWrites {
    return this.#options.settings.security ?? DEFAULT_SECURITY_WRITE_LIMITS
  }

  /** Security records: appended together, made durable by one fsync, then applied and posted. */
  #commitSecurity(records: SecurityRecord[]): void {
    if (records.length === 0) return
    const log = this.#options.log
    for (const record of records) log.append(encodeMetadataRecord(record, this.#options.clock()))
    log.flush()
    for (const record of records) this.#state.apply(record)
    this.#options.onSecurityChanged?.(records)
    // Never the keys: a credential's record is logged by user and mechanism only.
    this.#options.logger.info({ changes: records.map(securitySummary) }, 'security metadata change recorded')
  }

  /** Serves one consumer-group op (the gateway's request, already validated). */
  group<Op extends GroupOp>(op: Op, request: OpRequest<Op>): OpResponse<Op> {
    return runGroupOp(this.groups, op, request)
  }

  /** Serves one group op of Kafka's protocol only; a classic join or sync may answer later (a Promise). */
  kafkaGroup<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): KafkaGroupResult<Op> | Promise<KafkaGroupResult<Op>> {
    return this.groups.kafkaGroup(op, request)
  }


  /** Expires group members, offsets and groups whose time ran out (called by the thread's timer). */
  tick(): void {
    this.groups.tick()
    this.flushOffsets()
  }

  /** Moves aside every partition directory the log does not know; returns the new names. */
  reconcileDataDir(): string[] {
    const { disk, dataDir, logger } = this.#options
    const known = new Set<string>([METADATA_PARTITION_DIR, OFFSETS_PARTITION_DIR])
    for (const meta of this.#state.topics.values()) {
      for (let p = 0; p < meta.partitions; p++) known.add(`${meta.topic}-${p}`)
    }
    const moved: string[] = []
    for (const name of disk.readdir(dataDir)) {
      if (known.has(name) || !PARTITION_DIR.test(name) || name.includes(ORPHANED)) continue
      const aside = `${name}${ORPHANED}${this.#options.clock()}`
      disk.rename(join(dataDir, name), join(dataDir, aside))
      moved.push(aside)
      logger.warn({ dir: name, movedTo: aside }, 'partition directory unknown to the metadata log: moved aside')
    }
    if (moved.length > 0) disk.fsyncDir(dataDir)
    return moved
  }

  /** Closes both logs; held classic answers are answered COORDINATOR_NOT_AVAILABLE first (retriable). */
  close(): void {
    this.groups.shutdownClassicGroups(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    this.#options.log.close()
    this.#options.offsetsLog?.close()
  }

  /** Appends the record and makes it durable, then applies it and tells the main thread. */
  #commit(record: MetadataRecord): TopicMeta | null | undefined {
    const log = this.#options.log
    log.append(encodeMetadataRecord(record, this.#options.clock()))
    log.flush()
    const result = this.#state.apply(record)
    if (result !== undefined) {
      const topic = (record as { topic: string }).topic
      this.#options.onTopicChanged(topic, result)
      this.groups.onTopicChanged(topic, result === null)
    }
    this.#options.logger.info({ record }, 'metadata change recorded')
    return result
  }

  /**
   * Group records go in `__consumer_offsets` after the offset records before them (one log: their
   * order is kept); the deletion of a group created in the metadata log goes there, once the
   * group's tombstones are durable (and here too). Without an offsets log (unit tests), all go in the metadata log.
   */
  #recordGroups(records: readonly GroupRecord[]): void {
    const offsetsLog = this.#options.offsetsLog
    // A group of the metadata log whose type changes gets its new record here (replayed after the
    // metadata log, it replaces the group there); its deletion then goes in both logs, so that a
    // replay of this log brings back none of its records.
    const inMetadataLog = offsetsLog === undefined ? records
      : records.filter((r) => r.type === 'groupDeleted' && this.#groupsInMetadataLog.has(r.groupId))
    const inOffsetsLog = offsetsLog === undefined ? [] : records
    if (inOffsetsLog.length > 0) {
      offsetsLog!.append(encodeGroupRecords(inOffsetsLog, this.#options.clock()))
      this.#offsetsDirty = true
      if (this.#options.batchOffsetFlush !== true) this.flushOffsets()
    }
    if (inMetadataLog.length > 0) {
      this.flushOffsets()
      this.#commitGroups(inMetadataLog)
    }
  }

  /** Group records (no topic changes) in the metadata log: appended together, made durable by one fsync, then applied. */
  #commitGroups(records: readonly GroupRecord[]): void {
    const log = this.#options.log
    for (const record of records) log.append(encodeMetadataRecord(groupRecord(record), this.#options.clock()))
    log.flush()
    for (const record of records) {
      this.#state.apply(groupRecord(record))
      this.#noteMetadataLogGroup(record)
    }
    this.#options.logger.info({ records: records.length, first: records[0] }, 'group changes recorded')
  }

  #replay(): void {
    const log = this.#options.log
    let offset = log.logStartOffset
    while (offset < log.logEndOffset) {
      const bytes = log.read(offset, REPLAY_READ_BYTES, { isolation: 'logEnd' }).bytes
      if (bytes.length === 0) break
      const before = offset
      for (const { offset: at, record } of decodeMetadataRecords(bytes)) {
        if (at < offset) continue
        this.#state.apply(record)
        if (record.type === 'group' || record.type === 'groupDeleted') {
          this.groups.applyGroupRecord(record)
          this.#noteMetadataLogGroup(record)
        }
        offset = at + 1
      }
      if (offset === before) throw new Error(`__cluster_metadata-0: no record at or after offset ${offset} in a batch read there`)
    }
    this.#options.logger.info({ records: this.#state.recordsApplied, topics: this.#state.topics.size,
      producerIdBlockEnd: this.#state.producerIdBlockEnd, users: this.#state.credentials.size, acls: this.#state.acls.size }, 'metadata log replayed')
  }

  #noteMetadataLogGroup(record: GroupRecord): void {
    if (record.type === 'group') this.#groupsInMetadataLog.add(record.groupId)
    else this.#groupsInMetadataLog.delete(record.groupId)
  }

  #appendOffsets(records: OffsetRecord[]): void {
    const log = this.#options.offsetsLog
    if (log === undefined) return
    log.append(encodeOffsetRecords(records, this.#options.clock()))
    this.#offsetsDirty = true
    if (this.#options.batchOffsetFlush !== true) this.flushOffsets()
  }

  /**
   * Compacts `__consumer_offsets-0` (the storage engine's cleaner, run in this thread: the log is
   * small and only this thread writes it): closed segments keep the latest record per key.
   * Without `force`, only when the log's dirty ratio calls for it. Null when nothing was cleaned.
   */
  compactOffsets(force = false): CompactionOutcome | null {
    const log = this.#options.offsetsLog
    if (log === undefined) return null
    this.flushOffsets()
    const plan = log.compactionPlan(force)
    if (plan === null) return null
    const outcome = log.swapCleaned(cleanPartition(this.#options.disk, { plan, nowMs: this.#options.clock() }))
    this.#options.logger.info({ ...outcome }, 'committed offsets compacted')
    return outcome
  }

  /** Makes every offset commit appended so far durable (one fsync); answers wait for it. */
  flushOffsets(): void {
    if (!this.#offsetsDirty) return
    this.#options.offsetsLog?.flush()
    this.#offsetsDirty = false
  }

  #replayOffsets(): void {
    const log = this.#options.offsetsLog
    if (log === undefined) return
    let offset = log.logStartOffset
    let records = 0
    while (offset < log.logEndOffset) {
      const bytes = log.read(offset, REPLAY_READ_BYTES, { isolation: 'logEnd' }).bytes
      if (bytes.length === 0) break
      const before = offset
      for (const batch of decodeOffsetBatches(bytes)) {
        for (const { offset: at, entry } of batch.records) {
          if (at < offset) continue
          records++
          if (entry.kind === 'group') {
            this.groups.applyGroupRecord(entry.record)
            continue
          }
          // Offsets of a group or topic that does not exist (deleted; their tombstones may not have
          // been written) are stale.
          const record = entry.record
          const topicId = this.#state.topics.get(record.topic)?.topicId
          const stale = !this.groups.has(record.groupId) ||
            (record.value !== null && this.#options.clusterTopicsMirrored !== true && record.value.topicId !== topicId)
          if (!stale) this.groups.applyOffsetRecord(record)
        }
        offset = Math.max(offset, batch.nextOffset)
      }
      if (offset === before) throw new Error(`${OFFSETS_PARTITION_DIR}: no record at or after offset ${offset} in a batch read there`)
    }
    this.#options.logger.info({ records, groups: this.groups.groupCount }, 'committed offsets replayed')
  }

  /** Cluster mode: etcd's topics now; groups subscribed to a topic that appeared, grew or went rebalance. */
  mirrorClusterTopics(topics: TopicMeta[]): null {
    const before = this.#clusterTopics ?? new Map<string, TopicMeta>()
    const next = new Map(topics.map((t) => [t.topic, t]))
    this.#clusterTopics = next
    for (const [name, meta] of next) {
      const old = before.get(name)
      if (old === undefined || old.partitions !== meta.partitions || old.topicId !== meta.topicId) this.groups.onTopicChanged(name, false)
    }
    for (const name of before.keys()) if (!next.has(name)) this.groups.onTopicChanged(name, true)
    return null
  }

  #existing(topic: string): TopicMeta {
    const meta = this.#state.topics.get(topic)
    if (meta === undefined) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${topic} does not exist.`)
    return meta
  }

  #checkBrokerPartitions(adding: number): void {
    let total = 0
    for (const meta of this.#state.topics.values()) total += meta.partitions
    const max = this.#options.settings.partitionsMax
    if (total + adding > max) {
      throw new FaecieError(ErrorCode.INVALID_PARTITIONS,
        `The broker has ${total} partitions; ${adding} more would pass partitionsMax (${max}).`)
    }
  }

  #checkPartitionCount(count: number, min: number): void {
    const max = this.#options.settings.partitionsPerTopicMax
    if (!Number.isSafeInteger(count) || count < min || count > max) {
      throw new FaecieError(ErrorCode.INVALID_PARTITIONS,
        `A topic here has from ${min} to ${max} partitions (partitionsPerTopicMax); asked for ${count}.`)
    }
  }
}

function groupRecord(record: GroupRecord): MetadataRecord {
  if (record.type === 'groupDeleted') return { v: 1, type: 'groupDeleted', groupId: record.groupId }
  return { v: 1, type: 'group', groupId: record.groupId, ...(record.assignor === undefined ? {} : { assignor: record.assignor }) }
}

function securitySummary(record: SecurityRecord): Record<string, string> {
  switch (record.type) {
    case 'scramCredential': case 'scramCredentialDeleted': return { type: record.type, user: record.user, mechanism: record.mechanism }
    case 'acl': case 'aclDeleted': return { type: record.type, ...record.binding }
  }
}

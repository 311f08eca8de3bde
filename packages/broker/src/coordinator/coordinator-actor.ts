// The coordinator actor: the one writer of topic metadata on this broker. It runs on a thread of its
// own (worker-entry.ts) and handles one call at a time, so checks and writes never interleave. Every
// change is decided here (the checks that depend on the current state: exists, partition counts,
// the merged config), appended to the metadata log and made durable first, and only then applied to
// the in-memory state and answered; the main thread acts on the answer (opens, closes, deletes
// partitions). On start it replays the log and reconciles the data directory with it: partition
// directories the log does not know are moved aside as `NAME.orphaned-<ms>`; missing ones are made
// by the partition manager when the main thread opens every partition the log lists.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { Disk } from '../storage/disk.js'
import type { PartitionLog } from '../storage/log.js'
import { changeTopicConfig, validateTopicConfig, type TopicConfig, type TopicConfigChanges } from '../topics/config.js'
import { checkCreatableTopicName, CLUSTER_METADATA_TOPIC } from '../topics/names.js'
import { MetadataState, type TopicMeta } from './metadata-state.js'
import { decodeMetadataRecords, encodeMetadataRecord, type MetadataRecord } from './records.js'

export interface CoordinatorSettings {
  batchBytesMax: number
  partitionsPerTopicMax: number
  /** Partitions of all topics together. */
  partitionsMax: number
  /** Producer ids reserved per record of the metadata log. */
  producerIdBlockSize: number
}

export interface CoordinatorActorOptions {
  log: PartitionLog
  disk: Disk
  dataDir: string
  settings: CoordinatorSettings
  clock: () => number
  logger: Logger
  /** Told of every topic that changed (null: deleted), after the change is durable. */
  onTopicChanged(topic: string, meta: TopicMeta | null): void
}

export const METADATA_PARTITION_DIR = `${CLUSTER_METADATA_TOPIC}-0`
const ORPHANED = '.orphaned-'
const PARTITION_DIR = /^[a-zA-Z0-9._-]+-\d+$/
const REPLAY_READ_BYTES = 1024 * 1024

export class CoordinatorActor {
  readonly #options: CoordinatorActorOptions
  readonly #state = new MetadataState()
  #nextProducerId = 0

  constructor(options: CoordinatorActorOptions) {
    this.#options = options
    this.#replay()
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

  /** Moves aside every partition directory the log does not know; returns the new names. */
  reconcileDataDir(): string[] {
    const { disk, dataDir, logger } = this.#options
    const known = new Set<string>([METADATA_PARTITION_DIR])
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

  close(): void {
    this.#options.log.close()
  }

  /** Appends the record and makes it durable, then applies it and tells the main thread. */
  #commit(record: MetadataRecord): TopicMeta | null | undefined {
    const log = this.#options.log
    log.append(encodeMetadataRecord(record, this.#options.clock()))
    log.flush()
    const result = this.#state.apply(record)
    if (result !== undefined) this.#options.onTopicChanged((record as { topic: string }).topic, result)
    this.#options.logger.info({ record }, 'metadata change recorded')
    return result
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
        offset = at + 1
      }
      if (offset === before) throw new Error(`__cluster_metadata-0: no record at or after offset ${offset} in a batch read there`)
    }
    this.#options.logger.info({ records: this.#state.recordsApplied, topics: this.#state.topics.size,
      producerIdBlockEnd: this.#state.producerIdBlockEnd }, 'metadata log replayed')
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

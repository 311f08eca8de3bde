// The broker-level owner of every partition on this broker (main thread). It opens each partition
// on one of its worker threads and routes requests to it (partition-threads.ts: placement, the bound
// on what is in flight per partition, and supervision: a thread that dies is restarted and its
// partitions reopened through recovery, the requests in flight to it failing with the retriable
// KAFKA_STORAGE_ERROR; the broker process lives on). It hears what the threads report: offsets that
// moved, damage and storage faults (partition-health.ts), fsync timings, a leader's ISR proposals.
//
// It also owns the piscina task pool (tasks/task-pool.ts) where the closed segments of every partition
// it opens are verified in the background at a capped rate (partition-health.ts; a segment that
// fails is scanned by its actor and recorded as damage), and where compaction cleans, on the schedule
// of compaction-scheduler.ts.
import { strict as assert } from 'node:assert'
import { rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { DamageRange } from '../storage/damage.js'
import type { CompactionOutcome } from '../storage/log.js'
import type { SegmentCleaner } from '../tasks/segment-cleaner.js'
import type { SegmentVerifier } from '../tasks/segment-verifier.js'
import { TaskPool } from '../tasks/task-pool.js'
import { DEFAULT_SEGMENT_VERIFY_BYTES_PER_SECOND_MAX } from './closed-segment-checks.js'
import { CompactionScheduler } from './compaction-scheduler.js'
import {
  partitionKey, type Acks, type FromWorker, type PartitionConfig, type PartitionKey, type PartitionOffsets, type PartitionRequest,
  type PartitionResultByOp,
} from './messages.js'
import { PartitionHealth } from './partition-health.js'
import { PartitionThreads, type Placed, type ThreadNotice } from './partition-threads.js'

export interface PartitionManagerOptions {
  dataDir: string
  logger: Logger
  /** Threads hosting partitions; past this many partitions, threads are shared. Default: CPUs. */
  partitionThreadsMax?: number
  /** Requests in flight to one partition before new ones are refused (retriably). */
  mailboxDepthMax?: number
  /**
   * Checks the closed segments of every partition opened, off-thread, in the background. By default
   * one on the manager's task pool; `false` turns verification off.
   */
  verifier?: SegmentVerifier | false
  /** The background check's pace: closed-segment bytes verified per second at most. */
  segmentVerifyBytesPerSecondMax?: number
  /** Runs compaction's cleaner; by default one on the manager's task pool. */
  cleaner?: SegmentCleaner
  /** Threads of the manager's piscina pool for background work (verification, compaction). */
  taskThreadsMax?: number
  /**
   * How often compacted partitions are checked against min.cleanable.dirty.ratio. Default: the
   * FAECIE_COMPACTION_CHECK_MS environment variable (integration tests), else 15 s.
   */
  compactionCheckMs?: number
  /** Passed to each worker thread (tests cap memory). */
  workerResourceLimits?: { maxOldGenerationSizeMb?: number }
  /** `--fault-injection FILE`: each partition thread applies its plan (faults/fault-injection.ts). */
  faultInjection?: string
}

/** Hears each partition thread's periodic report of its fdatasync durations (metrics). */
export type FsyncListener = (report: { seconds: number[]; dropped: number }) => void

/** Hears a leader's wish to change its ISR (messages.ts `isrChange`). */
export type IsrChangeListener = (change: Extract<FromWorker, { type: 'isrChange' }>) => void

/**
 * Hears a partition's offsets after each tick that moved them; with a live tail on (setLiveTail),
 * `readable` may hold the whole batches [fromOffset, highWatermark) that just became readable.
 */
export type OffsetsListener = (key: PartitionKey, offsets: Omit<PartitionOffsets, 'sizeBytes' | 'segmentCount'>,
  readable?: { fromOffset: number; bytes: Uint8Array }) => void

export class PartitionManager {
  readonly #options: Required<Omit<PartitionManagerOptions, 'workerResourceLimits' | 'verifier' | 'cleaner' | 'taskThreadsMax' | 'faultInjection'>> & PartitionManagerOptions
  readonly #logger: Logger
  /** The worker threads, where each partition lives, and their supervision (partition-threads.ts). */
  readonly #threads: PartitionThreads
  readonly #listeners = new Set<OffsetsListener>()
  readonly #fsyncListeners = new Set<FsyncListener>()
  readonly #isrChangeListeners = new Set<IsrChangeListener>()
  readonly #reopenListeners = new Set<(keys: PartitionKey[]) => void>()
  #shutDown = false
  /** The pool for background work on closed segments, started on first use. */
  #tasks: TaskPool | undefined
  /** Damage, storage faults, repairs, and the background check of closed segments (partition-health.ts). */
  readonly #health: PartitionHealth
  /** Repairs that skipped offsets, and how many they skipped (metrics). */
  readonly repairs: { total: number; offsetsSkipped: number }
  readonly #compaction: CompactionScheduler

  constructor(options: PartitionManagerOptions) {
    this.#options = {
      partitionThreadsMax: availableParallelism(),
      mailboxDepthMax: 1024,
      compactionCheckMs: Number(process.env.FAECIE_COMPACTION_CHECK_MS) || 15_000,
      segmentVerifyBytesPerSecondMax: DEFAULT_SEGMENT_VERIFY_BYTES_PER_SECOND_MAX,
      ...options,
    }
    assert(this.#options.partitionThreadsMax >= 1, 'partitionThreadsMax must be at least 1')
    assert(this.#options.mailboxDepthMax >= 1, 'mailboxDepthMax must be at least 1')
    assert(this.#options.compactionCheckMs >= 1, 'compactionCheckMs must be at least 1')
    this.#logger = options.logger.child({ module: 'partition-manager' })
    this.#threads = new PartitionThreads({
      partitionThreadsMax: this.#options.partitionThreadsMax,
      mailboxDepthMax: this.#options.mailboxDepthMax,
      workerResourceLimits: this.#options.workerResourceLimits,
      ...(this.#options.faultInjection === undefined ? {} : { faultInjection: this.#options.faultInjection }),
      logger: this.#logger,
      isShutDown: () => this.#shutDown,
      onMessage: (message, partitionsOfThread) => this.#receive(message, partitionsOfThread),
      onReopened: (keys) => {
        for (const listener of this.#reopenListeners) listener(keys)
      },
    })
    this.#health = new PartitionHealth({
      logger: this.#logger,
      verifier: this.#options.verifier,
      segmentVerifyBytesPerSecondMax: this.#options.segmentVerifyBytesPerSecondMax,
      taskPool: () => this.#taskPool(),
      checkSegment: (key, baseOffset) => this.#threads.has(key) ? this.#requestByKey(key, { op: 'checkSegment', baseOffset }) : undefined,
    })
    this.repairs = this.#health.repairs
    this.#compaction = new CompactionScheduler({
      compactionCheckMs: this.#options.compactionCheckMs,
      cleaner: options.cleaner,
      taskPool: () => this.#taskPool(),
      logger: this.#logger,
      request: (topic, partition, request) => this.request(topic, partition, request),
      partitions: () => this.#threads.placedPartitions(),
      isShutDown: () => this.#shutDown,
    })
  }

  get threadCount(): number {
    return this.#threads.threadCount
  }

  get partitionCount(): number {
    return this.#threads.partitionCount
  }

  /** The index of the thread hosting a partition (for tests and metrics). */
  threadOf(topic: string, partition: number): number | undefined {
    return this.#threads.threadOf(partitionKey(topic, partition))
  }

  /** Requests sent to each thread (by thread index) and not yet answered: its mailbox depth. */
  threadMailboxDepths(): number[] {
    return this.#threads.mailboxDepths()
  }

  onFsyncs(listener: FsyncListener): () => void {
    this.#fsyncListeners.add(listener)
    return () => this.#fsyncListeners.delete(listener)
  }

  onIsrChange(listener: IsrChangeListener): () => void {
    this.#isrChangeListeners.add(listener)
    return () => this.#isrChangeListeners.delete(listener)
  }

  onOffsets(listener: OffsetsListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * The gateway's live tail of a partition (gateway/live-tail.ts): while on, offsets reports carry the
   * bytes that became readable when they are at most `bytesMax` (0 turns it off).
   */
  setLiveTail(topic: string, partition: number, bytesMax: number): void {
    if (this.#shutDown) return
    this.#threads.setLiveTail(partitionKey(topic, partition), bytesMax)
  }

  /** Hears which partitions a restarted thread reopened (without the roles they had). */
  onReopened(listener: (keys: PartitionKey[]) => void): () => void {
    this.#reopenListeners.add(listener)
    return () => this.#reopenListeners.delete(listener)
  }

  /** Opens (creating or recovering) a partition and places it on a thread. */
  open(topic: string, partition: number, config: PartitionConfig): Promise<PartitionOffsets> {
    this.#checkRunning()
    const key = partitionKey(topic, partition)
    return this.#threads.open(key, join(this.#options.dataDir, key), config)
  }

  /** Flushes and closes a partition (its files stay). */
  async close(topic: string, partition: number): Promise<void> {
    await this.#closeOrDelete('close', partitionKey(topic, partition))
  }

  /** Closes a partition and removes its directory. */
  async delete(topic: string, partition: number): Promise<void> {
    await this.#closeOrDelete('delete', partitionKey(topic, partition))
  }

  /**
   * Removes a partition that failed to come into being (a topic create the disk refused): closed and
   * deleted if it opened, and its directory removed if it was left behind by a failed open.
   */
  async discard(topic: string, partition: number): Promise<void> {
    const key = partitionKey(topic, partition)
    if (this.#threads.has(key)) await this.#closeOrDelete('delete', key)
    rmSync(join(this.#options.dataDir, key), { recursive: true, force: true })
  }

  /**
   * Appends one or more whole batches. `bytes` may be a view into memory someone else reuses: it is
   * copied into a buffer we own, which travels to the partition's thread and back.
   */
  produce(topic: string, partition: number, bytes: Uint8Array, acks: Acks = -1): Promise<PartitionResultByOp['produce']> {
    const owned = this.#threads.pool.copy(bytes)
    return this.request(topic, partition, { op: 'produce', bytes: owned, acks }, owned.buffer as ArrayBuffer)
  }

  fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<PartitionResultByOp['fetch']> {
    return this.request(topic, partition, { op: 'fetch', offset, maxBytes })
  }

  request<R extends PartitionRequest>(
    topic: string,
    partition: number,
    request: R,
    transfer?: ArrayBuffer,
  ): Promise<PartitionResultByOp[R['op']]> {
    return this.#requestByKey(partitionKey(topic, partition), request, transfer)
  }

  #requestByKey<R extends PartitionRequest>(key: PartitionKey, request: R, transfer?: ArrayBuffer): Promise<PartitionResultByOp[R['op']]> {
    if (this.#shutDown) return Promise.reject(shuttingDown())
    const reply = this.#threads.request(key, request, transfer)
    if (!REPORTS_OFFSETS.has(request.op)) return reply
    return reply.then((offsets) => {
      this.noteDamage(key, offsets as PartitionOffsets)
      return offsets
    })
  }

  /** Test and operations hook: makes the thread hosting the partition fail as a broken invariant would. */
  crashThreadOf(topic: string, partition: number, reason = 'requested'): void {
    this.#threads.crash(partitionKey(topic, partition), reason)
  }

  /** Changes a partition's settings, and remembers them for a reopen after a thread restart. */
  async updateConfig(topic: string, partition: number, config: PartitionConfig): Promise<PartitionOffsets> {
    const key = partitionKey(topic, partition)
    const offsets = await this.request(topic, partition, { op: 'updateConfig', config })
    const placed = this.#threads.placed(key)
    if (placed !== undefined) placed.config = config
    return offsets
  }

  /**
   * Compacts a partition now (compaction-scheduler.ts): the actor names the closed segments to clean
   * (unless `force`, only when min.cleanable.dirty.ratio is reached), the cleaner pool rewrites them,
   * and the actor swaps the result in. Resolves with null when there was nothing to do or a
   * compaction was already under way.
   */
  compact(topic: string, partition: number, options: { force?: boolean; nowMs?: number } = {}):
    Promise<(PartitionOffsets & CompactionOutcome) | null> {
    return this.#compaction.compact(partitionKey(topic, partition), topic, partition, options)
  }

  /** Test hook: ends the thread hosting the partition at once, wherever it is (as a kill would). */
  async terminateThreadOf(topic: string, partition: number): Promise<void> {
    await this.#threads.terminate(partitionKey(topic, partition))
  }

  /** Closes every partition cleanly (flush, snapshot, clean-shutdown marker) and stops the threads. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return
    this.#shutDown = true
    this.#compaction.close()
    this.#health.close()
    await this.#tasks?.close()
    await this.#threads.shutdown()
  }

  async #closeOrDelete(kind: 'close' | 'delete', key: PartitionKey): Promise<void> {
    if (!this.#threads.has(key)) return
    await this.#threads.closeOrDelete(kind, key)
    this.#health.forget(key)
  }

  /** What a thread reports besides answers. */
  #receive(message: ThreadNotice, partitionsOfThread: ReadonlyMap<PartitionKey, Placed>): void {
    switch (message.type) {
      case 'opened': {
        this.noteDamage(message.key, message.offsets)
        this.#emit(message.key, message.offsets)
        const dir = partitionsOfThread.get(message.key)?.dir
        if (dir !== undefined && !this.#shutDown) this.#health.verify(message.key, dir)
        return
      }
      case 'storage':
        this.#health.noteStorage(message)
        return
      case 'fsyncs':
        for (const listener of this.#fsyncListeners) listener(message)
        return
      case 'isrChange':
        for (const listener of this.#isrChangeListeners) listener(message)
        return
      case 'advanced':
        for (const update of message.updates) {
          const [key, logStartOffset, highWatermark, logEndOffset] = update
          this.#emit(key, { logStartOffset, highWatermark, logEndOffset },
            update.length === 6 ? { fromOffset: update[4], bytes: update[5] } : undefined)
        }
        return
    }
  }

  /**
   * The damaged partitions of this broker's log directory, with the offsets each lost (/health and
   * /metrics). Learnt when a partition opens and from every status it reports.
   */
  damagedPartitions(): { key: PartitionKey; damage: DamageRange[] }[] {
    return this.#health.damagedPartitions()
  }

  /**
   * An operator's repair of a damaged partition (`faecie partitions repair --accept-data-loss`): its
   * log start moves past the damage. Counted in `repairs` when it skipped anything.
   */
  async repair(topic: string, partition: number): Promise<PartitionResultByOp['repair']> {
    const result = await this.request(topic, partition, { op: 'repair' })
    this.#health.noteRepair(partitionKey(topic, partition), result)
    return result
  }

  /** Partitions whose disk refuses writes, with the cause: they serve reads and refuse writes. */
  storageFaults(): { key: PartitionKey; cause: string; sinceMs: number }[] {
    return this.#health.storageFaults()
  }

  /** Writes the disk refused, over every partition, since the manager started (metrics). */
  get storageErrorsTotal(): number {
    return this.#health.storageErrorsTotal
  }

  /** Records what a partition's offsets say about damage. */
  noteDamage(key: PartitionKey, offsets: Pick<PartitionOffsets, 'damage'>): void {
    this.#health.noteDamage(key, offsets)
  }

  #taskPool(): TaskPool {
    this.#tasks ??= new TaskPool({ threadsMax: this.#options.taskThreadsMax ?? 1 })
    return this.#tasks
  }

  #emit(key: PartitionKey, offsets: Omit<PartitionOffsets, 'sizeBytes' | 'segmentCount'>,
    readable?: { fromOffset: number; bytes: Uint8Array }): void {
    for (const listener of this.#listeners) listener(key, offsets, readable)
  }

  #checkRunning(): void {
    if (this.#shutDown) throw shuttingDown()
  }
}

/** The ops whose answer is the partition's offsets, damage included. */
const REPORTS_OFFSETS = new Set<PartitionRequest['op']>(['status', 'truncate', 'retention', 'updateConfig', 'compactSwap', 'checkSegment', 'repair', 'deleteRecords',
  'becomeLeader', 'becomeFollower', 'truncateReplica', 'resetReplica'])

function shuttingDown(): FaecieError {
  return new FaecieError(ErrorCode.SHUTTING_DOWN, 'the broker is shutting down')
}

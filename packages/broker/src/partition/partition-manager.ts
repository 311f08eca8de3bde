// The broker-level owner of every partition on this broker (main thread). It starts the worker
// threads that host the partition actors, places each partition on one (its own thread up to
// `partitionThreadsMax`, then the least loaded), routes requests to it, bounds what is in flight per
// partition, and supervises: when a thread dies (a broken invariant in an actor kills it), every
// request in flight to it fails with the retriable KAFKA_STORAGE_ERROR, a new thread is started and
// its partitions are reopened through recovery. The broker process lives on.
//
// It also owns the piscina task pool (tasks/task-pool.ts) where the closed segments of every partition
// it opens are verified in the background at a capped rate (closed-segment-checks.ts; a segment that
// fails is scanned by its actor and recorded as damage), and where compaction cleans: every `compactionCheckMs` it
// asks each compacted partition's actor for a plan (given only when min.cleanable.dirty.ratio is
// reached), has the pool rewrite those closed segments, and hands the result back to the actor, the
// only one that renames the partition's files, to swap in. One compaction per partition at a time.
import { strict as assert } from 'node:assert'
import { rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { builtModulePath } from '../util/built-module.js'
import { isCompacted } from '../storage/log-api.js'
import type { DamageRange } from '../storage/damage.js'
import type { CompactionOutcome } from '../storage/log.js'
import { SegmentCleaner } from '../tasks/segment-cleaner.js'
import { SegmentVerifier } from '../tasks/segment-verifier.js'
import { TaskPool } from '../tasks/task-pool.js'
import { BufferPool } from './buffer-pool.js'
import { ClosedSegmentChecks, DEFAULT_SEGMENT_VERIFY_BYTES_PER_SECOND_MAX } from './closed-segment-checks.js'
import {
  partitionKey,
  type Acks,
  type FromWorker,
  type PartitionConfig,
  type PartitionKey,
  type PartitionOffsets,
  type PartitionRequest,
  type PartitionResultByOp,
  type ReplyItem,
  type ToWorker,
} from './messages.js'

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
}

/** Hears each partition thread's periodic report of its fdatasync durations (metrics). */
export type FsyncListener = (report: { seconds: number[]; dropped: number }) => void

/** Hears a leader's wish to change its ISR (messages.ts `isrChange`). */
export type IsrChangeListener = (change: Extract<FromWorker, { type: 'isrChange' }>) => void

export type OffsetsListener = (key: PartitionKey, offsets: Omit<PartitionOffsets, 'sizeBytes' | 'segmentCount'>) => void

interface Pending {
  key: PartitionKey
  resolve(value: unknown): void
  reject(err: Error): void
}

interface Slot {
  index: number
  worker: Worker
  partitions: Map<PartitionKey, { dir: string; config: PartitionConfig }>
  inFlight: Map<number, Pending>
  opening: Map<PartitionKey, { resolve(o: PartitionOffsets): void; reject(err: Error): void }[]>
  stopping: boolean
}

export class PartitionManager {
  readonly #options: Required<Omit<PartitionManagerOptions, 'workerResourceLimits' | 'verifier' | 'cleaner' | 'taskThreadsMax'>> & PartitionManagerOptions
  readonly #logger: Logger
  readonly #slots: Slot[] = []
  readonly #placement = new Map<PartitionKey, Slot>()
  readonly #depth = new Map<PartitionKey, number>()
  readonly #listeners = new Set<OffsetsListener>()
  readonly #fsyncListeners = new Set<FsyncListener>()
  readonly #isrChangeListeners = new Set<IsrChangeListener>()
  readonly #reopenListeners = new Set<(keys: PartitionKey[]) => void>()
  readonly #pool = new BufferPool()
  #nextRequestId = 1
  #shutDown = false
  /** The cleaner pool, started on the first compaction unless one was given. */
  #cleaner: SegmentCleaner | undefined
  /** The pool for background work on closed segments, started on first use. */
  #tasks: TaskPool | undefined
  #checks: ClosedSegmentChecks | undefined
  /** Partitions whose disk refuses writes (storage-fault.ts), as they last reported. */
  readonly #storageFaults = new Map<PartitionKey, { cause: string; sinceMs: number }>()
  #storageErrorsTotal = 0
  /** Repairs that skipped offsets, and how many they skipped (metrics). */
  readonly repairs = { total: 0, offsetsSkipped: 0 }
  /** Partitions whose logs lost offsets (storage/damage.ts), as they last reported. */
  readonly #damaged = new Map<PartitionKey, DamageRange[]>()
  /** Partitions with a compaction under way: one at a time each. */
  readonly #compacting = new Set<PartitionKey>()
  readonly #compactionTimer: NodeJS.Timeout

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
    this.#cleaner = options.cleaner
    this.#compactionTimer = setInterval(() => this.#compactDirty(), this.#options.compactionCheckMs).unref()
  }

  get threadCount(): number {
    return this.#slots.length
  }

  get partitionCount(): number {
    return this.#placement.size
  }

  /** The index of the thread hosting a partition (for tests and metrics). */
  threadOf(topic: string, partition: number): number | undefined {
    return this.#placement.get(partitionKey(topic, partition))?.index
  }

  /** Requests sent to each thread (by thread index) and not yet answered: its mailbox depth. */
  threadMailboxDepths(): number[] {
    return this.#slots.map((slot) => slot.inFlight.size)
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

  /** Opens (creating or recovering) a partition and places it on a thread. */
  open(topic: string, partition: number, config: PartitionConfig): Promise<PartitionOffsets> {
    this.#checkRunning()
    const key = partitionKey(topic, partition)
    const slot = this.#placement.get(key) ?? this.#place(key)
    const dir = join(this.#options.dataDir, key)
    slot.partitions.set(key, { dir, config })
    return this.#sendOpen(slot, key, dir, config)
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
    const slot = this.#placement.get(key)
    if (slot !== undefined) await this.#closeOrDelete('delete', key)
    rmSync(join(this.#options.dataDir, key), { recursive: true, force: true })
  }

  /**
   * Appends one or more whole batches. `bytes` may be a view into memory someone else reuses: it is
   * copied into a buffer we own, which travels to the partition's thread and back.
   */
  produce(topic: string, partition: number, bytes: Uint8Array, acks: Acks = -1): Promise<PartitionResultByOp['produce']> {
    const owned = this.#pool.copy(bytes)
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
    const slot = this.#placement.get(key)
    if (slot === undefined) {
      return Promise.reject(new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${key} is not open`))
    }
    const depth = this.#depth.get(key) ?? 0
    if (depth >= this.#options.mailboxDepthMax) {
      return Promise.reject(new FaecieError(ErrorCode.MAILBOX_FULL,
        `partition ${key} has ${depth} requests in flight (mailboxDepthMax ${this.#options.mailboxDepthMax})`))
    }
    this.#depth.set(key, depth + 1)
    const requestId = this.#nextRequestId++
    const reply = new Promise<PartitionResultByOp[R['op']]>((resolve, reject) => {
      slot.inFlight.set(requestId, { key, resolve: resolve as (v: unknown) => void, reject })
      this.#post(slot, { type: 'request', key, requestId, request }, transfer === undefined ? [] : [transfer])
    })
    if (!REPORTS_OFFSETS.has(request.op)) return reply
    return reply.then((offsets) => {
      this.noteDamage(key, offsets as PartitionOffsets)
      return offsets
    })
  }

  /** Test and operations hook: makes the thread hosting the partition fail as a broken invariant would. */
  crashThreadOf(topic: string, partition: number, reason = 'requested'): void {
    const slot = this.#placement.get(partitionKey(topic, partition))
    assert(slot !== undefined, 'no such partition')
    this.#post(slot, { type: 'crash', reason })
  }

  /** Changes a partition's settings, and remembers them for a reopen after a thread restart. */
  async updateConfig(topic: string, partition: number, config: PartitionConfig): Promise<PartitionOffsets> {
    const key = partitionKey(topic, partition)
    const offsets = await this.request(topic, partition, { op: 'updateConfig', config })
    const placed = this.#placement.get(key)?.partitions.get(key)
    if (placed !== undefined) placed.config = config
    return offsets
  }

  /**
   * Compacts a partition now: the actor names the closed segments to clean (unless `force`, only when
   * min.cleanable.dirty.ratio is reached), the cleaner pool rewrites them, and the actor swaps the
   * result in. Resolves with null when there was nothing to do or a compaction was already under way.
   */
  async compact(topic: string, partition: number, options: { force?: boolean; nowMs?: number } = {}):
    Promise<(PartitionOffsets & CompactionOutcome) | null> {
    const key = partitionKey(topic, partition)
    if (this.#compacting.has(key)) return null
    this.#compacting.add(key)
    try {
      const plan = await this.request(topic, partition, { op: 'compactPlan', force: options.force ?? true })
      if (plan === null) return null
      this.#cleaner ??= new SegmentCleaner({ logger: this.#logger, pool: this.#taskPool() })
      const result = await this.#cleaner.clean(plan, options.nowMs ?? Date.now())
      return await this.request(topic, partition, { op: 'compactSwap', result })
    } finally {
      this.#compacting.delete(key)
    }
  }

  /** The periodic check: every compacted partition, against its dirty ratio. */
  #compactDirty(): void {
    if (this.#shutDown) return
    for (const [key, slot] of this.#placement) {
      const placed = slot.partitions.get(key)
      if (placed === undefined || !isCompacted(placed.config)) continue
      const cut = key.lastIndexOf('-')
      this.compact(key.slice(0, cut), Number(key.slice(cut + 1)), { force: false }).catch((err: unknown) =>
        this.#logger.warn({ err, partition: key }, 'compaction failed; it will be tried again'))
    }
  }

  /** Test hook: ends the thread hosting the partition at once, wherever it is (as a kill would). */
  async terminateThreadOf(topic: string, partition: number): Promise<void> {
    const slot = this.#placement.get(partitionKey(topic, partition))
    assert(slot !== undefined, 'no such partition')
    await slot.worker.terminate()
  }

  /** Closes every partition cleanly (flush, snapshot, clean-shutdown marker) and stops the threads. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return
    this.#shutDown = true
    clearInterval(this.#compactionTimer)
    this.#checks?.close()
    await this.#tasks?.close()
    await Promise.all(this.#slots.map(async (slot) => {
      slot.stopping = true
      const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()))
      slot.worker.postMessage({ type: 'shutdown' })
      await exited
    }))
  }

  #place(key: PartitionKey): Slot {
    let slot: Slot | undefined
    if (this.#slots.length < this.#options.partitionThreadsMax) {
      slot = this.#startSlot(this.#slots.length)
      this.#slots.push(slot)
    } else {
      slot = this.#slots.reduce((a, b) => (b.partitions.size < a.partitions.size ? b : a))
    }
    this.#placement.set(key, slot)
    return slot
  }

  #startSlot(index: number): Slot {
    const slot: Slot = {
      index, worker: this.#spawn(index), partitions: new Map(), inFlight: new Map(), opening: new Map(), stopping: false,
    }
    this.#wire(slot)
    return slot
  }

  #spawn(index: number): Worker {
    const worker = new Worker(builtModulePath('./worker-entry.js', import.meta.url), {
      workerData: { threadIndex: index },
      resourceLimits: this.#options.workerResourceLimits,
    })
    return worker
  }

  #wire(slot: Slot): void {
    const worker = slot.worker
    worker.on('message', (message: FromWorker) => this.#receive(slot, message))
    worker.on('error', (err) => this.#logger.error(
      { thread: slot.index, error: String(err), stack: err instanceof Error ? err.stack : undefined },
      'partition thread failed'))
    worker.on('exit', (code) => {
      if (slot.stopping) return
      this.#logger.error({ thread: slot.index, code }, 'partition thread exited: restarting it')
      this.#restart(slot)
    })
  }

  /** Fails what was in flight, starts a new thread in the same slot and reopens its partitions. */
  #restart(slot: Slot): void {
    const failure = (what: string): FaecieError =>
      new FaecieError(ErrorCode.KAFKA_STORAGE_ERROR, `partition thread ${slot.index} died during ${what}; retry`)
    for (const [, pending] of slot.inFlight) {
      this.#release(pending.key)
      pending.reject(failure('the request'))
    }
    slot.inFlight.clear()
    for (const [, waiters] of slot.opening) for (const w of waiters) w.reject(failure('open'))
    slot.opening.clear()
    if (this.#shutDown) return
    slot.worker = this.#spawn(slot.index)
    this.#wire(slot)
    for (const [key, { dir, config }] of slot.partitions) {
      this.#sendOpen(slot, key, dir, config).catch((err: unknown) =>
        this.#logger.error({ err, partition: key }, 'partition failed to reopen after a thread restart'))
    }
    // The reopened actors have no replication role: told now, so that whoever gave them one (the
    // cluster's reconciler) stops routing to them at once and gives it again, after the open.
    const reopened = [...slot.partitions.keys()]
    for (const listener of this.#reopenListeners) listener(reopened)
  }

  /** Hears which partitions a restarted thread reopened (without the roles they had). */
  onReopened(listener: (keys: PartitionKey[]) => void): () => void {
    this.#reopenListeners.add(listener)
    return () => this.#reopenListeners.delete(listener)
  }

  #sendOpen(slot: Slot, key: PartitionKey, dir: string, config: PartitionConfig): Promise<PartitionOffsets> {
    return new Promise((resolve, reject) => {
      const waiters = slot.opening.get(key) ?? []
      waiters.push({ resolve, reject })
      slot.opening.set(key, waiters)
      this.#post(slot, { type: 'open', key, dir, config })
    })
  }

  async #closeOrDelete(kind: 'close' | 'delete', key: PartitionKey): Promise<void> {
    const slot = this.#placement.get(key)
    if (slot === undefined) return
    const requestId = this.#nextRequestId++
    await new Promise((resolve, reject) => {
      slot.inFlight.set(requestId, { key, resolve, reject })
      this.#depth.set(key, (this.#depth.get(key) ?? 0) + 1)
      this.#post(slot, { type: kind, key, requestId })
    })
    slot.partitions.delete(key)
    this.#placement.delete(key)
    // Answers the actor still owes (acks=all answers it held, failed as it closed, may come after
    // the close's own answer): failed here, so that a late one settles nothing and the in-flight
    // count of a partition opened again under the same name starts from zero.
    for (const [id, pending] of slot.inFlight) {
      if (pending.key !== key) continue
      slot.inFlight.delete(id)
      pending.reject(new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `partition ${key} was closed on this broker`))
    }
    this.#depth.delete(key)
    this.#damaged.delete(key)
    this.#storageFaults.delete(key)
  }

  #receive(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'reply':
        this.#settle(slot, message)
        return
      case 'replies':
        for (const item of message.replies) this.#settle(slot, item)
        return
      case 'opened':
      case 'openFailed': {
        const waiters = slot.opening.get(message.key) ?? []
        slot.opening.delete(message.key)
        for (const w of waiters) {
          if (message.type === 'opened') w.resolve(message.offsets)
          else w.reject(new FaecieError(message.error.code, message.error.message))
        }
        if (message.type === 'opened') {
          this.noteDamage(message.key, message.offsets)
          this.#emit(message.key, message.offsets)
          const dir = slot.partitions.get(message.key)?.dir
          if (dir !== undefined) this.#verify(message.key, dir)
        }
        return
      }
      case 'shutdownDone':
        return
      case 'storage':
        this.#storageErrorsTotal += message.errors
        if (message.error === null) {
          if (this.#storageFaults.delete(message.key)) this.#logger.info({ partition: message.key }, 'partition writable again')
        } else this.#storageFaults.set(message.key, message.error)
        return
      case 'fsyncs':
        for (const listener of this.#fsyncListeners) listener(message)
        return
      case 'isrChange':
        for (const listener of this.#isrChangeListeners) listener(message)
        return
      case 'advanced':
        for (const [key, logStartOffset, highWatermark, logEndOffset] of message.updates) {
          this.#emit(key, { logStartOffset, highWatermark, logEndOffset })
        }
        return
    }
  }

  /**
   * The damaged partitions of this broker's log directory, with the offsets each lost (/health and
   * /metrics). Learnt when a partition opens and from every status it reports.
   */
  damagedPartitions(): { key: PartitionKey; damage: DamageRange[] }[] {
    return [...this.#damaged].map(([key, damage]) => ({ key, damage }))
  }

  /**
   * An operator's repair of a damaged partition (`faecie partitions repair --accept-data-loss`): its
   * log start moves past the damage. Counted in `repairs` when it skipped anything.
   */
  async repair(topic: string, partition: number): Promise<PartitionResultByOp['repair']> {
    const result = await this.request(topic, partition, { op: 'repair' })
    if (result.offsetsSkipped > 0) {
      this.repairs.total++
      this.repairs.offsetsSkipped += result.offsetsSkipped
      this.#logger.warn({ partition: partitionKey(topic, partition), logStartOffset: result.logStartOffset,
        offsetsSkipped: result.offsetsSkipped }, 'partition repaired with data loss accepted')
    }
    return result
  }

  /** Partitions whose disk refuses writes, with the cause: they serve reads and refuse writes. */
  storageFaults(): { key: PartitionKey; cause: string; sinceMs: number }[] {
    return [...this.#storageFaults].map(([key, fault]) => ({ key, ...fault }))
  }

  /** Writes the disk refused, over every partition, since the manager started (metrics). */
  get storageErrorsTotal(): number {
    return this.#storageErrorsTotal
  }

  /** Records what a partition's offsets say about damage. */
  noteDamage(key: PartitionKey, offsets: Pick<PartitionOffsets, 'damage'>): void {
    if (offsets.damage !== undefined && offsets.damage.length > 0) {
      if (!this.#damaged.has(key)) this.#logger.error({ partition: key, damage: offsets.damage }, 'partition is damaged')
      this.#damaged.set(key, offsets.damage)
    } else this.#damaged.delete(key)
  }

  #settle(slot: Slot, item: ReplyItem): void {
    if (item.returned !== undefined) this.#pool.release(item.returned)
    const pending = slot.inFlight.get(item.requestId)
    if (pending === undefined) return
    slot.inFlight.delete(item.requestId)
    this.#release(pending.key)
    const reply = item.reply
    if (reply.ok) pending.resolve(reply.value)
    else pending.reject(new FaecieError(reply.error.code, reply.error.message))
  }

  #taskPool(): TaskPool {
    this.#tasks ??= new TaskPool({ threadsMax: this.#options.taskThreadsMax ?? 1 })
    return this.#tasks
  }

  #verify(key: PartitionKey, dir: string): void {
    if (this.#options.verifier === false || this.#shutDown) return
    if (this.#checks === undefined) {
      const verifier = this.#options.verifier ?? new SegmentVerifier({ logger: this.#logger, pool: this.#taskPool() })
      this.#checks = new ClosedSegmentChecks({
        verify: (segment) => verifier.verifySegment(segment),
        bytesPerSecondMax: this.#options.segmentVerifyBytesPerSecondMax,
        logger: this.#logger,
        onDamaged: (damagedKey, baseOffset) => {
          // The actor scans the segment and records what it lost (it may have gone meanwhile).
          const placed = this.#placement.has(damagedKey) ? this.#requestByKey(damagedKey, { op: 'checkSegment', baseOffset }) : undefined
          placed?.catch((err: unknown) => this.#logger.warn({ err, partition: damagedKey, baseOffset }, 'damaged segment not checked'))
        },
      })
    }
    this.#checks.enqueue(key, dir)
  }

  #emit(key: PartitionKey, offsets: Omit<PartitionOffsets, 'sizeBytes' | 'segmentCount'>): void {
    for (const listener of this.#listeners) listener(key, offsets)
  }

  #release(key: PartitionKey): void {
    const depth = this.#depth.get(key) ?? 0
    assert(depth > 0, `in-flight count for ${key} went below zero`)
    this.#depth.set(key, depth - 1)
  }

  #post(slot: Slot, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(message, transfer)
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

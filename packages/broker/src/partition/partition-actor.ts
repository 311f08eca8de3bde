// One partition's actor: the only code that appends to, truncates or deletes its log. It is handed
// its storage, clock and snapshot store (so tests run it on a simulated disk without threads), and
// its host hands it everything that arrived since the last tick at once: it validates every produced
// batch (produce-validation.ts), appends all accepted batches with one write, under flush `always` makes them durable with
// one fdatasync (group commit), and only then answers. Reads are answered from the log as it stands.
// In a compacted topic it refuses records without a key, and it swaps in the segments compaction's
// cleaner rewrote (the plan and the swap are two ops; the cleaning runs on the manager's pool).
// When the disk refuses a write it degrades (storage-fault.ts): reads go on, writes are refused with
// KAFKA_STORAGE_ERROR naming the cause, and it reopens its log by itself once the disk heals.
// Its producer state (idempotence) comes from a snapshot and the log at open (producer-state-replay.ts).
// In a cluster it leads or follows (replica-ops.ts): a follower refuses clients' produce and fetch,
// a leader holds acks=all answers until its in-sync replicas have the batches (replica-state.ts).
import { strict as assert } from 'node:assert'
import { ErrorCode, readBatchHeader, stampLogAppendTime } from '@faecie/protocol'
import type { PartitionLog } from '../storage/log.js'
import type { Logger } from '../log.js'
import type {
  FetchResult,
  PartitionConfig,
  PartitionOffsets,
  PartitionReply,
  PartitionRequest,
  ProduceResult,
} from './messages.js'
import { PipelinedCommit, type HeldAck } from './pipelined-commit.js'
import { REPLICA_OPS, Replication, type ReplicaOp } from './replica-ops.js'
import type { IsrProposal } from './replica-state.js'
import { RequestError, toWireError, validateProduced } from './produce-validation.js'
import { loadProducerState } from './producer-state-replay.js'
import { DEFAULT_STORAGE_RETRY_MAX_MS, DEFAULT_STORAGE_RETRY_MIN_MS, StorageFault, storageFaultCause } from './storage-fault.js'
import {
  DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_MS,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  lastSequenceOf,
  ProducerState,
} from './producer-state.js'

/** Where the producer-state snapshot lives; the host backs it with the partition's directory. */
export interface SnapshotStore {
  read(): string | undefined
  write(text: string): void
}

/** Delivers one reply; `transfer` lists buffers the reply gives away (their owner moves with it). */
export type ReplyFn = (reply: PartitionReply, transfer?: ArrayBuffer) => void

export interface Envelope {
  request: PartitionRequest
  reply: ReplyFn
}

export interface ActorOptions {
  log: PartitionLog
  snapshots: SnapshotStore
  config: PartitionConfig
  clock: () => number
  logger: Logger
  /** Batches remembered per producer for duplicate detection (Kafka keeps 5; we allow 16 in flight). */
  producerBatchesRemembered?: number
  /** How often producers past `producer.id.expiration.ms` are forgotten (Kafka's producer.id.expiration.check.interval.ms). */
  producerIdExpirationCheckMs?: number
  /** Write a producer-state snapshot after this many bytes appended since the last one. */
  snapshotIntervalBytes?: number
  /** Largest staging buffer kept between ticks; larger ticks allocate and drop theirs. */
  stagingBytesKept?: number
  /**
   * fdatasync of files off this thread. Given, flush `always` is pipelined (pipelined-commit.ts);
   * absent, each tick syncs before answering, on this thread.
   */
  syncFiles?: (paths: readonly string[]) => Promise<void>
  /** Called after a pipelined sync completed and its acknowledgements went out. */
  onSettled?: () => void
  /**
   * Opens the partition's log again, through recovery: how a partition whose disk refused a write
   * resumes writing once it heals. Without it, a degraded partition stays read-only until restarted.
   */
  reopenLog?: (config: PartitionConfig) => PartitionLog
  /** Backoff between attempts to resume writing after a disk fault (storage-fault.ts). */
  storageRetryMinMs?: number
  storageRetryMaxMs?: number
  /** A leader proposes an ISR change (the host posts it as FromWorker `isrChange`). */
  onIsrChange?: (proposal: IsrProposal) => void
}

interface StagedProduce {
  envelope: Envelope
  baseOffset: number
  lastOffset: number
  /** Set for a duplicate: the stored batch's offsets are the answer, nothing is written. */
  duplicate: boolean
  bytes: Uint8Array
  /** The time stamped into the batch under LogAppendTime (the answer tells the same one), else -1. */
  logAppendTime: number
  /** Set once the producer got its answer (a failed commit answers only the others). */
  answered?: boolean
}

/** Ops that write to the log: refused while the disk is at fault. */
const WRITING_OPS = new Set<PartitionRequest['op']>(['produce', 'truncate', 'retention', 'updateConfig', 'compactPlan', 'compactSwap', 'checkSegment', 'repair', 'deleteRecords',
  'becomeLeader', 'appendReplica', 'truncateReplica', 'resetReplica'])
/** Ops that see every produce before them committed and wait for a running pipelined sync. */
const ORDERED_OPS = new Set<PartitionRequest['op']>(['truncate', 'retention', 'updateConfig', 'compactSwap', 'repair', 'deleteRecords',
  'becomeLeader', 'becomeFollower', 'appendReplica', 'truncateReplica', 'resetReplica'])

export class PartitionActor {
  #log: PartitionLog
  readonly #snapshots: SnapshotStore
  readonly #clock: () => number
  readonly #logger: Logger
  readonly #snapshotIntervalBytes: number
  readonly #stagingBytesKept: number
  readonly #producerIdExpirationCheckMs: number
  #nextProducerExpirationCheckMs: number
  #config: PartitionConfig
  #producers: ProducerState
  #bytesSinceSnapshot = 0
  #staging = new Uint8Array(0)
  #closed = false
  #pipeline: PipelinedCommit | undefined
  readonly #syncFiles: ((paths: readonly string[]) => Promise<void>) | undefined
  readonly #onSettled: (() => void) | undefined
  readonly #reopenLog: ((config: PartitionConfig) => PartitionLog) | undefined
  readonly #producerBatchesRemembered: number
  readonly #storageRetry: { retryMinMs: number; retryMaxMs: number }
  /** Set while the disk refuses writes: reads go on, writes get its error. */
  #fault: StorageFault | undefined
  /** Times the disk refused a write since the actor started (metrics). */
  storageErrorCount = 0
  /** Requests waiting, in order, for a pipelined sync to end before an op that changes segments. */
  #deferred: Envelope[] = []
  /** Leader, follower or a single broker's partition (replica-ops.ts). */
  readonly #replication: Replication

  constructor(options: ActorOptions) {
    this.#log = options.log
    this.#snapshots = options.snapshots
    this.#config = options.config
    this.#clock = options.clock
    this.#logger = options.logger
    this.#snapshotIntervalBytes = options.snapshotIntervalBytes ?? 64 * 1024 * 1024
    this.#stagingBytesKept = options.stagingBytesKept ?? 8 * 1024 * 1024
    this.#producerIdExpirationCheckMs = options.producerIdExpirationCheckMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_MS
    assert(this.#producerIdExpirationCheckMs >= 1, `producerIdExpirationCheckMs of ${this.#producerIdExpirationCheckMs}`)
    this.#producerBatchesRemembered = options.producerBatchesRemembered ?? 16
    this.#reopenLog = options.reopenLog
    this.#storageRetry = {
      retryMinMs: options.storageRetryMinMs ?? DEFAULT_STORAGE_RETRY_MIN_MS,
      retryMaxMs: options.storageRetryMaxMs ?? DEFAULT_STORAGE_RETRY_MAX_MS,
    }
    assert(this.#storageRetry.retryMinMs >= 1 && this.#storageRetry.retryMaxMs >= this.#storageRetry.retryMinMs,
      `storage retry backoff ${this.#storageRetry.retryMinMs}..${this.#storageRetry.retryMaxMs} ms`)
    this.#producers = loadProducerState(this.#log, this.#snapshots, this.#producerBatchesRemembered, this.#logger)
    // Producers that expired while the partition was closed are not brought back by the snapshot.
    const nowMs = this.#clock()
    this.#producers.expire(nowMs, this.#producerIdExpirationMs)
    this.#nextProducerExpirationCheckMs = nowMs + this.#producerIdExpirationCheckMs
    this.#onSettled = options.onSettled
    this.#syncFiles = options.syncFiles
    this.#pipeline = this.#newPipeline()
    this.#replication = new Replication({
      log: () => this.#log, config: () => this.#config, producers: () => this.#producers, offsets: () => this.offsets,
      writeSnapshot: () => this.#writeSnapshot(), clock: this.#clock, logger: this.#logger, onIsrChange: options.onIsrChange,
    })
  }

  #newPipeline(): PipelinedCommit | undefined {
    const syncFiles = this.#syncFiles
    return syncFiles === undefined ? undefined : new PipelinedCommit({
      log: this.#log,
      syncFiles,
      onSettled: () => this.#afterSync(),
      onFailure: (err) => {
        const cause = storageFaultCause(err)
        if (cause === undefined) setImmediate(() => { throw err })
        else this.#degrade(err, cause)
      },
    })
  }

  /** What the disk refused, while writes are refused; undefined when the partition writes. */
  get storageError(): { cause: string; sinceMs: number } | undefined {
    return this.#fault === undefined ? undefined : { cause: this.#fault.cause, sinceMs: this.#fault.sinceMs }
  }

  /**
   * The disk refused a write: refuse writes from now on (held acknowledgements fail), keep reading,
   * and try to reopen the log after a backoff.
   */
  #degrade(err: unknown, cause: string): void {
    this.storageErrorCount++
    if (this.#fault !== undefined) return
    this.#fault = new StorageFault(cause, this.#clock(), this.#storageRetry)
    this.#logger.error({ err, cause, retryInMs: this.#fault.backoffMs }, 'disk refused a write: partition is read-only until it heals')
    const error = this.#fault.error()
    this.#pipeline?.abandon(error.code, error.message)
    this.#failDeferred(error.code, error.message)
  }

  /** Reopens the log through recovery; on success writes resume, otherwise the backoff grows. */
  #tryHeal(nowMs: number): void {
    const fault = this.#fault!
    let fresh: PartitionLog
    try {
      fresh = this.#reopenLog!(this.#config)
    } catch (err) {
      fault.retryFailed(nowMs)
      this.#logger.warn({ err, cause: fault.cause, retryInMs: fault.backoffMs }, 'disk still refuses writes')
      return
    }
    this.#log.abandon()
    this.#log = fresh
    this.#pipeline = this.#newPipeline()
    // Produces staged before the fault may have left producer state the log never got.
    this.#producers = loadProducerState(this.#log, this.#snapshots, this.#producerBatchesRemembered, this.#logger)
    this.#fault = undefined
    this.#replication.logReplaced()
    this.#logger.info({ cause: fault.cause, degradedMs: nowMs - fault.sinceMs, logEndOffset: fresh.logEndOffset },
      'disk accepts writes again: partition writable')
  }

  get offsets(): PartitionOffsets {
    const log = this.#log
    return {
      logStartOffset: log.logStartOffset,
      highWatermark: log.highWatermark,
      logEndOffset: log.logEndOffset,
      sizeBytes: log.sizeBytes,
      segmentCount: log.segmentCount,
      ...(log.damage.length > 0 ? { damage: [...log.damage] } : {}),
    }
  }

  get config(): PartitionConfig {
    return this.#config
  }

  /** Handles everything that arrived since the last tick; produces are appended and synced once. */
  tick(envelopes: Envelope[]): void {
    assert(!this.#closed, 'tick on a closed actor')
    if (this.#deferred.length > 0) {
      // Something waits for a sync to end: everything after it waits too, in order.
      for (const envelope of envelopes) this.#deferred.push(envelope)
      return
    }
    // One reading of the clock per tick: the time stamped into the batches, the one their answers
    // tell and the producers' last append are the same instant.
    const nowMs = this.#clock()
    let staged: StagedProduce[] = []
    for (let i = 0; i < envelopes.length; i++) {
      const envelope = envelopes[i]!
      const request = envelope.request
      if (this.#fault !== undefined && WRITING_OPS.has(request.op)) {
        envelope.reply({ ok: false, error: toWireError(this.#fault.error()) })
        continue
      }
      if (request.op === 'produce') {
        const refusal = this.#replication.clientOpRefusal() ?? (request.acks === -1 ? this.#replication.allAcksRefusal() : undefined)
        if (refusal !== undefined) {
          envelope.reply({ ok: false, error: toWireError(refusal) })
          continue
        }
        const accepted = this.#stage(envelope, request.bytes, staged, nowMs)
        if (accepted !== undefined) staged.push(accepted)
        continue
      }
      // Ops that change the log see every produce that arrived before them committed first.
      if (ORDERED_OPS.has(request.op)) {
        this.#commit(staged, nowMs)
        staged = []
        if (this.#pipeline?.running === true) {
          this.#deferred = envelopes.slice(i)
          return
        }
      }
      this.#answer(envelope, () => this.#handle(request))
    }
    this.#commit(staged, nowMs)
    this.#replication.release()
  }

  /** A pipelined sync ended: run what waited for it, then let the host report. */
  #afterSync(): void {
    if (this.#closed) return
    if (this.#deferred.length > 0 && this.#pipeline?.running !== true) this.tick(this.#deferred.splice(0))
    this.#replication.release()
    this.#onSettled?.()
  }

  /** Time-driven work between ticks: the `interval` flush policy, and forgetting idle producers. */
  onTimer(nowMs: number): void {
    if (this.#closed) return
    if (this.#fault !== undefined) {
      if (nowMs >= this.#fault.retryAtMs && this.#reopenLog !== undefined && this.#pipeline?.running !== true) this.#tryHeal(nowMs)
      return
    }
    if (this.#config.flush === 'interval') this.#guardWrite(() => this.#log.maybeFlush(nowMs))
    this.#replication.onTimer(nowMs)
    if (nowMs >= this.#nextProducerExpirationCheckMs) {
      this.#nextProducerExpirationCheckMs = nowMs + this.#producerIdExpirationCheckMs
      this.#guardWrite(() => this.#expireProducers(nowMs))
    }
  }

  get #producerIdExpirationMs(): number {
    return this.#config.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS
  }

  /** Forgets producers idle past `producer.id.expiration.ms`, in memory and in the snapshot. */
  #expireProducers(nowMs: number): void {
    const expired = this.#producers.expire(nowMs, this.#producerIdExpirationMs)
    if (expired === 0) return
    this.#logger.info({ expired, producers: this.#producers.producerCount }, 'idempotent producer ids expired')
    this.#writeSnapshot()
  }

  /** Drops what the log can reload (indexes of the active segment), for a partition gone idle. */
  releaseMemory(): void {
    // Index entries are written out first: a disk that refuses them degrades the partition.
    if (this.#fault === undefined) this.#guardWrite(() => this.#log.releaseMemory())
    this.#staging = new Uint8Array(0)
  }

  /** Flushes, snapshots producer state and closes the log with its clean-shutdown marker. */
  close(): void {
    if (this.#closed) return
    this.#replication.close()
    if (this.#fault !== undefined) {
      // Nothing more can be made durable: files are closed as they are, and the next open recovers.
      this.#failDeferred(ErrorCode.KAFKA_STORAGE_ERROR, 'the partition closed before this request ran; retry')
      this.#log.abandon()
      this.#closed = true
      return
    }
    this.#log.flush()
    this.#pipeline?.settledSynchronously()
    this.#failDeferred(ErrorCode.KAFKA_STORAGE_ERROR, 'the partition closed before this request ran; retry')
    this.#writeSnapshot()
    this.#replication.checkpointHighWatermark()
    this.#log.close()
    this.#closed = true
  }

  delete(): void {
    this.#replication.close()
    this.#pipeline?.abandon(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'the partition was deleted')
    this.#failDeferred(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'the partition was deleted')
    if (!this.#closed) this.#log.close()
    this.#closed = true
    this.#log.delete()
  }

  #answer(envelope: Envelope, work: () => unknown): void {
    try {
      const value = work()
      if (isFetchResult(value)) {
        const owned = ownedCopy(value.bytes)
        envelope.reply({ ok: true, value: { ...value, bytes: owned } }, owned.buffer as ArrayBuffer)
      } else {
        envelope.reply({ ok: true, value })
      }
    } catch (err) {
      const cause = storageFaultCause(err)
      if (cause !== undefined && WRITING_OPS.has(envelope.request.op)) this.#degrade(err, cause)
      envelope.reply({ ok: false, error: cause === undefined ? toWireError(err) : { code: ErrorCode.KAFKA_STORAGE_ERROR, message: `Storage error: ${cause}.` } })
    }
  }

  /** Runs a housekeeping write; a disk fault degrades the partition rather than ending the thread. */
  #guardWrite(work: () => unknown): void {
    try {
      work()
    } catch (err) {
      const cause = storageFaultCause(err)
      if (cause === undefined) throw err
      this.#degrade(err, cause)
    }
  }

  #handle(request: Exclude<PartitionRequest, { op: 'produce' }>): unknown {
    const log = this.#log
    if (REPLICA_OPS.has(request.op)) return this.#replication.handle(request as ReplicaOp)
    if (request.op === 'fetch' || request.op === 'listOffsets') {
      const refusal = this.#replication.clientOpRefusal()
      if (refusal !== undefined) throw refusal
    }
    switch (request.op) {
      case 'fetch': {
        const read = log.read(request.offset, request.maxBytes)
        const result: FetchResult = {
          bytes: read.bytes,
          logStartOffset: read.logStartOffset,
          highWatermark: read.highWatermark,
          logEndOffset: log.logEndOffset,
        }
        return result
      }
      case 'listOffsets': {
        const spec = request.spec
        if (spec === 'earliest') return { offset: log.logStartOffset }
        if (spec === 'latest') return { offset: log.highWatermark }
        const found = log.offsetForTimestamp(spec.timestamp)
        return { offset: found === null || found >= log.highWatermark ? -1 : Math.max(found, log.logStartOffset) }
      }
      case 'status':
        return { ...this.offsets, ...this.#replication.statusExtras() }
      case 'truncate':
        log.truncateTo(request.offset)
        this.#producers.truncateFrom(request.offset)
        this.#writeSnapshot()
        return this.offsets
      case 'retention': {
        const before = log.segmentCount
        log.applyRetention(this.#clock())
        return { ...this.offsets, segmentsDeleted: before - log.segmentCount }
      }
      case 'updateConfig':
        this.#config = { ...this.#config, ...request.config }
        log.updateConfig(request.config)
        return this.offsets
      case 'compactPlan':
        return log.compactionPlan(request.force)
      case 'compactSwap': {
        const outcome = log.swapCleaned(request.result)
        return { ...this.offsets, ...outcome }
      }
      case 'checkSegment':
        log.checkClosedSegment(request.baseOffset)
        return this.offsets
      case 'repair': {
        const outcome = log.repairDamage()
        return { ...this.offsets, offsetsSkipped: outcome.offsetsSkipped, segmentsDeleted: outcome.segmentsDeleted }
      }
      case 'deleteRecords': {
        const outcome = log.deleteRecordsBefore(request.offset === -1 ? log.highWatermark : request.offset)
        return { ...this.offsets, segmentsDeleted: outcome.segmentsDeleted }
      }
    }
  }

  /** Validates one produce request; answers it at once if refused, else returns it staged. */
  #stage(envelope: Envelope, bytes: Uint8Array, staged: StagedProduce[], nowMs: number): StagedProduce | undefined {
    try {
      const batches = validateProduced(bytes, this.#config)
      const next = nextOffset(staged, this.#log.logEndOffset)
      const first = readBatchHeader(bytes, 0)
      const logAppendTime = this.#config.timestampType === 'LogAppendTime' ? nowMs : -1
      let records = 0
      for (const pos of batches) records += readBatchHeader(bytes, pos).lastOffsetDelta + 1
      if (first.producerId >= 0) {
        const lastSequence = lastSequenceOf(first.baseSequence, first.lastOffsetDelta)
        const verdict = this.#producers.check(first.producerId, first.producerEpoch, first.baseSequence, lastSequence)
        switch (verdict.kind) {
          case 'duplicate':
            return {
              envelope, baseOffset: verdict.batch.baseOffset, lastOffset: verdict.batch.lastOffset, duplicate: true, bytes, logAppendTime,
            }
          case 'fenced-epoch':
            throw new RequestError(ErrorCode.INVALID_PRODUCER_EPOCH,
              `producer ${first.producerId} epoch ${first.producerEpoch} is older than ${verdict.current}`)
          case 'out-of-order':
            throw new RequestError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
              `producer ${first.producerId}: sequence ${first.baseSequence}, expected ${verdict.expected}`)
          case 'append':
            this.#producers.record(first.producerId, first.producerEpoch,
              { firstSequence: first.baseSequence, lastSequence, baseOffset: next, lastOffset: next + records - 1 },
              nowMs)
        }
      }
      if (logAppendTime >= 0) for (const pos of batches) stampLogAppendTime(bytes, pos, logAppendTime)
      return { envelope, baseOffset: next, lastOffset: next + records - 1, duplicate: false, bytes, logAppendTime }
    } catch (err) {
      envelope.reply({ ok: false, error: toWireError(err) })
      return undefined
    }
  }

  #failDeferred(code: number, message: string): void {
    for (const envelope of this.#deferred.splice(0)) envelope.reply({ ok: false, error: { code, message } })
  }

  /** Appends every staged batch with one write, syncs once under flush `always`, then answers. */
  #commit(staged: StagedProduce[], nowMs: number): void {
    if (staged.length === 0) return
    try {
      this.#append(staged, nowMs)
    } catch (err) {
      const cause = storageFaultCause(err)
      if (cause === undefined) throw err
      // Nothing of this tick is acknowledged: the producers retry, and an idempotent one is told a
      // duplicate if recovery kept what the failed write got onto the disk.
      this.#degrade(err, cause)
      const error = this.#fault!.error()
      for (const s of staged) if (s.answered !== true) s.envelope.reply({ ok: false, error: toWireError(error) })
    }
  }

  /** #commit's work: one write, one sync under `always` (or held for the pipelined one), answers. */
  #append(staged: StagedProduce[], nowMs: number): void {
    const fresh = staged.filter((s) => !s.duplicate)
    if (fresh.length > 0) {
      const expectedBase = fresh[0]!.baseOffset
      const bytes = fresh.length === 1 ? fresh[0]!.bytes : this.#gather(fresh)
      assert(expectedBase === this.#log.logEndOffset, `staged base ${expectedBase} != log end ${this.#log.logEndOffset}`)
      const appended = this.#log.append(bytes, this.#replication.stampEpoch)
      assert(appended.baseOffset === expectedBase && appended.lastOffset === fresh[fresh.length - 1]!.lastOffset,
        `log gave ${appended.baseOffset}..${appended.lastOffset}, actor expected ${expectedBase}..`)
      this.#bytesSinceSnapshot += bytes.length
    }
    const pipelined = this.#config.flush === 'always' && this.#pipeline !== undefined
    if (this.#config.flush === 'always' && !pipelined) this.#log.flush()
    else if (this.#config.flush === 'interval') this.#log.maybeFlush(nowMs)
    if (this.#bytesSinceSnapshot >= this.#snapshotIntervalBytes) this.#writeSnapshot()
    const logStartOffset = this.#log.logStartOffset
    const acks: HeldAck[] = staged.map((s) => {
      const result: ProduceResult = {
        baseOffset: s.baseOffset, lastOffset: s.lastOffset, logAppendTime: s.logAppendTime, logStartOffset, duplicate: s.duplicate,
      }
      // The produced bytes go back to the sender's pool: they were copied into the log.
      const returned = s.bytes.byteOffset === 0 ? (s.bytes.buffer as ArrayBuffer) : undefined
      const ack: HeldAck = {
        lastOffset: s.lastOffset,
        send: () => {
          s.answered = true
          s.envelope.reply({ ok: true, value: result }, returned)
        },
        fail: (code, message) => {
          s.answered = true
          s.envelope.reply({ ok: false, error: { code, message } })
        },
      }
      return s.envelope.request.op === 'produce' && s.envelope.request.acks === -1 ? this.#replication.waitForReplicas(ack, nowMs) : ack
    })
    if (pipelined) this.#pipeline!.hold(acks)
    else for (const ack of acks) ack.send()
  }

  #gather(fresh: StagedProduce[]): Uint8Array {
    let total = 0
    for (const s of fresh) total += s.bytes.length
    if (this.#staging.length < total) this.#staging = new Uint8Array(Math.max(total, this.#staging.length * 2))
    let pos = 0
    for (const s of fresh) {
      this.#staging.set(s.bytes, pos)
      pos += s.bytes.length
    }
    const view = this.#staging.subarray(0, total)
    if (this.#staging.length > this.#stagingBytesKept) this.#staging = new Uint8Array(0)
    return view
  }

  #writeSnapshot(): void {
    this.#snapshots.write(this.#producers.serialize(this.#log.logEndOffset))
    this.#bytesSinceSnapshot = 0
  }

}

/** The offset the next fresh batch gets: after the last staged batch that will be written. */
function nextOffset(staged: StagedProduce[], logEndOffset: number): number {
  for (let i = staged.length - 1; i >= 0; i--) if (!staged[i]!.duplicate) return staged[i]!.lastOffset + 1
  return logEndOffset
}

function isFetchResult(value: unknown): value is FetchResult {
  return typeof value === 'object' && value !== null && (value as FetchResult).bytes instanceof Uint8Array
}

/** A Uint8Array that owns its whole ArrayBuffer, so it can be transferred without detaching others. */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  // An empty read may be a constant shared by every caller: transferring it twice in one message
  // would fail, and transferring it at all would detach it for everyone.
  if (bytes.length === 0) return new Uint8Array(0)
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes
  }
  return bytes.slice()
}

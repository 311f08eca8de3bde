// One partition's actor: the only code that appends to, truncates or deletes its log. It is handed
// its storage, clock and snapshot store (so tests run it on a simulated disk without threads), and
// its host hands it everything that arrived since the last tick at once: it stages every produced
// batch (produce-staging.ts: validated by produce-validation.ts, its producer's sequence checked),
// appends all accepted batches with one write, under flush `always` makes them durable with one
// fdatasync (group commit), and only then answers. Other ops (actor-ops.ts) see every produce before
// them committed first. Reads are answered from the log as it stands.
// In a compacted topic it refuses records without a key, and it swaps in the segments compaction's
// cleaner rewrote (the plan and the swap are two ops; the cleaning runs on the manager's pool).
// When the disk refuses a write it degrades (storage-fault.ts): reads go on, writes are refused with
// KAFKA_STORAGE_ERROR naming the cause, and it reopens its log by itself once the disk heals.
// Its producer state (idempotence) comes from a snapshot and the log at open (producer-state-replay.ts).
// In a cluster it leads or follows (replica-ops.ts): a follower refuses clients' produce and fetch,
// a leader holds acks=all answers until its in-sync replicas have the batches (replica-state.ts).
import { strict as assert } from 'node:assert'
import { ErrorCode } from '@faecie/protocol'
import type { PartitionLog } from '../storage/log.js'
import type { Logger } from '../log.js'
import type { ActorOptions, Envelope, SnapshotStore } from './actor-options.js'
import { handleLogOp, ORDERED_OPS, readableBytes, replyWith, WRITING_OPS, type LogOp, type LogOpHost } from './actor-ops.js'
import type { PartitionConfig, PartitionOffsets, PartitionRequest } from './messages.js'
import { PipelinedCommit, type HeldAck } from './pipelined-commit.js'
import { produceAck, stageProduce, StagingBuffer, type StagedProduce } from './produce-staging.js'
import { REPLICA_OPS, Replication, type ReplicaOp } from './replica-ops.js'
import { toWireError } from './produce-validation.js'
import { loadProducerState } from './producer-state-replay.js'
import { DEFAULT_STORAGE_RETRY_MAX_MS, DEFAULT_STORAGE_RETRY_MIN_MS, StorageFault, storageFaultCause } from './storage-fault.js'
import { DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_MS, DEFAULT_PRODUCER_ID_EXPIRATION_MS, ProducerState } from './producer-state.js'

export type { ActorOptions, Envelope, ReplyFn, SnapshotStore } from './actor-options.js'

export class PartitionActor {
  #log: PartitionLog
  readonly #snapshots: SnapshotStore
  readonly #clock: () => number
  readonly #logger: Logger
  readonly #snapshotIntervalBytes: number
  /** Where a tick's staged batches are gathered for their one write (produce-staging.ts). */
  readonly #staging: StagingBuffer
  readonly #producerIdExpirationCheckMs: number
  #nextProducerExpirationCheckMs: number
  #config: PartitionConfig
  #producers: ProducerState
  #bytesSinceSnapshot = 0
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
  /** What the log ops (actor-ops.ts) borrow. */
  readonly #logOps: LogOpHost

  constructor(options: ActorOptions) {
    this.#log = options.log
    this.#snapshots = options.snapshots
    this.#config = options.config
    this.#clock = options.clock
    this.#logger = options.logger
    this.#snapshotIntervalBytes = options.snapshotIntervalBytes ?? 64 * 1024 * 1024
    this.#staging = new StagingBuffer(options.stagingBytesKept ?? 8 * 1024 * 1024)
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
    this.#logOps = {
      log: () => this.#log, producers: () => this.#producers, offsets: () => this.offsets,
      statusExtras: () => this.#replication.statusExtras(), writeSnapshot: () => this.#writeSnapshot(),
      mergeConfig: (partial) => { this.#config = { ...this.#config, ...partial } }, clock: this.#clock,
    }
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
    // acks=all answers waiting for the high watermark: the leader's own end may never be made durable.
    this.#replication.failHeld(error.code, error.message)
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

  /** The whole batches [from, to) in a buffer of their own, if at most bytesMax (actor-ops.ts readableBytes). */
  readableBytes(from: number, to: number, bytesMax: number): Uint8Array | undefined {
    if (this.#closed) return undefined
    try {
      return readableBytes(this.#log, from, to, bytesMax)
    } catch {
      // A read the disk refused: the gateway's own read meets the error and answers it.
      return undefined
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
        const accepted = stageProduce(envelope, request.bytes, staged, nowMs, this.#config, this.#producers, this.#log.logEndOffset)
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
    this.#staging.release()
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
      replyWith(envelope, work())
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
    if (REPLICA_OPS.has(request.op)) return this.#replication.handle(request as ReplicaOp)
    if (request.op === 'fetch' || request.op === 'listOffsets') {
      const refusal = this.#replication.clientOpRefusal()
      if (refusal !== undefined) throw refusal
    }
    return handleLogOp(request as LogOp, this.#logOps)
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
    this.#bytesSinceSnapshot += this.#staging.appendFresh(this.#log, staged, this.#replication.stampEpoch)
    const pipelined = this.#config.flush === 'always' && this.#pipeline !== undefined
    if (this.#config.flush === 'always' && !pipelined) this.#log.flush()
    else if (this.#config.flush === 'interval') this.#log.maybeFlush(nowMs)
    if (this.#bytesSinceSnapshot >= this.#snapshotIntervalBytes) this.#writeSnapshot()
    const logStartOffset = this.#log.logStartOffset
    const acks: HeldAck[] = staged.map((s) => {
      const ack = produceAck(s, logStartOffset)
      return s.envelope.request.op === 'produce' && s.envelope.request.acks === -1 ? this.#replication.waitForReplicas(ack, nowMs) : ack
    })
    if (pipelined) this.#pipeline!.hold(acks)
    else for (const ack of acks) ack.send()
  }

  #writeSnapshot(): void {
    this.#snapshots.write(this.#producers.serialize(this.#log.logEndOffset))
    this.#bytesSinceSnapshot = 0
  }
}

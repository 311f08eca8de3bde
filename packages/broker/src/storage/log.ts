// The log of one partition: its segments, its offsets, and every operation the partition actor
// performs on them (append, flush, read, truncate, retention, close). It owns the partition's
// directory; nothing else writes there except the actor's producer-state snapshot.
//
// Its pieces: the open path and close (log-open.ts, which draws the directory's files), the read
// path (log-read.ts), the append path (log-append.ts), the flush path (log-flush.ts), and the log
// start moving up or the tail cut off (log-trim.ts). This class checks, guards and asserts; they act.
//
// Compaction (cleanup.policy=compact): compactionPlan() names the closed segments a cleaner may
// rewrite (compaction-plan.ts; cleaner.ts, on a piscina thread); swapCleaned() puts its output in
// place of each segment that has not changed meanwhile (compaction-swap.ts). Offsets and segment
// base offsets never change.
//
// Offsets: logStartOffset <= highWatermark <= logEndOffset, and recoveryPoint <= logEndOffset.
// - logStartOffset is the first segment's base offset (or the first damaged offset, when the damage
//   lies before it); retention moves it a whole segment at a time. A repair (repairDamage) moves it
//   past the last damage, and DeleteRecords (deleteRecordsBefore) to the offset asked for, inside a
//   segment if need be; always written to log-start-offset before anything is deleted (log-trim.ts).
// - Damage (damage.ts): offsets the log lost, found by recovery, by the continuity checks at open or
//   by the background CRC check. A read of them is LOG_DAMAGED, reads around them step over their
//   bytes (log-read.ts). Retention and truncation drop the ranges they pass; a
//   repair leaves them below the new log start (reads still step over their bytes), where they no
//   longer count as damage.
// - highWatermark bounds what consumers read. Under flush `always` it moves only when flush() has
//   made the records durable, so nothing a consumer saw can vanish in a power cut; under `interval`
//   and `never` it moves on append (the documented risk). A replicated partition caps it further
//   (limitHighWatermark): a leader at the lowest log end offset of its other in-sync replicas, a
//   follower at its leader's. The rule is log-flush.ts nextHighWatermark; it never moves back
//   except when a truncation cuts the log below it.
// - recoveryPoint: every batch below it is durable, and so are the indexes of every segment before
//   the one holding its last record. flush() moves it; the file follows lazily (log-flush.ts). Under
//   `never` it moves only at close, so recovery after a crash rescans every segment written since
//   the last clean open.
//
// Durability order (a roll: log-append.ts; a flush: log-flush.ts; a truncation and deletions:
// log-trim.ts): after any power cut, recovery sees a prefix of what was written, and all it flushed.
import { strict as assert } from 'node:assert'
import { dirname } from 'node:path'
import { BATCH_HEADER_BYTES } from '@faecie/protocol'
import { createLogger, type Logger } from '../log.js'
import { writeCleanerCheckpoint } from './checkpoint.js'
import type { CleanerResult } from './cleaner.js'
import { planCompaction, type CompactionPlan } from './compaction-plan.js'
import { swapCleanedSegments, type CompactionOutcome } from './compaction-swap.js'
import type { Disk } from './disk.js'
import { offsetOutOfRange, storageCorrupt } from './errors.js'
import { deletesByRetention, isCompacted, type AppendResult, type LogConfig, type Offset, type ReadResult } from './log-api.js'
import { appendBatches, rollSegment, type LogAppendState } from './log-append.js'
import { validateLogConfig } from './log-config.js'
import { beginPipelinedFlush, completePipelinedFlush, flushAll, flushDue, nextHighWatermark, persistRecoveryPoint, type LogFlushState,
  type LogOffsets, type PendingFlush } from './log-flush.js'
import { closeCleanly, closeFiles, logStartOffsetOf, openLog } from './log-open.js'
import { deleteRecordsTo, deleteRetainedSegments, moveLogStartTo, repairPastDamage, truncateLogTo, type LogTrimState } from './log-trim.js'
import { findOffsetForTimestamp, prepareSegment, readBatches, type LogReadState } from './log-read.js'
import { rebuildTrustedIndexes, type RecoveryContext, type RecoveryReport } from './recovery.js'
import type { DamageRange, LogDamage } from './damage.js'
import type { LogStartCheckpoint } from './log-start.js'
import { segmentsPastRetention, type DeletedSegment } from './retention.js'
import type { SegmentSet } from './segment-set.js'
import { UnflushedSegments } from './unflushed-segments.js'

export interface PartitionLogOptions {
  /** The partition's directory; created when missing. */
  dir: string
  config: LogConfig
  disk: Disk
  /** Milliseconds since the epoch; used for segment.ms and the flush interval. */
  clock: () => number
  logger?: Logger
}

export interface ReadOptions {
  /** `highWatermark` (default): what consumers may see. `logEnd`: everything appended (the actor's own replay). */
  isolation?: 'highWatermark' | 'logEnd'
}

export type { DeletedSegment }

export type { CompactionOutcome, CompactionPlan }

export type { PendingFlush }

export interface RetentionResult {
  deleted: DeletedSegment[]
  logStartOffset: number
}

export class PartitionLog {
  readonly dir: string
  /** What the last open found and repaired. */
  readonly recoveryReport: RecoveryReport
  readonly #disk: Disk
  readonly #clock: () => number
  readonly #logger: Logger
  #config: LogConfig
  readonly #segments: SegmentSet
  /** highWatermark, recoveryPoint and when they last moved (log-flush.ts). */
  readonly #offsets: LogOffsets
  /** What the next flush has to make durable (unflushed-segments.ts). */
  readonly #unflushed = new UnflushedSegments()
  /** Compaction has cleaned every closed segment below this offset (the cleaner checkpoint). */
  #cleanedUpTo: number
  #closed = false
  /** The error that left the in-memory state unsure; the actor must reopen through recovery. */
  #failure: unknown = undefined
  /** Offsets lost, in order (damage.ts); mirrored in the damage file. Ranges below the log start were repaired. */
  readonly #damage: LogDamage
  /** The log start retention, a repair or DeleteRecords set, kept in log-start-offset (log-start.ts). */
  readonly #start: LogStartCheckpoint
  /** What the open, read, append, flush and trim paths (log-*.ts) are lent. */
  readonly #state: LogReadState & LogAppendState & LogFlushState & LogTrimState
  /** Replication's cap on the high watermark (limitHighWatermark); undefined: not replicated. */
  #highWatermarkLimit: number | undefined = undefined

  private constructor(options: PartitionLogOptions, config: LogConfig, logger: Logger) {
    this.dir = options.dir
    this.#disk = options.disk
    this.#clock = options.clock
    this.#logger = logger
    this.#config = config
    const nowMs = this.#clock()
    const opened = openLog(this.#recoveryContext(nowMs))
    this.recoveryReport = opened.report
    this.#damage = opened.damage
    this.#start = opened.start
    this.#segments = opened.segments
    const logEndOffset = this.logEndOffset
    this.#offsets = { highWatermark: logEndOffset, recoveryPoint: logEndOffset, recoveryPointOnDisk: opened.recoveryPointOnDisk, lastFlushMs: nowMs }
    this.#cleanedUpTo = opened.cleanedUpTo
    this.#state = { disk: this.#disk, dir: this.dir, segments: this.#segments, damage: this.#damage, start: this.#start,
      unflushed: this.#unflushed, offsets: this.#offsets, logger: this.#logger, clock: this.#clock,
      indexesFailed: (segment, endOffset) =>
        this.markDamaged(rebuildTrustedIndexes(this.#recoveryContext(this.#clock()), segment, endOffset, this.recoveryReport)) }
  }

  /** Creates the partition directory or recovers it; the log accepts writes when this returns. */
  static open(options: PartitionLogOptions): PartitionLog {
    const config = validateLogConfig({ ...options.config })
    const logger = options.logger ?? createLogger({ module: 'storage', dir: options.dir })
    return new PartitionLog(options, config, logger)
  }

  get logStartOffset(): number {
    return logStartOffsetOf(this.#segments, this.#damage, this.#start)
  }

  /** The offsets this log lost (damage.ts) and not yet repaired, in order; empty for a healthy log. */
  get damage(): readonly DamageRange[] {
    return this.#damage.above(this.logStartOffset)
  }

  /**
   * `faecie partitions repair --accept-data-loss`: moves the log start past the last damage, so that
   * the partition serves from there without LOG_DAMAGED; segments wholly below it are deleted. The
   * only operation that skips offsets, and only when an operator asks. Durable when it returns.
   */
  repairDamage(): { logStartOffset: number; offsetsSkipped: number; segmentsDeleted: number } {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    return repairPastDamage(this.#state, this.recoveryReport, (newStart) => this.#moveLogStart(newStart))
  }

  /**
   * Kafka's DeleteRecords: the log start moves up to `offset` (never down; at most the high
   * watermark, else OFFSET_OUT_OF_RANGE), even inside a segment, and the segments wholly below it are
   * deleted. Reads below it answer OFFSET_OUT_OF_RANGE from then on. Refused with POLICY_VIOLATION
   * under `cleanup.policy=compact` (Kafka's rule: only a log that deletes may lose its head). Durable
   * when it returns.
   */
  deleteRecordsBefore(offset: number): { logStartOffset: number; segmentsDeleted: number } {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    return deleteRecordsTo(this.#state, this.#config, offset, (newStart) => this.#moveLogStart(newStart))
  }

  /**
   * Empties the log and starts it again at `offset`, past its end (Kafka's truncateFullyAndStartAt: a
   * follower whose leader's log start moved past it). A new empty segment at `offset` goes in first,
   * then the log start moves there (durable first, log-trim.ts), deleting every older segment; a crash
   * between leaves the old segments and a gap, which the next open reports as damage.
   */
  restartAt(offset: number): void {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    assert(Number.isSafeInteger(offset) && offset > this.logEndOffset, `restart at ${offset}, not past the log end ${this.logEndOffset}`)
    this.#guard(() => rollSegment(this.#state, this.#clock(), offset as Offset))
    this.#moveLogStart(offset)
    this.#checkOffsets()
  }

  /** Moves the log start up to `newStart` (log-trim.ts: durable first); returns how many segments went. */
  #moveLogStart(newStart: number): number {
    let segmentsDeleted = 0
    this.#guard(() => {
      segmentsDeleted = moveLogStartTo(this.#state, newStart)
      this.#checkOffsets()
    })
    return segmentsDeleted
  }

  /**
   * Records offsets found lost after open (the background CRC check, an index rebuilt on first
   * read): merged into the damage file and logged at error level.
   */
  markDamaged(found: readonly DamageRange[]): void {
    this.#checkOpen()
    this.#damage.record(found)
  }

  /**
   * The background check found closed segment `baseOffset` bad: it is scanned whole, its indexes
   * rebuilt, and what it lost recorded as damage. A segment no longer here (or now active) is skipped.
   */
  checkClosedSegment(baseOffset: number): void {
    this.#checkOpen()
    const i = this.#segments.floorIndex(baseOffset)
    if (i < 0 || i >= this.#segments.count - 1 || this.#segments.at(i).baseOffset !== baseOffset) return
    this.#state.indexesFailed(prepareSegment(this.#state, i), this.#segments.endOffsetOf(i))
  }

  get highWatermark(): number {
    return this.#offsets.highWatermark
  }

  get logEndOffset(): number {
    return this.#segments.active.nextOffset
  }

  /**
   * What this log may acknowledge: the flushed end (the recovery point) under flush `always`, the
   * log end otherwise. A replica reports it as its log end to its leader.
   */
  get stableEndOffset(): number {
    return this.#config.flush === 'always' ? this.#offsets.recoveryPoint : this.logEndOffset
  }

  /** The disk this log lives on (the partition's other files beside it: leader-epoch-cache.ts). */
  get disk(): Disk {
    return this.#disk
  }

  /**
   * Replication caps the high watermark at `limit` (a leader: the lowest log end offset of its other
   * in-sync replicas; a follower: its leader's high watermark); undefined lifts the cap (a partition
   * that is not replicated). It never moves back. Returns the high watermark.
   */
  limitHighWatermark(limit: number | undefined): number {
    this.#checkOpen()
    assert(limit === undefined || Number.isSafeInteger(limit), `high watermark limit ${limit}`)
    this.#highWatermarkLimit = limit
    this.#advanceHighWatermark()
    return this.#offsets.highWatermark
  }

  /**
   * Replication starts the high watermark of a log just opened (which opens with it at its end) from
   * a safe value, `offset` (the replication-offset-checkpoint, at most the log end): the only move
   * down besides truncation. The replication limit then raises it.
   */
  restartHighWatermark(offset: number): void {
    this.#checkOpen()
    assert(Number.isSafeInteger(offset) && offset >= this.logStartOffset && offset <= this.#offsets.highWatermark,
      `high watermark restart at ${offset} outside [${this.logStartOffset}, ${this.#offsets.highWatermark}]`)
    this.#offsets.highWatermark = offset
  }

  /** The one place the high watermark moves up (log-flush.ts nextHighWatermark). */
  #advanceHighWatermark(): void {
    this.#offsets.highWatermark = nextHighWatermark(this.#offsets.highWatermark, this.stableEndOffset, this.#highWatermarkLimit)
  }

  get recoveryPoint(): number {
    return this.#offsets.recoveryPoint
  }

  get sizeBytes(): number {
    return this.#segments.sizeBytes
  }

  get segmentCount(): number {
    return this.#segments.count
  }

  get config(): Readonly<LogConfig> {
    return this.#config
  }

  /**
   * Appends whole batches, back to back, that the caller has already checked. Each gets the next
   * offsets (its baseOffset and partitionLeaderEpoch are rewritten in place, outside the CRC). Bytes
   * go out with one write per segment touched; a batch never spans segments. `bytes` is not kept.
   */
  append(bytes: Uint8Array, leaderEpoch = 0): AppendResult {
    this.#checkWritable()
    assert(bytes.length >= BATCH_HEADER_BYTES, `append of ${bytes.length} bytes: not a batch`)
    const baseOffset = this.logEndOffset
    let next = baseOffset
    this.#guard(() => {
      next = appendBatches(this.#state, this.#config, bytes, leaderEpoch, this.#clock())
    })
    this.#advanceHighWatermark()
    return { baseOffset, lastOffset: next - 1 }
  }

  /** Starts a new segment now, unless the active one is empty. */
  roll(): void {
    this.#checkWritable()
    if (this.#segments.active.sizeBytes === 0) return
    this.#guard(() => rollSegment(this.#state, this.#clock()))
  }

  /**
   * Makes everything appended durable (fdatasync of each segment written since the last flush: one
   * per tick is the group commit), then moves the recovery point and the high watermark to the end.
   */
  flush(): void {
    this.#checkWritable()
    this.#guard(() => {
      flushAll(this.#state)
      this.#advanceHighWatermark()
      this.#checkOffsets()
    })
  }

  /** True while a pipelined flush is between beginFlush and completeFlush. */
  get flushing(): boolean {
    return this.#unflushed.flushing
  }

  /** True when something appended is not yet durable (nor being made durable). */
  get dirty(): boolean {
    return this.#unflushed.dirty
  }

  /**
   * The pipelined group commit, step one: the caller fdatasyncs `paths` off-thread while this thread
   * goes on appending, then calls completeFlush. Rolled segments' indexes are synced here, at once.
   * Null when nothing is waiting. One pending flush at a time; truncation, retention and compaction
   * swaps wait for it (asserted), since they close and delete segment files.
   */
  beginFlush(): PendingFlush | null {
    this.#checkWritable()
    assert(!this.#unflushed.flushing, 'a pipelined flush is already running')
    if (!this.dirty) return null
    let pending: PendingFlush | null = null
    this.#guard(() => {
      pending = beginPipelinedFlush(this.#state)
    })
    return pending
  }

  /** The pipelined group commit, step two: the syncs of `pending` are done; offsets move to its end. */
  completeFlush(pending: PendingFlush): void {
    this.#checkWritable()
    this.#unflushed.complete()
    this.#guard(() => {
      completePipelinedFlush(this.#state, pending)
      this.#advanceHighWatermark()
      this.#checkOffsets()
    })
  }

  /**
   * The policy's flush, for the actor's housekeeping: `interval` flushes when flushMs has passed
   * since the last flush, `always` whenever something is unflushed, `never` never. True if it did.
   */
  maybeFlush(nowMs: number): boolean {
    if (!flushDue(this.#state, this.#config, nowMs)) return false
    this.flush()
    return true
  }

  /**
   * Whole batches from the one holding `offset`: at least one whole batch even when it is larger
   * than `maxBytes` (Kafka's rule), otherwise as many whole batches as fit, all from one segment,
   * none at or past the high watermark (or the log end, with isolation `logEnd`). `offset` from
   * that end up to the log end gives empty bytes (as Kafka answers: a consumer that read up to an old
   * leader's high watermark asks a new leader, whose high watermark catches up a fetch later, for an
   * offset it does have); below logStartOffset or past the log end is OFFSET_OUT_OF_RANGE.
   * `bytes` is a view on a buffer of its own (at most one batch longer than the view).
   */
  read(offset: number, maxBytes: number, options: ReadOptions = {}): ReadResult {
    this.#checkOpen()
    const end = options.isolation === 'logEnd' ? this.logEndOffset : this.#offsets.highWatermark
    const start = this.logStartOffset
    if (!Number.isSafeInteger(offset) || offset < start || offset > this.logEndOffset) throw offsetOutOfRange(offset, start, this.logEndOffset)
    if (offset >= end) return { bytes: new Uint8Array(0), logStartOffset: start, highWatermark: this.#offsets.highWatermark }
    return { bytes: readBatches(this.#state, offset, end, maxBytes), logStartOffset: start, highWatermark: this.#offsets.highWatermark }
  }

  /**
   * The base offset of the first batch whose maxTimestamp is at least `timestampMs`, below the high
   * watermark; null when there is none. (Kafka answers with the record's own offset; without decoding
   * records we answer with its batch's, which a consumer reads from just the same.)
   */
  offsetForTimestamp(timestampMs: number): number | null {
    this.#checkOpen()
    return findOffsetForTimestamp(this.#state, timestampMs, this.#offsets.highWatermark)
  }

  /**
   * Removes every record at or after `offset` (a replica's divergent tail). Batches are never split:
   * if `offset` falls inside a batch, the whole batch goes, and the log end becomes that batch's base.
   * Segments wholly past it are deleted. Durable when it returns.
   */
  truncateTo(offset: number): void {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    assert(Number.isSafeInteger(offset) && offset >= this.logStartOffset && offset <= this.logEndOffset,
      `truncation to ${offset} outside [${this.logStartOffset}, ${this.logEndOffset}]`)
    if (offset === this.logEndOffset) return
    this.#guard(() => {
      truncateLogTo(this.#state, offset, (truncatedTo) => {
        // What is appended after the cut has not been cleaned, whatever the checkpoint said.
        if (this.#cleanedUpTo > truncatedTo) this.#persistCleanerCheckpoint(truncatedTo)
      })
      this.#checkOffsets()
    })
  }

  /** Deletes the segments past retention (rules in retention.ts); logStartOffset moves to the next base. */
  applyRetention(nowMs: number): RetentionResult {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    if (!deletesByRetention(this.#config)) return { deleted: [], logStartOffset: this.logStartOffset }
    const victims = segmentsPastRetention(this.#segments, this.#config, nowMs, this.#offsets.highWatermark)
    if (victims.length === 0) return { deleted: [], logStartOffset: this.logStartOffset }
    this.#guard(() => {
      deleteRetainedSegments(this.#state, victims)
      this.#checkOffsets()
    })
    const deleted = victims.map((v) => v.deleted)
    this.#logger.info({ deleted, logStartOffset: this.logStartOffset }, 'retention deleted segments')
    return { deleted, logStartOffset: this.logStartOffset }
  }

  /**
   * The closed segments compaction may rewrite now (compaction-plan.ts), their files made durable
   * first (the cleaner reads them and the swap replaces them). Null when the log is not compacted,
   * when there is nothing to clean, or, unless `force`, when the dirty ratio is below
   * min.cleanable.dirty.ratio.
   */
  compactionPlan(force = false): CompactionPlan | null {
    this.#checkWritable()
    if (!isCompacted(this.#config)) return null
    // The cleaner reads whole segments: a damaged log is not compacted until it is repaired.
    if (this.#damage.ranges.length > 0) return null
    const plan = planCompaction(this.dir, this.#segments, this.#offsets.highWatermark, this.#cleanedUpTo, this.#config, force)
    if (plan === null) return null
    this.#guard(() => this.#unflushed.syncClosed(this.#disk, this.#segments.active))
    return plan
  }

  /**
   * Puts a cleaner's output in place (compaction-swap.ts): each cleaned segment that is still here,
   * closed and of the size the cleaner read replaces the original; the output of any other is
   * discarded (retention or a truncation got there first). Offsets do not move.
   */
  swapCleaned(result: CleanerResult): CompactionOutcome {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    assert(result.dir === this.dir, `cleaned segments of ${result.dir} offered to ${this.dir}`)
    let outcome: CompactionOutcome = { segmentsSwapped: 0, segmentsSkipped: 0, bytesBefore: 0, bytesAfter: 0 }
    const before = [this.logStartOffset, this.#offsets.highWatermark, this.logEndOffset]
    this.#guard(() => {
      outcome = swapCleanedSegments(this.#disk, this.dir, this.#segments, result, (segment) => this.#unflushed.forget([segment]))
      if (outcome.segmentsSkipped === 0 && result.endOffset > this.#cleanedUpTo) {
        this.#persistCleanerCheckpoint(result.endOffset)
      }
      const after = [this.logStartOffset, this.#offsets.highWatermark, this.logEndOffset]
      assert(after.every((v, k) => v === before[k]), `compaction moved offsets: ${before.join(',')} -> ${after.join(',')}`)
      this.#checkOffsets()
    })
    this.#logger.info({ ...outcome, cleanedUpTo: this.#cleanedUpTo }, 'compacted segments swapped in')
    return outcome
  }

  /** Changes settings at run time; they apply from the next append, roll or retention check. */
  updateConfig(partial: Partial<LogConfig>): void {
    this.#checkOpen()
    const config = validateLogConfig({ ...this.#config, ...partial })
    this.#config = config
    // Records already appended become visible at once when `always` is dropped.
    this.#advanceHighWatermark()
  }

  /** Drops caches an idle partition does not need (index entries are written out first). */
  releaseMemory(): void {
    this.#checkOpen()
    this.#guard(() => {
      this.#segments.releaseClosed(this.#disk)
      this.#segments.active.offsetIndex.release(this.#disk)
      this.#segments.active.timeIndex.release(this.#disk)
    })
  }

  /**
   * Flushes, completes the indexes, and leaves the clean-shutdown marker; the log is unusable after.
   * A log that failed earlier only closes its files: no marker, so the next open recovers.
   */
  close(): void {
    if (this.#closed) return
    if (this.#failure !== undefined) {
      closeFiles(this.#state)
      this.#closed = true
      return
    }
    this.flush()
    this.#guard(() => closeCleanly(this.#state))
    this.#closed = true
  }

  /**
   * Closes the files as they are, without flushing or a clean-shutdown marker: a log the disk failed
   * under, given up for a fresh open (which recovers what it left half done).
   */
  abandon(): void {
    if (this.#closed) return
    closeFiles(this.#state, 'closing a segment of an abandoned log failed')
    this.#closed = true
  }

  /** Closes the files without flushing and removes the partition's directory. */
  delete(): void {
    closeFiles(this.#state)
    this.#closed = true
    this.#disk.rmTree(this.dir)
    this.#disk.fsyncDir(dirname(this.dir))
  }

  #persistCleanerCheckpoint(offset: number): void {
    writeCleanerCheckpoint(this.#disk, this.dir, offset)
    this.#cleanedUpTo = offset
  }

  #recoveryContext(nowMs: number): RecoveryContext {
    return { disk: this.#disk, dir: this.dir, logger: this.#logger, indexIntervalBytes: this.#config.indexIntervalBytes, nowMs }
  }

  #guard(operation: () => void): void {
    try {
      operation()
    } catch (err) {
      this.#failure = err
      throw err
    }
  }

  #checkOpen(): void {
    assert(!this.#closed, `partition log ${this.dir} used after close`)
  }

  #checkWritable(): void {
    this.#checkOpen()
    if (this.#failure !== undefined) {
      throw storageCorrupt(`${this.dir} failed earlier and must be reopened`, this.#failure)
    }
  }

  #checkOffsets(): void {
    const start = this.logStartOffset
    const hw = this.#offsets.highWatermark
    const end = this.logEndOffset
    assert(start <= hw && hw <= end, `offsets out of order: ${start} <= ${hw} <= ${end}`)
    assert(this.#offsets.recoveryPoint <= end, `recovery point ${this.#offsets.recoveryPoint} past the log end ${end}`)
  }
}

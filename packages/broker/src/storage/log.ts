// The log of one partition: its segments, its offsets, and every operation the partition actor
// performs on them (append, flush, read, truncate, retention, close). It owns the partition's
// directory; nothing else writes there except the actor's producer-state snapshot.
//
//   DATA_DIR/TOPIC-PARTITION/
//     00000000000000000000.log         batches back to back (segment.ts)
//     00000000000000000000.index       sparse offset -> position, 8-byte entries (offset-index.ts)
//     00000000000000000000.timeindex   sparse timestamp -> offset, 12-byte entries (time-index.ts)
//     00000000000000004711.log         the next segment, named by its base offset, 20 digits
//     00000000000000004711.index       (index files appear when a segment gets entries or rolls)
//     00000000000000004711.timeindex
//     recovery-point                   "1\n<offset>\n": fdatasynced below it (checkpoint.ts)
//     .clean-shutdown                  "1\n<log end>\n": present only between close and open
//     producer-state                   the actor's idempotence snapshot (partition/)
//     cleaner-checkpoint               "1\n<offset>\n": compaction cleaned below it (checkpoint.ts)
//     damage                           offsets lost to damaged or missing files (damage.ts)
//     log-start-offset                 "1\n<offset>\n": the log start offset, written whenever it moves
//                                      (checkpoint.ts); checked against the first segment at open
//                                      (log-start.ts)
//     *.tmp *.deleted *.cleaned *.swap leftovers of an interrupted operation (recovery.ts,
//                                      compaction-swap.ts)
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
//   segment if need be. Whenever it moves it is written to
//   log-start-offset first, then the segments below it are deleted; so at open a first segment that
//   starts past the file's offset is a lost file (damage), not retention (log-start.ts).
// - Damage (damage.ts): offsets the log lost, found by recovery, by the continuity checks at open or
//   by the background CRC check. A read of them is LOG_DAMAGED; reads on either side stop before
//   the damaged bytes and start after them. Retention and truncation drop the ranges they pass; a
//   repair leaves them below the new log start (reads still step over their bytes), where they no
//   longer count as damage.
// - highWatermark bounds what consumers read. Under flush `always` it moves only when flush() has
//   made the records durable, so nothing a consumer saw can vanish in a power cut; under `interval`
//   and `never` it moves on append (the documented risk).
// - recoveryPoint: every batch below it is durable, and so are the indexes of every segment before
//   the one holding its last record. flush() moves it; the file follows lazily, when the recovery
//   point enters a new segment (recovery rescans whole segments, so a finer file would save nothing)
//   and whenever it must go down (truncation). Under `never` it moves only at close, so recovery
//   after a crash rescans every segment written since the last clean open.
//
// Durability order: a roll seals the old segment (its indexes written out, fsynced by the next flush,
// before the recovery point passes them), creates the new .log and fsyncs the directory before any
// batch goes there; a flush fsyncs indexes, then logs, then moves the recovery point; a truncation
// lowers the recovery-point file before it cuts, and fdatasyncs the cut; deletions fsync the
// directory. So after any power cut, recovery sees a prefix of what was written, and all it flushed.
import { strict as assert } from 'node:assert'
import { dirname } from 'node:path'
import { BATCH_HEADER_BYTES, ErrorCode, FaecieError } from '@faecie/protocol'
import { createLogger, type Logger } from '../log.js'
import { writeCleanShutdown, writeCleanerCheckpoint, writeRecoveryPoint } from './checkpoint.js'
import type { CleanerResult } from './cleaner.js'
import { planCompaction, type CompactionPlan } from './compaction-plan.js'
import { swapCleanedSegments, type CompactionOutcome } from './compaction-swap.js'
import type { Disk } from './disk.js'
import { offsetOutOfRange, storageCorrupt } from './errors.js'
import { deletesByRetention, isCompacted, type AppendResult, type LogConfig, type ReadResult } from './log-api.js'
import { appendBatches, rollSegment, type LogAppendState } from './log-append.js'
import { validateLogConfig } from './log-config.js'
import { logStartOffsetOf, openLog } from './log-open.js'
import { findOffsetForTimestamp, prepareSegment, readBatches, type LogReadState } from './log-read.js'
import { rebuildTrustedIndexes, type RecoveryContext, type RecoveryReport } from './recovery.js'
import type { DamageRange, LogDamage } from './damage.js'
import type { LogStartCheckpoint } from './log-start.js'
import type { Segment } from './segment.js'
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

/** A flush whose fdatasyncs run off-thread (beginFlush); completeFlush moves the offsets after them. */
export interface PendingFlush {
  /** The .log files to fdatasync. */
  readonly paths: readonly string[]
  /** Everything below this offset is durable once those syncs are done. */
  readonly endOffset: number
  readonly segments: readonly Segment[]
}

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
  #highWatermark: number
  #recoveryPoint: number
  #recoveryPointOnDisk: number
  /** What the next flush has to make durable (unflushed-segments.ts). */
  readonly #unflushed = new UnflushedSegments()
  #lastFlushMs: number
  /** Compaction has cleaned every closed segment below this offset (the cleaner checkpoint). */
  #cleanedUpTo: number
  #closed = false
  /** The error that left the in-memory state unsure; the actor must reopen through recovery. */
  #failure: unknown = undefined
  /** Offsets lost, in order (damage.ts); mirrored in the damage file. Ranges below the log start were repaired. */
  readonly #damage: LogDamage
  /** The log start retention, a repair or DeleteRecords set, kept in log-start-offset (log-start.ts). */
  readonly #start: LogStartCheckpoint
  /** What the read path (log-read.ts) and the append path (log-append.ts) are lent. */
  readonly #reads: LogReadState
  readonly #writes: LogAppendState

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
    this.#highWatermark = this.logEndOffset
    this.#recoveryPoint = this.logEndOffset
    this.#recoveryPointOnDisk = opened.recoveryPointOnDisk
    this.#lastFlushMs = nowMs
    this.#cleanedUpTo = opened.cleanedUpTo
    this.#reads = { disk: this.#disk, dir: this.dir, segments: this.#segments, damage: this.#damage, logger: this.#logger,
      indexesFailed: (segment, endOffset) => this.markDamaged(rebuildTrustedIndexes(this.#recoveryContext(this.#clock()), segment, endOffset, this.recoveryReport)) }
    this.#writes = { disk: this.#disk, dir: this.dir, segments: this.#segments, unflushed: this.#unflushed, logger: this.#logger }
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
    const damage = this.damage
    const before = this.logStartOffset
    if (damage.length === 0) return { logStartOffset: before, offsetsSkipped: 0, segmentsDeleted: 0 }
    const newStart = damage[damage.length - 1]!.resumeOffset
    assert(newStart <= this.logEndOffset, `repair to ${newStart} past the log end ${this.logEndOffset}`)
    const segmentsDeleted = this.#moveLogStart(newStart)
    const offsetsSkipped = newStart - before
    this.recoveryReport.damagedOffsets = 0
    this.#logger.warn({ before, logStartOffset: newStart, offsetsSkipped, repaired: damage, segmentsDeleted },
      'partition repaired: log start moved past the damage, offsets below it are gone')
    return { logStartOffset: newStart, offsetsSkipped, segmentsDeleted }
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
    if (!deletesByRetention(this.#config)) {
      throw new FaecieError(ErrorCode.POLICY_VIOLATION, `Records of ${this.dir} cannot be deleted: its cleanup.policy is ${this.#config.cleanupPolicy}.`)
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.#highWatermark) {
      throw offsetOutOfRange(offset, this.logStartOffset, this.#highWatermark)
    }
    const before = this.logStartOffset
    if (offset <= before) return { logStartOffset: before, segmentsDeleted: 0 }
    const segmentsDeleted = this.#moveLogStart(offset)
    this.#logger.info({ before, logStartOffset: offset, segmentsDeleted }, 'records deleted: log start moved')
    return { logStartOffset: this.logStartOffset, segmentsDeleted }
  }

  /**
   * Moves the log start up to `newStart` (a repair, or DeleteRecords): the new start is made durable
   * first, so a crash after it leaves only segments wholly below it, which open deletes; then those
   * segments go. Returns how many went.
   */
  #moveLogStart(newStart: number): number {
    let segmentsDeleted = 0
    this.#guard(() => {
      this.#start.move(newStart, false)
      while (this.#segments.count > 1 && this.#segments.endOffsetOf(0) <= newStart) {
        const segment = this.#segments.shift()
        segment.delete(this.#disk)
        this.#unflushed.forget([segment])
        segmentsDeleted++
      }
      if (segmentsDeleted > 0) this.#disk.fsyncDir(this.dir)
      if (this.#highWatermark < newStart) this.#highWatermark = newStart
      if (this.#recoveryPoint < newStart) this.#recoveryPoint = newStart
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
    const segment = prepareSegment(this.#reads, i)
    const found = rebuildTrustedIndexes(this.#recoveryContext(this.#clock()), segment, this.#segments.endOffsetOf(i), this.recoveryReport)
    this.markDamaged(found)
  }

  get highWatermark(): number {
    return this.#highWatermark
  }

  get logEndOffset(): number {
    return this.#segments.active.nextOffset
  }

  get recoveryPoint(): number {
    return this.#recoveryPoint
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
    try {
      return this.#append(bytes, leaderEpoch)
    } catch (err) {
      this.#failure = err
      throw err
    }
  }

  #append(bytes: Uint8Array, leaderEpoch: number): AppendResult {
    const baseOffset = this.logEndOffset
    const next = appendBatches(this.#writes, this.#config, bytes, leaderEpoch, this.#clock())
    if (this.#config.flush !== 'always') this.#highWatermark = next
    return { baseOffset, lastOffset: next - 1 }
  }

  /** Starts a new segment now, unless the active one is empty. */
  roll(): void {
    this.#checkWritable()
    if (this.#segments.active.sizeBytes === 0) return
    this.#guard(() => rollSegment(this.#writes, this.#clock()))
  }

  /**
   * Makes everything appended durable (fdatasync of each segment written since the last flush: one
   * per tick is the group commit), then moves the recovery point and the high watermark to the end.
   */
  flush(): void {
    this.#checkWritable()
    this.#guard(() => {
      // A sync still running off-thread may not have finished: this flush promises all of it, and
      // supersedes it (its completeFlush must not come: the caller abandons it).
      this.#unflushed.syncAll(this.#disk)
      const logEndOffset = this.logEndOffset
      this.#recoveryPoint = logEndOffset
      this.#highWatermark = logEndOffset
      this.#lastFlushMs = this.#clock()
      const segments = this.#segments
      if (segments.floorIndex(this.#recoveryPointOnDisk) !== segments.floorIndex(logEndOffset)) {
        this.#persistRecoveryPoint(logEndOffset)
      }
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
      const segments = this.#unflushed.begin(this.#disk)
      pending = { paths: segments.map((s) => s.logPath), endOffset: this.logEndOffset, segments }
    })
    return pending
  }

  /** The pipelined group commit, step two: the syncs of `pending` are done; offsets move to its end. */
  completeFlush(pending: PendingFlush): void {
    this.#checkWritable()
    this.#unflushed.complete()
    this.#guard(() => {
      const end = pending.endOffset
      if (end > this.#recoveryPoint) this.#recoveryPoint = end
      if (end > this.#highWatermark) this.#highWatermark = end
      this.#lastFlushMs = this.#clock()
      const segments = this.#segments
      if (segments.floorIndex(this.#recoveryPointOnDisk) !== segments.floorIndex(end)) this.#persistRecoveryPoint(end)
      this.#checkOffsets()
    })
  }

  /**
   * The policy's flush, for the actor's housekeeping: `interval` flushes when flushMs has passed
   * since the last flush, `always` whenever something is unflushed, `never` never. True if it did.
   */
  maybeFlush(nowMs: number): boolean {
    const dirty = this.#unflushed.anyWritten || this.#highWatermark < this.logEndOffset
    const due = this.#config.flush === 'always' || (this.#config.flush === 'interval' && nowMs - this.#lastFlushMs >= this.#config.flushMs)
    if (!dirty || !due) return false
    this.flush()
    return true
  }

  /**
   * Whole batches from the one holding `offset`: at least one whole batch even when it is larger
   * than `maxBytes` (Kafka's rule), otherwise as many whole batches as fit, all from one segment,
   * none at or past the high watermark (or the log end, with isolation `logEnd`). `offset` equal to
   * that end gives empty bytes; below logStartOffset or past the end is OFFSET_OUT_OF_RANGE.
   * `bytes` is a view on a buffer of its own (at most one batch longer than the view).
   */
  read(offset: number, maxBytes: number, options: ReadOptions = {}): ReadResult {
    this.#checkOpen()
    const end = options.isolation === 'logEnd' ? this.logEndOffset : this.#highWatermark
    const start = this.logStartOffset
    if (!Number.isSafeInteger(offset) || offset < start || offset > end) throw offsetOutOfRange(offset, start, end)
    return { bytes: readBatches(this.#reads, offset, end, maxBytes), logStartOffset: start, highWatermark: this.#highWatermark }
  }

  /**
   * The base offset of the first batch whose maxTimestamp is at least `timestampMs`, below the high
   * watermark; null when there is none. (Kafka answers with the record's own offset; without decoding
   * records we answer with its batch's, which a consumer reads from just the same.)
   */
  offsetForTimestamp(timestampMs: number): number | null {
    this.#checkOpen()
    return findOffsetForTimestamp(this.#reads, timestampMs, this.#highWatermark)
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
    this.#guard(() => this.#truncateTo(offset))
  }

  #truncateTo(offset: number): void {
    const disk = this.#disk
    // The recovery point goes down first, to where the cut will be (a batch is never split): a crash
    // half way then rescans, never trusts, the cut segment, and finds no promised offset missing.
    const found = prepareSegment(this.#reads, this.#segments.floorIndex(offset)).findBatch(disk, offset)
    const cut = found === null ? offset : Math.min(offset, found.baseOffset)
    if (this.#recoveryPointOnDisk > cut) this.#persistRecoveryPoint(Math.min(this.#recoveryPoint, cut))
    // What is appended after the cut has not been cleaned, whatever the checkpoint said.
    if (this.#cleanedUpTo > offset) this.#persistCleanerCheckpoint(offset)
    const keep = this.#segments.floorIndex(offset)
    const segment = prepareSegment(this.#reads, keep)
    const removed = this.#segments.truncateAfter(keep)
    for (let i = removed.length - 1; i >= 0; i--) removed[i]!.delete(disk)
    segment.truncateTo(disk, offset)
    if (segment.sealed) segment.activate(disk, this.#clock())
    disk.fdatasync(segment.fd(disk))
    if (removed.length > 0) disk.fsyncDir(this.dir)
    this.#unflushed.forget(removed)
    const logEndOffset = this.logEndOffset
    this.#recoveryPoint = Math.min(this.#recoveryPoint, logEndOffset)
    this.#highWatermark = Math.min(this.#highWatermark, logEndOffset)
    this.#damage.retain((r) => r.resumeOffset <= offset)
    this.#logger.info({ offset, logEndOffset, segmentsRemoved: removed.length }, 'log truncated')
    this.#checkOffsets()
  }

  /** Deletes the segments past retention (rules in retention.ts); logStartOffset moves to the next base. */
  applyRetention(nowMs: number): RetentionResult {
    this.#unflushed.assertNoPipelinedFlush()
    this.#checkWritable()
    if (!deletesByRetention(this.#config)) return { deleted: [], logStartOffset: this.logStartOffset }
    const victims = segmentsPastRetention(this.#segments, this.#config, nowMs, this.#highWatermark)
    if (victims.length === 0) return { deleted: [], logStartOffset: this.logStartOffset }
    this.#guard(() => {
      // The new start is made durable first: a crash after it leaves segments wholly below it, which
      // open deletes, never a first segment past the checkpoint (which open takes for a lost file).
      this.#start.move(Math.max(this.#segments.at(victims.length).baseOffset, this.#start.floor), true)
      for (const { segment } of victims) {
        assert(this.#segments.shift() === segment, 'retention deletes from the front')
        segment.delete(this.#disk)
        this.#unflushed.forget([segment])
      }
      this.#disk.fsyncDir(this.dir)
      if (!this.#start.persisted) this.#start.move(this.#start.floor, true)
      // Damage below what retention deleted is gone with it.
      const first = this.#segments.first.baseOffset
      this.#damage.retain((r) => r.resumeOffset > first)
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
    const plan = planCompaction(this.dir, this.#segments, this.#highWatermark, this.#cleanedUpTo, this.#config, force)
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
    const before = [this.logStartOffset, this.#highWatermark, this.logEndOffset]
    this.#guard(() => {
      outcome = swapCleanedSegments(this.#disk, this.dir, this.#segments, result, (segment) => this.#unflushed.forget([segment]))
      if (outcome.segmentsSkipped === 0 && result.endOffset > this.#cleanedUpTo) {
        this.#persistCleanerCheckpoint(result.endOffset)
      }
      const after = [this.logStartOffset, this.#highWatermark, this.logEndOffset]
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
    if (config.flush !== 'always') this.#highWatermark = this.logEndOffset
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
      for (const segment of this.#segments.all()) segment.closeFd(this.#disk)
      this.#closed = true
      return
    }
    this.flush()
    this.#guard(() => {
      for (const segment of this.#segments.all()) segment.close(this.#disk)
      const logEndOffset = this.logEndOffset
      if (this.#recoveryPointOnDisk !== logEndOffset) this.#persistRecoveryPoint(logEndOffset)
      writeCleanShutdown(this.#disk, this.dir, logEndOffset)
    })
    this.#closed = true
  }

  /**
   * Closes the files as they are, without flushing or a clean-shutdown marker: a log the disk failed
   * under, given up for a fresh open (which recovers what it left half done).
   */
  abandon(): void {
    if (this.#closed) return
    for (const segment of this.#segments.all()) {
      try {
        segment.closeFd(this.#disk)
      } catch (err) {
        this.#logger.warn({ err, segment: segment.logPath }, 'closing a segment of an abandoned log failed')
      }
    }
    this.#closed = true
  }

  /** Closes the files without flushing and removes the partition's directory. */
  delete(): void {
    for (const segment of this.#segments.all()) segment.closeFd(this.#disk)
    this.#closed = true
    this.#disk.rmTree(this.dir)
    this.#disk.fsyncDir(dirname(this.dir))
  }

  #persistRecoveryPoint(offset: number): void {
    writeRecoveryPoint(this.#disk, this.dir, offset)
    this.#recoveryPointOnDisk = offset
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
    const hw = this.#highWatermark
    const end = this.logEndOffset
    assert(start <= hw && hw <= end, `offsets out of order: ${start} <= ${hw} <= ${end}`)
    assert(this.#recoveryPoint <= end, `recovery point ${this.#recoveryPoint} past the log end ${end}`)
  }
}

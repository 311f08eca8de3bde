// The log of one partition: its segments, its offsets, and every operation the partition actor
// performs on them (append, flush, read, truncate, retention, close). It owns the partition's
// directory; nothing else writes there except the actor's producer-state snapshot.
//
// Its pieces: its state, offsets and their invariants, checks and guards (log-core.ts, which this
// class extends), the open path and close (log-open.ts, which draws the directory's files), the read
// path (log-read.ts), the append path (log-append.ts), the flush path (log-flush.ts), and the log
// start moving up or the tail cut off (log-trim.ts). This class checks, guards and asserts; they act.
//
// Compaction (cleanup.policy=compact): compactionPlan() names the closed segments a cleaner may
// rewrite (compaction-plan.ts; cleaner.ts, on a piscina thread); swapCleaned() puts its output in
// place of each segment that has not changed meanwhile (compaction-swap.ts). Offsets and segment
// base offsets never change.
//
// Offsets (logStartOffset <= highWatermark <= logEndOffset, recoveryPoint <= logEndOffset): what each
// means and how it may move is told in log-core.ts.
//
// Durability order (a roll: log-append.ts; a flush: log-flush.ts; a truncation and deletions:
// log-trim.ts): after any power cut, recovery sees a prefix of what was written, and all it flushed.
import { strict as assert } from 'node:assert'
import { dirname } from 'node:path'
import { BATCH_HEADER_BYTES } from '@faecie/protocol'
import { createLogger, type Logger } from '../log.js'
import type { CleanerResult } from './cleaner.js'
import { planCompaction, type CompactionPlan } from './compaction-plan.js'
import { swapCleanedSegments, type CompactionOutcome } from './compaction-swap.js'
import { offsetOutOfRange } from './errors.js'
import { deletesByRetention, isCompacted, type AppendResult, type LogConfig, type Offset, type ReadResult } from './log-api.js'
import { appendBatches, rollSegment } from './log-append.js'
import { validateLogConfig } from './log-config.js'
import { beginPipelinedFlush, completePipelinedFlush, flushAll, flushDue, type PendingFlush } from './log-flush.js'
import { PartitionLogCore, type PartitionLogOptions } from './log-core.js'
import { closeCleanly, closeFiles } from './log-open.js'
import { deleteRecordsTo, deleteRetainedSegments, repairPastDamage, truncateLogTo } from './log-trim.js'
import { findOffsetForTimestamp, prepareSegment, readBatches } from './log-read.js'
import { segmentsPastRetention, type DeletedSegment } from './retention.js'

export type { PartitionLogOptions }

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

export class PartitionLog extends PartitionLogCore {
  private constructor(options: PartitionLogOptions, config: LogConfig, logger: Logger) {
    super(options, config, logger)
  }

  /** Creates the partition directory or recovers it; the log accepts writes when this returns. */
  static open(options: PartitionLogOptions): PartitionLog {
    const config = validateLogConfig({ ...options.config })
    const logger = options.logger ?? createLogger({ module: 'storage', dir: options.dir })
    return new PartitionLog(options, config, logger)
  }

  /**
   * `faecie partitions repair --accept-data-loss`: moves the log start past the last damage, so that
   * the partition serves from there without LOG_DAMAGED; segments wholly below it are deleted. The
   * only operation that skips offsets, and only when an operator asks. Durable when it returns.
   */
  repairDamage(): { logStartOffset: number; offsetsSkipped: number; segmentsDeleted: number } {
    this.unflushed.assertNoPipelinedFlush()
    this.checkWritable()
    return repairPastDamage(this.state, this.recoveryReport, (newStart) => this.moveLogStart(newStart))
  }

  /**
   * Kafka's DeleteRecords: the log start moves up to `offset` (never down; at most the high
   * watermark, else OFFSET_OUT_OF_RANGE), even inside a segment, and the segments wholly below it are
   * deleted. Reads below it answer OFFSET_OUT_OF_RANGE from then on. Refused with POLICY_VIOLATION
   * under `cleanup.policy=compact` (Kafka's rule: only a log that deletes may lose its head). Durable
   * when it returns.
   */
  deleteRecordsBefore(offset: number): { logStartOffset: number; segmentsDeleted: number } {
    this.unflushed.assertNoPipelinedFlush()
    this.checkWritable()
    return deleteRecordsTo(this.state, this.config, offset, (newStart) => this.moveLogStart(newStart))
  }

  /**
   * Empties the log and starts it again at `offset`, past its end (Kafka's truncateFullyAndStartAt: a
   * follower whose leader's log start moved past it). A new empty segment at `offset` goes in first,
   * then the log start moves there (durable first, log-trim.ts), deleting every older segment; a crash
   * between leaves the old segments and a gap, which the next open reports as damage.
   */
  restartAt(offset: number): void {
    this.unflushed.assertNoPipelinedFlush()
    this.checkWritable()
    assert(Number.isSafeInteger(offset) && offset > this.logEndOffset, `restart at ${offset}, not past the log end ${this.logEndOffset}`)
    this.guard(() => rollSegment(this.state, this.state.clock(), offset as Offset))
    this.moveLogStart(offset)
    this.checkOffsets()
  }

  /**
   * The background check found closed segment `baseOffset` bad: it is scanned whole, its indexes
   * rebuilt, and what it lost recorded as damage. A segment no longer here (or now active) is skipped.
   */
  checkClosedSegment(baseOffset: number): void {
    this.checkOpen()
    const i = this.state.segments.floorIndex(baseOffset)
    if (i < 0 || i >= this.state.segments.count - 1 || this.state.segments.at(i).baseOffset !== baseOffset) return
    this.state.indexesFailed(prepareSegment(this.state, i), this.state.segments.endOffsetOf(i))
  }

  /**
   * Appends whole batches, back to back, that the caller has already checked. Each gets the next
   * offsets (its baseOffset and partitionLeaderEpoch are rewritten in place, outside the CRC). Bytes
   * go out with one write per segment touched; a batch never spans segments. `bytes` is not kept.
   */
  append(bytes: Uint8Array, leaderEpoch = 0): AppendResult {
    this.checkWritable()
    assert(bytes.length >= BATCH_HEADER_BYTES, `append of ${bytes.length} bytes: not a batch`)
    const baseOffset = this.logEndOffset
    let next = baseOffset
    this.guard(() => {
      next = appendBatches(this.state, this.config, bytes, leaderEpoch, this.state.clock())
    })
    this.advanceHighWatermark()
    return { baseOffset, lastOffset: next - 1 }
  }

  /** Starts a new segment now, unless the active one is empty. */
  roll(): void {
    this.checkWritable()
    if (this.state.segments.active.sizeBytes === 0) return
    this.guard(() => rollSegment(this.state, this.state.clock()))
  }

  /**
   * Makes everything appended durable (fdatasync of each segment written since the last flush: one
   * per tick is the group commit), then moves the recovery point and the high watermark to the end.
   */
  flush(): void {
    this.checkWritable()
    this.guard(() => {
      flushAll(this.state)
      this.advanceHighWatermark()
      this.checkOffsets()
    })
  }

  /**
   * The pipelined group commit, step one: the caller fdatasyncs `paths` off-thread while this thread
   * goes on appending, then calls completeFlush. Rolled segments' indexes are synced here, at once.
   * Null when nothing is waiting. One pending flush at a time; truncation, retention and compaction
   * swaps wait for it (asserted), since they close and delete segment files.
   */
  beginFlush(): PendingFlush | null {
    this.checkWritable()
    assert(!this.unflushed.flushing, 'a pipelined flush is already running')
    if (!this.dirty) return null
    let pending: PendingFlush | null = null
    this.guard(() => {
      pending = beginPipelinedFlush(this.state)
    })
    return pending
  }

  /** The pipelined group commit, step two: the syncs of `pending` are done; offsets move to its end. */
  completeFlush(pending: PendingFlush): void {
    this.checkWritable()
    this.unflushed.complete()
    this.guard(() => {
      completePipelinedFlush(this.state, pending)
      this.advanceHighWatermark()
      this.checkOffsets()
    })
  }

  /**
   * The policy's flush, for the actor's housekeeping: `interval` flushes when flushMs has passed
   * since the last flush, `always` whenever something is unflushed, `never` never. True if it did.
   */
  maybeFlush(nowMs: number): boolean {
    if (!flushDue(this.state, this.config, nowMs)) return false
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
    this.checkOpen()
    const end = options.isolation === 'logEnd' ? this.logEndOffset : this.highWatermark
    const start = this.logStartOffset
    if (!Number.isSafeInteger(offset) || offset < start || offset > this.logEndOffset) throw offsetOutOfRange(offset, start, this.logEndOffset)
    if (offset >= end) return { bytes: new Uint8Array(0), logStartOffset: start, highWatermark: this.highWatermark }
    return { bytes: readBatches(this.state, offset, end, maxBytes), logStartOffset: start, highWatermark: this.highWatermark }
  }

  /**
   * The base offset of the first batch whose maxTimestamp is at least `timestampMs`, below the high
   * watermark; null when there is none. (Kafka answers with the record's own offset; without decoding
   * records we answer with its batch's, which a consumer reads from just the same.)
   */
  offsetForTimestamp(timestampMs: number): number | null {
    this.checkOpen()
    return findOffsetForTimestamp(this.state, timestampMs, this.highWatermark)
  }

  /**
   * Removes every record at or after `offset` (a replica's divergent tail). Batches are never split:
   * if `offset` falls inside a batch, the whole batch goes, and the log end becomes that batch's base.
   * Segments wholly past it are deleted. Durable when it returns.
   */
  truncateTo(offset: number): void {
    this.unflushed.assertNoPipelinedFlush()
    this.checkWritable()
    assert(Number.isSafeInteger(offset) && offset >= this.logStartOffset && offset <= this.logEndOffset,
      `truncation to ${offset} outside [${this.logStartOffset}, ${this.logEndOffset}]`)
    if (offset === this.logEndOffset) return
    this.guard(() => {
      truncateLogTo(this.state, offset, (truncatedTo) => {
        // What is appended after the cut has not been cleaned, whatever the checkpoint said.
        if (this.cleanedUpTo > truncatedTo) this.persistCleanerCheckpoint(truncatedTo)
      })
      this.checkOffsets()
    })
  }

  /** Deletes the segments past retention (rules in retention.ts); logStartOffset moves to the next base. */
  applyRetention(nowMs: number): RetentionResult {
    this.unflushed.assertNoPipelinedFlush()
    this.checkWritable()
    if (!deletesByRetention(this.config)) return { deleted: [], logStartOffset: this.logStartOffset }
    const victims = segmentsPastRetention(this.state.segments, this.config, nowMs, this.highWatermark)
    if (victims.length === 0) return { deleted: [], logStartOffset: this.logStartOffset }
    this.guard(() => {
      deleteRetainedSegments(this.state, victims)
      this.checkOffsets()
    })
    const deleted = victims.map((v) => v.deleted)
    this.logger.info({ deleted, logStartOffset: this.logStartOffset }, 'retention deleted segments')
    return { deleted, logStartOffset: this.logStartOffset }
  }

  /**
   * The closed segments compaction may rewrite now (compaction-plan.ts), their files made durable
   * first (the cleaner reads them and the swap replaces them). Null when the log is not compacted,
   * when there is nothing to clean, or, unless `force`, when the dirty ratio is below
   * min.cleanable.dirty.ratio.
   */
  compactionPlan(force = false): CompactionPlan | null {
    this.checkWritable()
    if (!isCompacted(this.config)) return null
    // The cleaner reads whole segments: a damaged log is not compacted until it is repaired.
    if (this.state.damage.ranges.length > 0) return null
    const plan = planCompaction(this.dir, this.state.segments, this.highWatermark, this.cleanedUpTo, this.config, force)
    if (plan === null) return null
    this.guard(() => this.unflushed.syncClosed(this.disk, this.state.segments.active))
    return plan
  }

  /**
   * Puts a cleaner's output in place (compaction-swap.ts): each cleaned segment that is still here,
   * closed and of the size the cleaner read replaces the original; the output of any other is
   * discarded (retention or a truncation got there first). Offsets do not move.
   */
  swapCleaned(result: CleanerResult): CompactionOutcome {
    this.unflushed.assertNoPipelinedFlush()
    this.checkWritable()
    assert(result.dir === this.dir, `cleaned segments of ${result.dir} offered to ${this.dir}`)
    let outcome: CompactionOutcome = { segmentsSwapped: 0, segmentsSkipped: 0, bytesBefore: 0, bytesAfter: 0 }
    const before = [this.logStartOffset, this.highWatermark, this.logEndOffset]
    this.guard(() => {
      outcome = swapCleanedSegments(this.disk, this.dir, this.state.segments, result, (segment) => this.unflushed.forget([segment]))
      if (outcome.segmentsSkipped === 0 && result.endOffset > this.cleanedUpTo) {
        this.persistCleanerCheckpoint(result.endOffset)
      }
      const after = [this.logStartOffset, this.highWatermark, this.logEndOffset]
      assert(after.every((v, k) => v === before[k]), `compaction moved offsets: ${before.join(',')} -> ${after.join(',')}`)
      this.checkOffsets()
    })
    this.logger.info({ ...outcome, cleanedUpTo: this.cleanedUpTo }, 'compacted segments swapped in')
    return outcome
  }

  /** Drops caches an idle partition does not need (index entries are written out first). */
  releaseMemory(): void {
    this.checkOpen()
    this.guard(() => {
      this.state.segments.releaseClosed(this.disk)
      this.state.segments.active.offsetIndex.release(this.disk)
      this.state.segments.active.timeIndex.release(this.disk)
    })
  }

  /**
   * Flushes, completes the indexes, and leaves the clean-shutdown marker; the log is unusable after.
   * A log that failed earlier only closes its files: no marker, so the next open recovers.
   */
  close(): void {
    if (this.closed) return
    if (this.failure !== undefined) {
      closeFiles(this.state)
      this.closed = true
      return
    }
    this.flush()
    this.guard(() => closeCleanly(this.state))
    this.closed = true
  }

  /**
   * Closes the files as they are, without flushing or a clean-shutdown marker: a log the disk failed
   * under, given up for a fresh open (which recovers what it left half done).
   */
  abandon(): void {
    if (this.closed) return
    closeFiles(this.state, 'closing a segment of an abandoned log failed')
    this.closed = true
  }

  /** Closes the files without flushing and removes the partition's directory. */
  delete(): void {
    closeFiles(this.state)
    this.closed = true
    this.disk.rmTree(this.dir)
    this.disk.fsyncDir(dirname(this.dir))
  }
}

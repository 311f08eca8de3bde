// The state of one open partition log (PartitionLog, log.ts, is built on it): its segments, offsets,
// damage, log start checkpoint and settings, what its offsets are and how they may move, and the checks
// and guards every operation goes through. The operations are log.ts's; they act on the state lent here.
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
// A failure: an operation that throws midway (the disk refused a write) leaves the in-memory state
// unsure; `guard` records it, and from then on every write is refused until the actor reopens the
// log through recovery.
import { strict as assert } from 'node:assert'
import type { Logger } from '../log.js'
import { writeCleanerCheckpoint } from './checkpoint.js'
import type { DamageRange, LogDamage } from './damage.js'
import type { Disk } from './disk.js'
import { storageCorrupt } from './errors.js'
import type { LogConfig } from './log-api.js'
import type { LogAppendState } from './log-append.js'
import { validateLogConfig } from './log-config.js'
import { nextHighWatermark, type LogFlushState, type LogOffsets } from './log-flush.js'
import { logStartOffsetOf, openLog } from './log-open.js'
import type { LogReadState } from './log-read.js'
import type { LogStartCheckpoint } from './log-start.js'
import { moveLogStartTo, type LogTrimState } from './log-trim.js'
import { rebuildTrustedIndexes, type RecoveryContext, type RecoveryReport } from './recovery.js'
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

export abstract class PartitionLogCore {
  readonly dir: string
  /** What the last open found and repaired. */
  readonly recoveryReport: RecoveryReport
  readonly #disk: Disk
  readonly #clock: () => number
  protected readonly logger: Logger
  #config: LogConfig
  readonly #segments: SegmentSet
  /** highWatermark, recoveryPoint and when they last moved (log-flush.ts). */
  readonly #offsets: LogOffsets
  /** What the next flush has to make durable (unflushed-segments.ts). */
  protected readonly unflushed = new UnflushedSegments()
  /** Compaction has cleaned every closed segment below this offset (the cleaner checkpoint). */
  #cleanedUpTo: number
  protected closed = false
  /** The error that left the in-memory state unsure; the actor must reopen through recovery. */
  protected failure: unknown = undefined
  /** Offsets lost, in order (damage.ts); mirrored in the damage file. Ranges below the log start were repaired. */
  readonly #damage: LogDamage
  /** The log start retention, a repair or DeleteRecords set, kept in log-start-offset (log-start.ts). */
  readonly #start: LogStartCheckpoint
  /** What the open, read, append, flush and trim paths (log-*.ts) are lent. */
  protected readonly state: LogReadState & LogAppendState & LogFlushState & LogTrimState
  /** Replication's cap on the high watermark (limitHighWatermark); undefined: not replicated. */
  #highWatermarkLimit: number | undefined = undefined

  /** Opens the directory (log-open.ts: creating it or recovering it); `config` is already validated. */
  protected constructor(options: PartitionLogOptions, config: LogConfig, logger: Logger) {
    this.dir = options.dir
    this.#disk = options.disk
    this.#clock = options.clock
    this.logger = logger
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
    this.state = { disk: this.#disk, dir: this.dir, segments: this.#segments, damage: this.#damage, start: this.#start,
      unflushed: this.unflushed, offsets: this.#offsets, logger: this.logger, clock: this.#clock,
      indexesFailed: (segment, endOffset) =>
        this.markDamaged(rebuildTrustedIndexes(this.#recoveryContext(this.#clock()), segment, endOffset, this.recoveryReport)) }
  }

  get logStartOffset(): number {
    return logStartOffsetOf(this.#segments, this.#damage, this.#start)
  }

  /** The offsets this log lost (damage.ts) and not yet repaired, in order; empty for a healthy log. */
  get damage(): readonly DamageRange[] {
    return this.#damage.above(this.logStartOffset)
  }

  /**
   * Records offsets found lost after open (the background CRC check, an index rebuilt on first
   * read): merged into the damage file and logged at error level.
   */
  markDamaged(found: readonly DamageRange[]): void {
    this.checkOpen()
    this.#damage.record(found)
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
    this.checkOpen()
    assert(limit === undefined || Number.isSafeInteger(limit), `high watermark limit ${limit}`)
    this.#highWatermarkLimit = limit
    this.advanceHighWatermark()
    return this.#offsets.highWatermark
  }

  /**
   * Replication starts the high watermark of a log just opened (which opens with it at its end) from
   * a safe value, `offset` (the replication-offset-checkpoint, at most the log end): the only move
   * down besides truncation. The replication limit then raises it.
   */
  restartHighWatermark(offset: number): void {
    this.checkOpen()
    assert(Number.isSafeInteger(offset) && offset >= this.logStartOffset && offset <= this.#offsets.highWatermark,
      `high watermark restart at ${offset} outside [${this.logStartOffset}, ${this.#offsets.highWatermark}]`)
    this.#offsets.highWatermark = offset
  }

  /** The one place the high watermark moves up (log-flush.ts nextHighWatermark). */
  protected advanceHighWatermark(): void {
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

  /** Changes settings at run time; they apply from the next append, roll or retention check. */
  updateConfig(partial: Partial<LogConfig>): void {
    this.checkOpen()
    const config = validateLogConfig({ ...this.#config, ...partial })
    this.#config = config
    // Records already appended become visible at once when `always` is dropped.
    this.advanceHighWatermark()
  }

  /** True while a pipelined flush is between beginFlush and completeFlush. */
  get flushing(): boolean {
    return this.unflushed.flushing
  }

  /** True when something appended is not yet durable (nor being made durable). */
  get dirty(): boolean {
    return this.unflushed.dirty
  }

  /** Compaction has cleaned every closed segment below this offset (the cleaner checkpoint). */
  protected get cleanedUpTo(): number {
    return this.#cleanedUpTo
  }

  protected persistCleanerCheckpoint(offset: number): void {
    writeCleanerCheckpoint(this.#disk, this.dir, offset)
    this.#cleanedUpTo = offset
  }

  /** Moves the log start up to `newStart` (log-trim.ts: durable first); returns how many segments went. */
  protected moveLogStart(newStart: number): number {
    let segmentsDeleted = 0
    this.guard(() => {
      segmentsDeleted = moveLogStartTo(this.state, newStart)
      this.checkOffsets()
    })
    return segmentsDeleted
  }

  #recoveryContext(nowMs: number): RecoveryContext {
    return { disk: this.#disk, dir: this.dir, logger: this.logger, indexIntervalBytes: this.#config.indexIntervalBytes, nowMs }
  }

  /** Runs `operation`; an error it throws leaves the log failed (writes refused) and goes on up. */
  protected guard(operation: () => void): void {
    try {
      operation()
    } catch (err) {
      this.failure = err
      throw err
    }
  }

  protected checkOpen(): void {
    assert(!this.closed, `partition log ${this.dir} used after close`)
  }

  protected checkWritable(): void {
    this.checkOpen()
    if (this.failure !== undefined) {
      throw storageCorrupt(`${this.dir} failed earlier and must be reopened`, this.failure)
    }
  }

  protected checkOffsets(): void {
    const start = this.logStartOffset
    const hw = this.#offsets.highWatermark
    const end = this.logEndOffset
    assert(start <= hw && hw <= end, `offsets out of order: ${start} <= ${hw} <= ${end}`)
    assert(this.#offsets.recoveryPoint <= end, `recovery point ${this.#offsets.recoveryPoint} past the log end ${end}`)
  }
}

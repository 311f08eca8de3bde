// One segment of a partition's log: a .log file of whole batches and its two sparse indexes.
//
//   00000000000000000000.log        batches back to back, as they arrived (Kafka RecordBatch v2)
//   00000000000000000000.index      offset index (offset-index.ts)
//   00000000000000000000.timeindex  time index (time-index.ts)
//
// The name is the offset of the segment's first record, zero-padded to 20 digits as Kafka does. The
// .log holds nothing but batches:
//
//   position 0                                                                sizeBytes
//   | batch (61-byte header + records) | batch | ... | batch |
//
// Every batch lies wholly in one segment, its offsets run on from the previous batch's, and its
// offsets relative to the segment's base fit u32 (positions do too: a segment is at most 2 GiB - 1,
// plus one batch when a single batch is larger than segment.bytes).
//
// Only the last segment of a log is active (appended to). A segment is sealed when the log rolls past
// it: its indexes get their last entries and reach their files, and the next flush fsyncs them.
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { BATCH_HEADER_BYTES, BatchField, readInt64 } from '@faecie/protocol'
import { BatchCursor } from './batch-cursor.js'
import { isNotFound, type Disk, type Fd } from './disk.js'
import type { FilePosition, Offset, RelativeOffset } from './log-api.js'
import { OFFSET_INDEX_SUFFIX, OffsetIndex } from './offset-index.js'
import { NO_TIMESTAMP, TIME_INDEX_SUFFIX, TimeIndex } from './time-index.js'

export const LOG_SUFFIX = '.log'
/** Relative offsets and positions are u32 in the indexes. */
export const RELATIVE_OFFSET_MAX = 0xffffffff
const OFFSET_DIGITS = 20
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/

/** `00000000000000001234`: the stem shared by a segment's three files. */
export function segmentStem(baseOffset: number): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, '0')
}

/** Parses `00000000000000001234.log` and its siblings; null for any other name. */
export function parseSegmentFileName(name: string): { baseOffset: Offset; suffix: string } | null {
  const match = SEGMENT_FILE.exec(name)
  if (match === null) return null
  const baseOffset = Number(match[1])
  if (!Number.isSafeInteger(baseOffset)) return null
  return { baseOffset: baseOffset as Offset, suffix: '.' + match[2]! }
}

export class Segment {
  readonly baseOffset: Offset
  readonly logPath: string
  readonly offsetIndex: OffsetIndex
  readonly timeIndex: TimeIndex
  /** Bytes of batches in the .log (during an append, including batches noted but not yet written). */
  sizeBytes: number
  /** One past the last record's offset (the base offset when empty). */
  nextOffset: Offset
  /** The largest maxTimestamp of its batches, NO_TIMESTAMP when it has none. */
  maxTimestampMs = NO_TIMESTAMP
  /** When segment.ms started counting for this segment (the first append, or its first batch). */
  rollBaseMs = 0
  sealed = false
  /** Set when an index file was missing on open: recovery or the first load rebuilds it. */
  indexesMissing = false
  #fd: Fd | null = null
  /** Bytes of the .log actually written (behind sizeBytes only in the middle of an append). */
  #writtenBytes: number
  /**
   * The last offset, relative to the segment's, of the first batch that reached maxTimestampMs (Kafka's
   * shallowOffsetOfMaxTimestampSoFar); -1 when unknown or empty. Time-index entries point there.
   */
  #offsetOfMaxTimestamp = -1

  private constructor(dir: string, baseOffset: Offset, sizeBytes: number, offsetIndex: OffsetIndex, timeIndex: TimeIndex) {
    this.baseOffset = baseOffset
    this.logPath = join(dir, segmentStem(baseOffset) + LOG_SUFFIX)
    this.offsetIndex = offsetIndex
    this.timeIndex = timeIndex
    this.sizeBytes = sizeBytes
    this.#writtenBytes = sizeBytes
    this.nextOffset = baseOffset
  }

  /** Creates an empty segment (its .log now, its indexes when they get entries). Caller fsyncs the dir. */
  static create(disk: Disk, dir: string, baseOffset: Offset): Segment {
    const stem = join(dir, segmentStem(baseOffset))
    const segment = new Segment(dir, baseOffset, 0, OffsetIndex.fresh(stem + OFFSET_INDEX_SUFFIX), TimeIndex.fresh(stem + TIME_INDEX_SUFFIX))
    // A leftover of the same name (a segment deleted by a truncation that a crash interrupted) must
    // not lend its indexes to the new segment.
    segment.offsetIndex.delete(disk)
    segment.timeIndex.delete(disk)
    segment.#fd = disk.open(segment.logPath, 'create')
    // Only a leftover needs emptying: ext4 starts write-back on close of any file truncated to zero
    // (auto_da_alloc), which would stall the actor when the segment is closed.
    if (disk.fileSize(segment.#fd) > 0) disk.ftruncate(segment.#fd, 0)
    return segment
  }

  /**
   * Opens an existing segment: sizes and the time index's last entry are read, nothing is loaded and
   * no fd stays open (a partition may have many segments; fds open when they are used).
   */
  static open(disk: Disk, dir: string, baseOffset: Offset): Segment {
    const stem = join(dir, segmentStem(baseOffset))
    const fd = disk.open(stem + LOG_SUFFIX, 'read')
    let sizeBytes: number
    try {
      sizeBytes = disk.fileSize(fd)
    } finally {
      disk.close(fd)
    }
    const offsets = OffsetIndex.existing(disk, stem + OFFSET_INDEX_SUFFIX)
    const times = TimeIndex.existing(disk, stem + TIME_INDEX_SUFFIX)
    const segment = new Segment(dir, baseOffset, sizeBytes, offsets.index, times.index)
    segment.indexesMissing = offsets.missing || times.missing
    segment.sealed = true
    if (times.index.entryCount > 0) segment.maxTimestampMs = times.index.lastTimestampMs
    return segment
  }

  get isOpen(): boolean {
    return this.#fd !== null
  }

  /** The .log's fd, opened again if it was released. */
  fd(disk: Disk): Fd {
    if (this.#fd === null) this.#fd = disk.open(this.logPath, 'readWrite')
    return this.#fd
  }

  /** Loads both indexes and checks them against the log; returns what is wrong, or null. */
  loadIndexes(disk: Disk, endOffset: number): string | null {
    if (this.indexesMissing) return 'index file missing'
    this.offsetIndex.load(disk)
    this.timeIndex.load(disk)
    const limit = endOffset - this.baseOffset
    return this.offsetIndex.problem(limit, this.sizeBytes) ?? this.timeIndex.problem(limit)
  }

  /**
   * Accounts for one batch about to be written at position `sizeBytes`: offsets, largest timestamp,
   * and index entries by the interval rule. Appends and recovery both come through here.
   */
  noteBatch(disk: Disk, baseOffset: number, lastOffset: number, sizeBytes: number, maxTimestampMs: number,
    indexIntervalBytes: number, nowMs: number): void {
    assert(!this.sealed, `appending to sealed segment ${this.logPath}`)
    assert(baseOffset >= this.nextOffset && lastOffset >= baseOffset,
      `batch offsets [${baseOffset}, ${lastOffset}] do not follow ${this.nextOffset} in ${this.logPath}`)
    assert(lastOffset - this.baseOffset <= RELATIVE_OFFSET_MAX, `relative offset overflow in ${this.logPath}`)
    const position = this.sizeBytes
    assert(position <= RELATIVE_OFFSET_MAX, `position ${position} does not fit u32 in ${this.logPath}`)
    const lastRelative = (lastOffset - this.baseOffset) as RelativeOffset
    if (position === 0) this.rollBaseMs = nowMs
    if (maxTimestampMs > this.maxTimestampMs) {
      this.maxTimestampMs = maxTimestampMs
      this.#offsetOfMaxTimestamp = lastRelative
    }
    if (position - this.offsetIndex.lastPosition > indexIntervalBytes) {
      this.offsetIndex.append(disk, lastRelative, position as FilePosition)
      this.timeIndex.maybeAppend(disk, this.maxTimestampMs, this.#offsetOfMaxTimestamp as RelativeOffset)
    }
    this.sizeBytes = position + sizeBytes
    this.nextOffset = (lastOffset + 1) as Offset
  }

  /** Writes noted batches' bytes; the bytes of every noted batch, in order, with one call per run. */
  write(disk: Disk, bytes: Uint8Array, start: number, end: number): void {
    const length = end - start
    assert(this.#writtenBytes + length <= this.sizeBytes, `writing ${length} bytes that were not noted in ${this.logPath}`)
    disk.pwrite(this.fd(disk), bytes, start, length, this.#writtenBytes)
    this.#writtenBytes += length
  }

  /** Reads `length` bytes at `position` into a new buffer. */
  read(disk: Disk, position: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length)
    const read = disk.pread(this.fd(disk), bytes, 0, length, position)
    return read === length ? bytes : bytes.subarray(0, read)
  }

  /** A cursor over the batch headers from the indexed batch at or before `offset` to the end. */
  cursorFrom(disk: Disk, offset: number): BatchCursor {
    const position = this.offsetIndex.floorPosition(Math.max(0, offset - this.baseOffset))
    return new BatchCursor(disk, this.fd(disk), position, this.sizeBytes, this.logPath)
  }

  /** The first batch holding `offset` or after it, as a cursor on that batch; null if none is here. */
  findBatch(disk: Disk, offset: number): BatchCursor | null {
    const cursor = this.cursorFrom(disk, offset)
    while (cursor.next()) if (cursor.lastOffset >= offset) return cursor
    return null
  }

  /**
   * Removes every batch that holds `offset` or comes after it. A batch is never split: when `offset`
   * falls inside a batch, that whole batch goes too. Indexes are trimmed and the largest timestamp is
   * worked out again. The segment must be loaded; the caller fdatasyncs.
   */
  truncateTo(disk: Disk, offset: number): void {
    const found = this.findBatch(disk, offset)
    if (found === null) return
    const newSizeBytes = found.position
    const newNextOffset = found.baseOffset
    disk.ftruncate(this.fd(disk), newSizeBytes)
    this.sizeBytes = newSizeBytes
    this.#writtenBytes = newSizeBytes
    this.nextOffset = Math.max(newNextOffset, this.baseOffset) as Offset
    this.offsetIndex.truncateToPosition(disk, newSizeBytes)
    this.timeIndex.truncateToRelativeOffset(disk, this.nextOffset - this.baseOffset)
    this.#recomputeTail(disk)
  }

  /**
   * Re-derives what the last batches say (largest timestamp, next offset, last batch) by scanning
   * from the last offset-index entry: every batch before it is covered by the time index's entries.
   */
  #recomputeTail(disk: Disk): void {
    const hasEntries = this.timeIndex.entryCount > 0
    this.maxTimestampMs = hasEntries ? this.timeIndex.lastTimestampMs : NO_TIMESTAMP
    this.#offsetOfMaxTimestamp = hasEntries ? this.timeIndex.lastRelativeOffset : -1
    const cursor = new BatchCursor(disk, this.fd(disk), this.offsetIndex.lastPosition, this.sizeBytes, this.logPath)
    while (cursor.next()) {
      if (cursor.maxTimestampMs > this.maxTimestampMs) {
        this.maxTimestampMs = cursor.maxTimestampMs
        this.#offsetOfMaxTimestamp = cursor.lastOffset - this.baseOffset
      }
      this.nextOffset = (cursor.lastOffset + 1) as Offset
    }
  }

  /**
   * Makes this the active segment after a clean start or a truncation: loads indexes, learns the
   * tail from the last index entry on, and starts segment.ms from its first batch's timestamp
   * (bounded by now: a producer's clock in the future must not keep the segment open forever).
   */
  activate(disk: Disk, nowMs: number): void {
    this.offsetIndex.load(disk)
    this.timeIndex.load(disk)
    this.sealed = false
    this.#recomputeTail(disk)
    this.startRollClock(disk, nowMs)
  }

  /** Starts segment.ms from the first batch's timestamp, or from now if that is unknown or ahead. */
  startRollClock(disk: Disk, nowMs: number): void {
    this.rollBaseMs = nowMs
    if (this.sizeBytes >= BATCH_HEADER_BYTES) {
      const header = this.read(disk, 0, BATCH_HEADER_BYTES)
      const firstTimestampMs = readInt64(new DataView(header.buffer, header.byteOffset), BatchField.maxTimestamp)
      if (firstTimestampMs >= 0 && firstTimestampMs < nowMs) this.rollBaseMs = firstTimestampMs
    }
  }

  /**
   * Rolling past this segment: a last time-index entry for its largest timestamp, and both index
   * files complete, not yet fsynced: an fsync here would stall every roll on ext4 (its journal
   * commit waits for the log's dirty pages) even under flush `never`. The log's next flush calls
   * syncIndexes before the recovery point can pass the segment.
   */
  seal(disk: Disk): void {
    this.appendFinalTimeEntry(disk)
    this.offsetIndex.writePending(disk, true)
    this.timeIndex.writePending(disk, true)
    this.sealed = true
  }

  /**
   * The time-index entry for the largest timestamp, if the sparse entries have not recorded it: at
   * the last offset of the batch that reached it, as Kafka's onBecomeInactiveSegment writes it.
   */
  appendFinalTimeEntry(disk: Disk): void {
    if (this.#offsetOfMaxTimestamp >= 0) {
      this.timeIndex.maybeAppend(disk, this.maxTimestampMs, this.#offsetOfMaxTimestamp as RelativeOffset)
    }
  }

  /** Recovery's view: forget what the indexes and counters say, to note every batch again. */
  resetForRebuild(): void {
    this.offsetIndex.resetForRebuild()
    this.timeIndex.resetForRebuild()
    this.sizeBytes = 0
    this.#writtenBytes = 0
    this.nextOffset = this.baseOffset
    this.maxTimestampMs = NO_TIMESTAMP
    this.#offsetOfMaxTimestamp = -1
    this.sealed = false
  }

  /** Recovery's view: the log was checked up to `validBytes`; everything after it is cut. */
  finishRebuild(disk: Disk, fileSizeBytes: number): void {
    if (fileSizeBytes > this.sizeBytes) disk.ftruncate(this.fd(disk), this.sizeBytes)
    this.#writtenBytes = this.sizeBytes
    this.indexesMissing = false
  }

  /** Durability for the flush: the .log's data (a sealed segment's indexes: syncIndexes). */
  flush(disk: Disk): void {
    disk.fdatasync(this.fd(disk))
  }

  /** Frees what an idle segment holds: its fd and its index caches (pending entries written out). */
  release(disk: Disk): void {
    this.offsetIndex.release(disk)
    this.timeIndex.release(disk)
    this.closeFd(disk)
  }

  /**
   * Closes the .log (the log's flush has fdatasynced it). The active segment's indexes are completed
   * and fsynced first: a clean start trusts them.
   */
  close(disk: Disk): void {
    if (!this.sealed) this.syncIndexes(disk)
    this.closeFd(disk)
  }

  /** Closes the .log's fd, if open, and nothing else (the files are about to go, or to be recovered). */
  closeFd(disk: Disk): void {
    if (this.#fd !== null) {
      const fd = this.#fd
      this.#fd = null
      disk.close(fd)
    }
  }

  /** Writes pending index entries (creating both files) and fsyncs the index files. */
  syncIndexes(disk: Disk): void {
    this.offsetIndex.writePending(disk, true)
    this.timeIndex.writePending(disk, true)
    this.offsetIndex.fsync(disk)
    this.timeIndex.fsync(disk)
  }

  /** Closes and unlinks the three files, the .log first: a crash half way leaves orphan indexes, which open removes. */
  delete(disk: Disk): void {
    this.closeFd(disk)
    try {
      disk.unlink(this.logPath)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    this.offsetIndex.delete(disk)
    this.timeIndex.delete(disk)
  }
}

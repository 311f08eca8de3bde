// The sparse time index of one segment: for a lookup by timestamp (ListOffsets), where to start
// scanning so that no earlier batch could match. The entries are Kafka's (TimeIndex): Kafka's own
// tools read these files.
//
//   00000000000000000000.timeindex    (named like its .log: the segment's base offset, 20 digits)
//
//   entry i, 12 bytes, big-endian, entries back to back, nothing else in the file:
//   +----------------------------------------------------+--------------------------+
//   | timestampMs i64                                    | relativeOffset u32       |
//   +----------------------------------------------------+--------------------------+
//     the largest maxTimestamp of the segment's batches     the LAST offset of the first batch
//     so far (up to the batch the offset index entry        that reached that timestamp
//     was made for)                                          - segment baseOffset
//
// Timestamps increase strictly and relative offsets never decrease. An entry is considered whenever
// the offset index gets one, and written only when the largest timestamp so far has grown (so that
// binary search works even when producers' clocks go backwards); NO_TIMESTAMP is never written.
// When a segment rolls, one last entry records its largest timestamp, which retention reads back
// cheaply after a restart. (Kafka's LogSegment.append and onBecomeInactiveSegment do the same.)
//
// Lookup of timestamp T: the last entry whose timestamp is below T says that every batch up to the
// one ending at its relativeOffset is older than T, so the first batch with maxTimestamp >= T comes
// after it.
import { strict as assert } from 'node:assert'
import { readInt64, writeInt64 } from '@faecie/protocol'
import type { Disk } from './disk.js'
import { IndexFile } from './index-file.js'
import type { RelativeOffset } from './log-api.js'

export const TIME_INDEX_ENTRY_BYTES = 12
export const TIME_INDEX_SUFFIX = '.timeindex'
/** What a segment with no timestamped batch reports as its largest timestamp (Kafka's NO_TIMESTAMP). */
export const NO_TIMESTAMP = -1

export class TimeIndex extends IndexFile {
  lastTimestampMs = Number.NEGATIVE_INFINITY
  lastRelativeOffset = -1

  private constructor(path: string, fileEntryCount: number, loaded: boolean) {
    super(path, TIME_INDEX_ENTRY_BYTES, fileEntryCount, loaded)
  }

  static fresh(path: string): TimeIndex {
    return new TimeIndex(path, 0, true)
  }

  /**
   * An existing index, not loaded, with its last entry read (one small pread) so that the segment's
   * largest timestamp is known without loading. `missing` when there is no file.
   */
  static existing(disk: Disk, path: string): { index: TimeIndex; missing: boolean } {
    const found = IndexFile.fileEntries(disk, path, TIME_INDEX_ENTRY_BYTES)
    const index = new TimeIndex(path, found?.count ?? 0, false)
    index.ragged = found?.ragged ?? false
    if (found !== null && found.count > 0) {
      const last = new Uint8Array(TIME_INDEX_ENTRY_BYTES)
      const fd = disk.open(path, 'read')
      try {
        disk.pread(fd, last, 0, last.length, (found.count - 1) * TIME_INDEX_ENTRY_BYTES)
      } finally {
        disk.close(fd)
      }
      const dv = new DataView(last.buffer)
      index.lastTimestampMs = readInt64(dv, 0)
      index.lastRelativeOffset = dv.getUint32(8)
    }
    return { index, missing: found === null }
  }

  override load(disk: Disk): void {
    super.load(disk)
    this.#refreshLast()
  }

  /** Adds (timestampMs, relativeOffset) if timestampMs is larger than every entry's; true if it did. */
  maybeAppend(disk: Disk, timestampMs: number, relativeOffset: RelativeOffset): boolean {
    if (timestampMs <= this.lastTimestampMs || timestampMs <= NO_TIMESTAMP) return false
    assert(relativeOffset >= 0, `time index entry for ${timestampMs} without an offset`)
    assert(relativeOffset >= this.lastRelativeOffset,
      `time index offsets out of order: ${relativeOffset} after ${this.lastRelativeOffset}`)
    const at = this.push(disk)
    writeInt64(this.dv, at, timestampMs)
    this.dv.setUint32(at + 8, relativeOffset)
    this.lastTimestampMs = timestampMs
    this.lastRelativeOffset = relativeOffset
    return true
  }

  timestampAt(i: number): number {
    return readInt64(this.dv, this.at(i))
  }

  relativeOffsetAt(i: number): RelativeOffset {
    return this.dv.getUint32(this.at(i) + 8) as RelativeOffset
  }

  /** The relative offset of the last entry older than `timestampMs`, or null when none is. */
  lastOlderThan(timestampMs: number): RelativeOffset | null {
    let lo = 0
    let hi = this.entryCount - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.timestampAt(mid) < timestampMs) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found < 0 ? null : this.relativeOffsetAt(found)
  }

  /** Drops the entries for batches at or past `relativeOffsetLimit`. */
  truncateToRelativeOffset(disk: Disk, relativeOffsetLimit: number): void {
    let keep = this.entryCount
    while (keep > 0 && this.relativeOffsetAt(keep - 1) >= relativeOffsetLimit) keep--
    this.truncateEntries(disk, keep)
    this.#refreshLast()
  }

  override resetForRebuild(): void {
    super.resetForRebuild()
    this.#refreshLast()
  }

  /** Cheap checks of a loaded index (see OffsetIndex.problem); returns what is wrong, or null. */
  problem(relativeOffsetLimit: number): string | null {
    if (this.ragged) return 'partial trailing entry'
    let previousTimestamp = Number.NEGATIVE_INFINITY
    let previousOffset = -1
    for (let i = 0; i < this.entryCount; i++) {
      const ts = this.timestampAt(i)
      const rel = this.relativeOffsetAt(i)
      if (ts <= previousTimestamp || rel < previousOffset) return `entry ${i} out of order`
      if (rel >= relativeOffsetLimit) return `entry ${i} offset ${rel} past the segment's end ${relativeOffsetLimit}`
      previousTimestamp = ts
      previousOffset = rel
    }
    return null
  }

  #refreshLast(): void {
    const n = this.entryCount
    this.lastTimestampMs = n > 0 ? this.timestampAt(n - 1) : Number.NEGATIVE_INFINITY
    this.lastRelativeOffset = n > 0 ? this.relativeOffsetAt(n - 1) : -1
  }
}

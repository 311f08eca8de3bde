// The sparse offset index of one segment: where in the .log a batch starts, for one batch every
// `indexIntervalBytes` of log, so that a read finds its batch with a binary search and a short scan.
// The entries are Kafka's (OffsetIndex): Kafka's own tools read these files.
//
//   00000000000000000000.index    (named like its .log: the segment's base offset, 20 digits)
//
//   entry i, 8 bytes, big-endian, entries back to back, nothing else in the file:
//   +--------------------------+--------------------------+
//   | relativeOffset u32       | position u32             |
//   +--------------------------+--------------------------+
//     the batch's LAST offset     byte position of the start
//     - segment baseOffset        of that batch in the .log
//
// Both columns increase strictly. The first batch of a segment (at position 0) needs no entry: a
// lookup below the first entry starts at position 0. An entry is added for the batch at position p
// when p - (position of the last entry, or 0) > indexIntervalBytes, Kafka's rule (so a segment's
// first batch never gets one); appends, recovery and compaction apply it alike (segment.ts,
// cleaner.ts), so a rebuilt index equals the one appends wrote, and the one Kafka would build.
//
// Lookup of offset X: the last entry whose offset is at most X names a batch that ends at or before
// X, so the batch holding X starts there or later; scanning the batch headers from that position
// finds it. (Data dirs of format version 1 held the batch's first offset here: meta-file.ts.)
import { strict as assert } from 'node:assert'
import type { Disk } from './disk.js'
import { IndexFile } from './index-file.js'
import type { FilePosition, RelativeOffset } from './log-api.js'

export const OFFSET_INDEX_ENTRY_BYTES = 8
export const OFFSET_INDEX_SUFFIX = '.index'

export class OffsetIndex extends IndexFile {
  /** Position of the last entry, or 0 with no entries; what the interval is measured from. */
  lastPosition = 0 as FilePosition
  lastRelativeOffset = -1

  private constructor(path: string, fileEntryCount: number, loaded: boolean) {
    super(path, OFFSET_INDEX_ENTRY_BYTES, fileEntryCount, loaded)
  }

  /** A new, empty index; its file is created when the first entries are written out. */
  static fresh(path: string): OffsetIndex {
    return new OffsetIndex(path, 0, true)
  }

  /** An existing index, not loaded. `missing` when there is no file (it must be rebuilt). */
  static existing(disk: Disk, path: string): { index: OffsetIndex; missing: boolean } {
    const found = IndexFile.fileEntries(disk, path, OFFSET_INDEX_ENTRY_BYTES)
    const index = new OffsetIndex(path, found?.count ?? 0, false)
    index.ragged = found?.ragged ?? false
    return { index, missing: found === null }
  }

  override load(disk: Disk): void {
    super.load(disk)
    this.#refreshLast()
  }

  append(disk: Disk, relativeOffset: RelativeOffset, position: FilePosition): void {
    assert(relativeOffset > this.lastRelativeOffset && (position > this.lastPosition || this.entryCount === 0),
      `offset index out of order: (${relativeOffset}, ${position}) after (${this.lastRelativeOffset}, ${this.lastPosition})`)
    const at = this.push(disk)
    this.dv.setUint32(at, relativeOffset)
    this.dv.setUint32(at + 4, position)
    this.lastRelativeOffset = relativeOffset
    this.lastPosition = position
  }

  relativeOffsetAt(i: number): RelativeOffset {
    return this.dv.getUint32(this.at(i)) as RelativeOffset
  }

  positionAt(i: number): FilePosition {
    return this.dv.getUint32(this.at(i) + 4) as FilePosition
  }

  /** The position of the last indexed batch ending at or before `relativeOffset` (0 if none). */
  floorPosition(relativeOffset: number): FilePosition {
    const i = this.#floorIndex(relativeOffset)
    return i < 0 ? (0 as FilePosition) : this.positionAt(i)
  }

  /** Drops the entries for batches at or past `sizeBytes` (the log was truncated there). */
  truncateToPosition(disk: Disk, sizeBytes: number): void {
    let keep = this.entryCount
    while (keep > 0 && this.positionAt(keep - 1) >= sizeBytes) keep--
    this.truncateEntries(disk, keep)
    this.#refreshLast()
  }

  override resetForRebuild(): void {
    super.resetForRebuild()
    this.#refreshLast()
  }

  /**
   * Cheap checks of a loaded index against its log: whole entries, both columns increasing, every
   * relative offset below `relativeOffsetLimit` and every position below `logSizeBytes`. Returns
   * what is wrong, or null. (Whether each entry lands on a batch start is checked by recovery.)
   */
  problem(relativeOffsetLimit: number, logSizeBytes: number): string | null {
    if (this.ragged) return 'partial trailing entry'
    let previousOffset = -1
    let previousPosition = -1
    for (let i = 0; i < this.entryCount; i++) {
      const rel = this.relativeOffsetAt(i)
      const pos = this.positionAt(i)
      if (rel <= previousOffset || pos <= previousPosition) return `entry ${i} out of order`
      if (rel >= relativeOffsetLimit) return `entry ${i} offset ${rel} past the segment's end ${relativeOffsetLimit}`
      if (pos >= logSizeBytes) return `entry ${i} position ${pos} past the log's size ${logSizeBytes}`
      previousOffset = rel
      previousPosition = pos
    }
    return null
  }

  #floorIndex(relativeOffset: number): number {
    let lo = 0
    let hi = this.entryCount - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.relativeOffsetAt(mid) <= relativeOffset) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  #refreshLast(): void {
    const n = this.entryCount
    this.lastRelativeOffset = n > 0 ? this.relativeOffsetAt(n - 1) : -1
    this.lastPosition = (n > 0 ? this.positionAt(n - 1) : 0) as FilePosition
  }
}

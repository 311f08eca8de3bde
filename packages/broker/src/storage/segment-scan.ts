// The batch-by-batch scan of one segment's .log that recovery and the open-time continuity checks
// run: every batch's length, structure, CRC and offsets are checked and noted again (offsets,
// indexes, timestamps: Segment.noteBatch). It tells a torn tail from damage:
//
//   | ok | ok | BAD ......... | ok | ok |     a valid batch after the bad bytes: damage. The bad
//                ^position     ^endPosition   bytes are kept and skipped; offsets from the last good
//                                             batch's end to the next good batch's base are lost
//   | ok | ok | BAD ..........|               nothing valid after: a tail (torn by a crash, or lost
//                ^problemAt                   when a checkpoint says it was durable: the caller's call)
//
// A valid batch is found again after damage by trying every byte position: a plausible header
// (magic, length within the file, offsets after the last good batch and before `offsetLimit`) whose
// CRC checks. This runs only where a segment is already known to be bad.
//
// Page write-back has no order, so a power cut can lose an unsynced write (zeros) or tear it
// (garbage) while a later one reached the disk. So at or above the offset the caller knows durable
// (the recovery point), bad bytes are damage only when they start as the batch that was written
// there (magic 2, the expected base offset: a flipped bit in its length, attributes or records);
// anything else is a torn tail even with valid batches after it (which were never promised either).
// Below the durable offset, every bad batch with valid ones after it is damage.
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, checkBatch, MAGIC_V2, readInt64 } from '@faecie/protocol'
import type { DamageRange } from './damage.js'
import type { Disk } from './disk.js'
import { RELATIVE_OFFSET_MAX, type Segment } from './segment.js'

const SCAN_CHUNK_BYTES = 1024 * 1024

export interface ScanSettings {
  disk: Disk
  indexIntervalBytes: number
  nowMs: number
}

/** Reads a segment's .log in large chunks, so that each batch can be checked whole (CRC). */
export class ChunkReader {
  buf = new Uint8Array(SCAN_CHUNK_BYTES)
  dv = new DataView(this.buf.buffer)
  #start = 0
  #end = 0
  #segment: Segment | null = null

  /** Makes [position, position + length) of the file readable; returns where it starts in buf, -1 if it can't. */
  window(disk: Disk, segment: Segment, position: number, length: number, fileSizeBytes: number): number {
    if (segment === this.#segment && position >= this.#start && position + length <= this.#end) return position - this.#start
    if (length > this.buf.length) {
      this.buf = new Uint8Array(length)
      this.dv = new DataView(this.buf.buffer)
    }
    const read = disk.pread(segment.fd(disk), this.buf, 0, Math.min(this.buf.length, fileSizeBytes - position), position)
    this.#segment = segment
    this.#start = position
    this.#end = position + read
    return read >= length ? 0 : -1
  }
}

export interface ScanOutcome {
  /** What was wrong with the bad bytes nothing valid follows, or null when the file ends cleanly. */
  problem: string | null
  /** Where those bad bytes start: the segment's sizeBytes after the scan. */
  fileSizeBytes: number
  /** Bad bytes with valid batches after them, in file order. */
  damage: DamageRange[]
}

interface Found {
  size: number
  baseOffset: number
  lastOffset: number
  maxTimestampMs: number
}

/** The batch at `pos`, if it is valid and its offsets fit [expected, offsetLimit); else the problem. */
function checkAt(s: ScanSettings, segment: Segment, pos: number, expected: number, offsetLimit: number,
  fileSizeBytes: number, reader: ChunkReader): Found | string {
  const { disk } = s
  if (pos > RELATIVE_OFFSET_MAX) return 'position past u32'
  if (fileSizeBytes - pos < BATCH_HEADER_BYTES) return 'truncated header'
  let at = reader.window(disk, segment, pos, BATCH_HEADER_BYTES, fileSizeBytes)
  if (at < 0) return 'file shorter than its size'
  const size = reader.dv.getInt32(at + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
  if (size < BATCH_HEADER_BYTES) return 'bad-length'
  if (size > fileSizeBytes - pos) return 'truncated'
  at = reader.window(disk, segment, pos, size, fileSizeBytes)
  if (at < 0) return 'file shorter than its size'
  const check = checkBatch(reader.buf, at, at + size, true)
  if (!check.ok) return check.problem
  const baseOffset = readInt64(reader.dv, at + BatchField.baseOffset)
  const lastOffset = baseOffset + reader.dv.getInt32(at + BatchField.lastOffsetDelta)
  if (baseOffset < expected) return `offset ${baseOffset} does not follow ${expected - 1}`
  if (lastOffset >= offsetLimit) return `offset ${lastOffset} reaches the next segment`
  if (lastOffset - segment.baseOffset > RELATIVE_OFFSET_MAX) return 'relative offset past u32'
  return { size, baseOffset, lastOffset, maxTimestampMs: readInt64(reader.dv, at + BatchField.maxTimestamp) }
}

/** The first position at or after `from` where a valid batch starts (see checkAt), or -1. */
export function findValidBatch(s: ScanSettings, segment: Segment, from: number, expected: number, offsetLimit: number,
  reader: ChunkReader): number {
  const fileSizeBytes = s.disk.fileSize(segment.fd(s.disk))
  for (let pos = from; fileSizeBytes - pos >= BATCH_HEADER_BYTES; pos++) {
    const at = reader.window(s.disk, segment, pos, BATCH_HEADER_BYTES, fileSizeBytes)
    if (at < 0) return -1
    // Cheap filters first: only a plausible header is worth a CRC.
    if (reader.dv.getInt8(at + BatchField.magic) !== MAGIC_V2) continue
    const size = reader.dv.getInt32(at + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
    if (size < BATCH_HEADER_BYTES || size > fileSizeBytes - pos) continue
    const baseOffset = readInt64(reader.dv, at + BatchField.baseOffset)
    if (baseOffset < expected || baseOffset >= offsetLimit) continue
    if (typeof checkAt(s, segment, pos, expected, offsetLimit, fileSizeBytes, reader) !== 'string') return pos
  }
  return -1
}

/**
 * Whether a batch was written whole at `pos` and damaged after: its header starts as one (magic 2)
 * and holds the offset the log expects there (baseOffset is written last-moment by the broker and is
 * not random). Zeros (sectors never written) and garbage (a torn write) do not.
 */
export function damagedBatchAt(s: ScanSettings, segment: Segment, pos: number, expected: number, reader: ChunkReader): boolean {
  const fileSizeBytes = s.disk.fileSize(segment.fd(s.disk))
  if (fileSizeBytes - pos < BATCH_HEADER_BYTES) return false
  const at = reader.window(s.disk, segment, pos, BATCH_HEADER_BYTES, fileSizeBytes)
  return at >= 0 && reader.dv.getInt8(at + BatchField.magic) === MAGIC_V2 && readInt64(reader.dv, at + BatchField.baseOffset) === expected
}

/**
 * Checks every batch of `segment` and notes it again, from position 0 to the end of the file. Damage
 * with valid batches after it is skipped and reported; the segment's sizeBytes ends up where the
 * last valid batch ends, and bytes after it are the caller's to cut or keep. Below `durableOffset`
 * every bad batch followed by a valid one is damage; above it, only a damaged written batch is (see above).
 */
export function scanSegment(s: ScanSettings, segment: Segment, offsetLimit: number, reader: ChunkReader,
  durableOffset = Infinity): ScanOutcome {
  const { disk } = s
  const fileSizeBytes = disk.fileSize(segment.fd(disk))
  segment.resetForRebuild()
  const damage: DamageRange[] = []
  let expected: number = segment.baseOffset
  let pos = 0
  while (pos < fileSizeBytes) {
    const found = checkAt(s, segment, pos, expected, offsetLimit, fileSizeBytes, reader)
    if (typeof found === 'string') {
      const resume = findValidBatch(s, segment, pos + 1, expected, offsetLimit, reader)
      if (resume < 0) return { problem: found, fileSizeBytes, damage }
      if (expected >= durableOffset && !damagedBatchAt(s, segment, pos, expected, reader)) return { problem: found, fileSizeBytes, damage }
      const resumeOffset = readInt64(reader.dv, reader.window(disk, segment, resume, BATCH_HEADER_BYTES, fileSizeBytes) + BatchField.baseOffset)
      damage.push({ segmentBaseOffset: segment.baseOffset, firstOffset: expected, resumeOffset, position: pos, endPosition: resume, problem: found })
      // The bad bytes stay in the file; the batches after them are noted where they are.
      segment.sizeBytes = resume
      pos = resume
      continue
    }
    segment.noteBatch(disk, found.baseOffset, found.lastOffset, found.size, found.maxTimestampMs, s.indexIntervalBytes, s.nowMs)
    expected = found.lastOffset + 1
    pos += found.size
  }
  return { problem: null, fileSizeBytes, damage }
}

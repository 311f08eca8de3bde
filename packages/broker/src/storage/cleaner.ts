// Log compaction's rewriting of closed segments (`cleanup.policy=compact`): stateless work that runs
// on a piscina thread (tasks/clean-segments-task.ts) over files no actor writes any more, and whose
// output the owning actor swaps in (compaction-swap.ts).
//
//   input:  NNNN.log                    closed segments from the log start, all below the high watermark
//   output: NNNN.log.cleaned            the same batches, each keeping only the records that survive
//           NNNN.index.cleaned          its offset index, built by the rule appends use (segment.ts)
//           NNNN.timeindex.cleaned      its time index, with the final entry a sealed segment has
//
// Two passes, as Kafka's cleaner does them. The log below `firstDirtyOffset` (the cleaner checkpoint)
// was cleaned before: it holds at most one record per key. The first pass reads the dirty segments
// after it and maps each key (its exact bytes, as a latin1 string: no hashing, so no collisions) to
// the offset of its latest record, stopping after the segment where the map passes `keysMax` (memory
// is bounded; the rest waits for the next run). The second pass rewrites every segment from the log
// start to the last one mapped: a record survives when it is the latest for its key (a record of the
// clean part whose key the map lacks is the latest: nothing after it in the range has that key); a
// tombstone (null value) that is the latest for its key survives until its batch's delete horizon
// (KIP-534: the first cleaning that keeps it stamps the batch with now + delete.retention.ms; a later
// cleaning at or past that time drops it). Records without a key are kept: the actor refuses them in
// compacted topics, so any here were written before the topic became compacted, and we never drop
// data whose fate the policy does not decide.
//
// Every batch keeps its baseOffset, lastOffsetDelta, producer fields and its records' offsetDeltas,
// so offsets are unchanged and stay monotonic. A batch that keeps all its records and needs no delete
// horizon is copied byte for byte; any other is rewritten as Kafka's cleaner writes it
// (compacted-batch.ts: timestamps from the records kept, the horizon in baseTimestamp, records
// re-encoded, compressed again with the same codec). A batch left with no records goes, unless it is
// the last of its segment (so that every segment still ends where the next begins: recovery checks
// exactly that) or the last batch of its producer (whose sequence numbers the idempotence state
// replays), as Kafka keeps them: then it stays as a bare 61-byte header (baseTimestamp -1, its
// maxTimestamp kept). (The protocol's RecordBatchEncoder numbers records 0..n-1, which would close
// the gaps; records are therefore copied as raw bytes, after the decoder's checks have passed over
// the whole batch.)
import { strict as assert } from 'node:assert'
import {
  Attribute,
  BATCH_HEADER_BYTES,
  checkBatch,
  decodeBatch,
  decompressRecords,
  readBatchHeader,
  readVarint,
  readVarlong,
  type CompressionCodec,
} from '@faecie/protocol'
import { compactedBatch, recordTimestamp, tombstoneExpired, type LocatedBatch, type LocatedRecord } from './compacted-batch.js'
import { CLEANED_SUFFIX, discardCleaned, segmentPaths } from './compaction-swap.js'
import type { Disk } from './disk.js'
import { storageCorrupt } from './errors.js'
import type { FilePosition, RelativeOffset } from './log-api.js'
import { OffsetIndex } from './offset-index.js'
import { RELATIVE_OFFSET_MAX } from './segment.js'
import { TimeIndex } from './time-index.js'

const DECOMPRESSED_BYTES_MAX = 512 * 1024 * 1024
export const CLEANER_KEYS_MAX = 1_000_000

export interface CleanableSegment {
  baseOffset: number
  /** Bytes of the closed segment's .log when the plan was made: only these are read. */
  sizeBytes: number
}

export interface CleanerInput {
  dir: string
  /** Closed segments, oldest first, consecutive, every record below `endOffset`. */
  segments: CleanableSegment[]
  /** One past the last offset the cleaner may see: the base of the segment after the last one. */
  endOffset: number
  /** Where the part not cleaned yet begins: below it, each key has one record at most. */
  firstDirtyOffset: number
  /** Keys mapped at most (about 100 bytes each), past which the range cleaned stops at a segment end. */
  keysMax?: number
  /** The cleaner's clock: delete horizons are stamped from it and compared with it. */
  nowMs: number
  deleteRetentionMs: number
  indexIntervalBytes: number
}

export interface CleanedSegment {
  baseOffset: number
  originalSizeBytes: number
  sizeBytes: number
  recordsKept: number
  recordsRemoved: number
  tombstonesDropped: number
}

export interface CleanerResult {
  dir: string
  endOffset: number
  segments: CleanedSegment[]
}

interface ReadBatch extends LocatedBatch {
  baseOffset: number
  lastOffset: number
  producerId: number
}

/** Runs both passes and writes, fsyncs, the cleaned files of every segment in the range cleaned. */
export function cleanSegments(disk: Disk, input: CleanerInput): CleanerResult {
  const latest = new Map<string, number>()
  const lastBatchOfProducer = new Map<number, number>()
  const keysMax = input.keysMax ?? CLEANER_KEYS_MAX
  let count = 0
  let mappedDirty = false
  while (count < input.segments.length && !(mappedDirty && latest.size >= keysMax)) {
    const segment = input.segments[count]!
    const end = count + 1 < input.segments.length ? input.segments[count + 1]!.baseOffset : input.endOffset
    const dirty = end > input.firstDirtyOffset
    forEachBatch(disk, input, segment, (batch) => {
      if (batch.producerId >= 0) lastBatchOfProducer.set(batch.producerId, batch.baseOffset)
      if (dirty) for (const record of batch.records) if (record.key !== null) latest.set(record.key, record.offset)
    })
    mappedDirty ||= dirty
    count++
  }
  const endOffset = count < input.segments.length ? input.segments[count]!.baseOffset : input.endOffset
  const out: CleanerResult = { dir: input.dir, endOffset, segments: [] }
  try {
    for (const segment of input.segments.slice(0, count)) {
      if (segment.sizeBytes === 0) continue
      out.segments.push(rewriteSegment(disk, input, segment, latest, lastBatchOfProducer))
    }
    disk.fsyncDir(input.dir)
  } catch (err) {
    // A segment deleted by retention meanwhile, a bad batch: no output is left behind for the swap.
    for (const segment of input.segments.slice(0, count)) discardCleaned(disk, input.dir, segment.baseOffset)
    throw err
  }
  return out
}

function rewriteSegment(disk: Disk, input: CleanerInput, segment: CleanableSegment, latest: Map<string, number>,
  lastBatchOfProducer: Map<number, number>): CleanedSegment {
  const paths = segmentPaths(input.dir, segment.baseOffset, CLEANED_SUFFIX)
  const result: CleanedSegment = {
    baseOffset: segment.baseOffset, originalSizeBytes: segment.sizeBytes, sizeBytes: 0, recordsKept: 0, recordsRemoved: 0, tombstonesDropped: 0,
  }
  for (const path of [paths.index, paths.timeindex]) if (disk.exists(path)) disk.unlink(path)
  const fd = disk.open(paths.log, 'create')
  const offsetIndex = OffsetIndex.fresh(paths.index)
  const timeIndex = TimeIndex.fresh(paths.timeindex)
  try {
    disk.ftruncate(fd, 0)
    let position = 0
    let maxTimestampMs = -1
    let offsetOfMaxTimestamp = -1
    forEachBatch(disk, input, segment, (batch, isLast) => {
      const dropTombstones = tombstoneExpired(batch, input.nowMs)
      const kept = batch.records.filter((r) => {
        if (r.key === null) return true
        const latestOffset = latest.get(r.key)
        if (latestOffset !== undefined && latestOffset !== r.offset) return false
        if (r.tombstone && dropTombstones) {
          result.tombstonesDropped++
          return false
        }
        return true
      })
      result.recordsKept += kept.length
      result.recordsRemoved += batch.records.length - kept.length
      const keepEmpty = isLast || lastBatchOfProducer.get(batch.producerId) === batch.baseOffset
      if (kept.length === 0 && !keepEmpty) return
      const bytes = compactedBatch(batch, kept, input.nowMs, input.deleteRetentionMs)
      const header = readBatchHeader(bytes, 0)
      const lastRelative = (batch.lastOffset - segment.baseOffset) as RelativeOffset
      if (header.maxTimestamp > maxTimestampMs) {
        maxTimestampMs = header.maxTimestamp
        offsetOfMaxTimestamp = lastRelative
      }
      // A batch given a delete horizon may grow by a few bytes per record; positions must still fit u32.
      assert(position <= RELATIVE_OFFSET_MAX, `cleaned ${paths.log} outgrew u32 positions at ${position}`)
      // The same rules as Segment.noteBatch, so that a rebuilt index equals this one.
      if (position - offsetIndex.lastPosition > input.indexIntervalBytes) {
        offsetIndex.append(disk, lastRelative, position as FilePosition)
        timeIndex.maybeAppend(disk, maxTimestampMs, offsetOfMaxTimestamp as RelativeOffset)
      }
      disk.pwrite(fd, bytes, 0, bytes.length, position)
      position += bytes.length
    })
    if (offsetOfMaxTimestamp >= 0) timeIndex.maybeAppend(disk, maxTimestampMs, offsetOfMaxTimestamp as RelativeOffset)
    offsetIndex.writePending(disk, true)
    timeIndex.writePending(disk, true)
    offsetIndex.fsync(disk)
    timeIndex.fsync(disk)
    disk.fdatasync(fd)
    result.sizeBytes = position
  } finally {
    disk.close(fd)
  }
  return result
}

/**
 * Reads the segment's first `sizeBytes` (one segment in memory at a time: segment.bytes bounds it)
 * and calls `visit` for each batch, with its records located, one batch at a time.
 */
function forEachBatch(disk: Disk, input: CleanerInput, segment: CleanableSegment,
  visit: (batch: ReadBatch, isLast: boolean) => void): void {
  const path = segmentPaths(input.dir, segment.baseOffset).log
  const fd = disk.open(path, 'read')
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(segment.sizeBytes)
    if (disk.pread(fd, bytes, 0, bytes.length, 0) !== bytes.length) throw storageCorrupt(`${path} is shorter than ${segment.sizeBytes} bytes`)
  } finally {
    disk.close(fd)
  }
  for (let pos = 0; pos < bytes.length;) {
    const check = checkBatch(bytes, pos, bytes.length, true)
    if (!check.ok) throw storageCorrupt(`${path}: ${check.problem} at position ${pos}; compaction stopped`)
    const header = readBatchHeader(bytes, pos)
    if (header.baseOffset + header.lastOffsetDelta >= input.endOffset) {
      throw storageCorrupt(`${path}: a batch at ${pos} ends past offset ${input.endOffset}`)
    }
    visit(locateRecords(bytes, pos, check.size, path), pos + check.size === bytes.length)
    pos += check.size
  }
}

function locateRecords(bytes: Uint8Array, pos: number, size: number, path: string): ReadBatch {
  // The decoder checks every length and varint of the batch; the walk below then cannot go astray.
  try {
    decodeBatch(bytes.subarray(pos, pos + size), 0, { verifyCrc: false, maxUncompressedBytes: DECOMPRESSED_BYTES_MAX })
  } catch (err) {
    throw storageCorrupt(`${path}: batch at position ${pos} does not decode; compaction stopped`, err)
  }
  const header = readBatchHeader(bytes, pos)
  const codec = (header.attributes & Attribute.compressionMask) as CompressionCodec
  let data = bytes
  let at = pos + BATCH_HEADER_BYTES
  let end = pos + size
  if (codec !== 0) {
    data = decompressRecords(codec, bytes.subarray(at, end), DECOMPRESSED_BYTES_MAX)
    at = 0
    end = data.length
  }
  const records: LocatedRecord[] = []
  const cursor = { pos: at }
  for (let i = 0; i < header.recordsCount; i++) {
    const start = cursor.pos
    const length = readVarint(data, cursor, end)
    const recordEnd = cursor.pos + length
    const attributes = data[cursor.pos++]!
    const timestampDelta = readVarlong(data, cursor, recordEnd)
    const tailStart = cursor.pos
    const offsetDelta = readVarint(data, cursor, recordEnd)
    const keyLength = readVarint(data, cursor, recordEnd)
    let key: string | null = null
    if (keyLength >= 0) {
      key = Buffer.from(data.buffer, data.byteOffset + cursor.pos, keyLength).toString('latin1')
      cursor.pos += keyLength
    }
    const valueLength = readVarint(data, cursor, recordEnd)
    records.push({
      start, end: recordEnd, tailStart, attributes, offset: header.baseOffset + offsetDelta, key, tombstone: valueLength < 0,
      timestampMs: recordTimestamp(header.attributes, header.baseTimestamp, header.maxTimestamp, timestampDelta),
    })
    cursor.pos = recordEnd
  }
  return {
    bytes: bytes.subarray(pos, pos + size), codec, data, records,
    deleteHorizonMs: (header.attributes & Attribute.deleteHorizon) !== 0 ? header.baseTimestamp : null,
    baseOffset: header.baseOffset, lastOffset: header.baseOffset + header.lastOffsetDelta, producerId: header.producerId,
  }
}

// The fixed 61-byte header of a Kafka RecordBatch v2, read and checked in place. The broker uses
// only this module on its hot path: it never decodes records, it checks structure and CRC, then
// rewrites baseOffset and partitionLeaderEpoch (outside the CRC) before appending the bytes as they are.
//
//   offset size field
//        0    8 baseOffset              i64  (rewritten by the broker)
//        8    4 batchLength             i32  bytes after this field: total size = batchLength + 12
//       12    4 partitionLeaderEpoch    i32  (rewritten by the broker)
//       16    1 magic                   i8   = 2
//       17    4 crc                     u32  CRC-32C of bytes [21, end)
//       21    2 attributes              i16  bits 0-2 compression, 3 timestamp type, 4 transactional,
//                                            5 control, 6 delete horizon
//       23    4 lastOffsetDelta         i32
//       27    8 baseTimestamp           i64
//       35    8 maxTimestamp            i64
//       43    8 producerId              i64  -1 without idempotence
//       51    2 producerEpoch           i16
//       53    4 baseSequence            i32
//       57    4 recordsCount            i32
//       61      records (possibly compressed)
import { crc32c } from './crc32c.js'

export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
  records: 61,
} as const

/** Bytes before the records: the smallest possible batch (with no records) is this long. */
export const BATCH_HEADER_BYTES = 61
/** batchLength counts the bytes after itself; the batch is this much longer. */
export const BATCH_LENGTH_OVERHEAD = 12
export const MAGIC_V2 = 2

export const Attribute = {
  compressionMask: 0x07,
  timestampTypeLogAppend: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CompressionCodec = (typeof Compression)[keyof typeof Compression]

/** The header fields of one batch. Offsets and timestamps are numbers: exact up to 2^53. */
export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Reads a big-endian i64 as a number (exact within +-2^53). */
export function readInt64(dv: DataView, pos: number): number {
  return dv.getInt32(pos) * 4294967296 + dv.getUint32(pos + 4)
}

/** Writes a number as a big-endian i64 (exact within +-2^53). */
export function writeInt64(dv: DataView, pos: number, value: number): void {
  const hi = Math.floor(value / 4294967296)
  dv.setInt32(pos, hi)
  dv.setUint32(pos + 4, value - hi * 4294967296)
}

/** Reads the header of the batch at `pos`; the caller has checked that 61 bytes are there. */
export function readBatchHeader(bytes: Uint8Array, pos = 0): BatchHeader {
  const dv = view(bytes)
  return {
    baseOffset: readInt64(dv, pos),
    batchLength: dv.getInt32(pos + BatchField.batchLength),
    partitionLeaderEpoch: dv.getInt32(pos + BatchField.partitionLeaderEpoch),
    magic: dv.getInt8(pos + BatchField.magic),
    crc: dv.getUint32(pos + BatchField.crc),
    attributes: dv.getInt16(pos + BatchField.attributes),
    lastOffsetDelta: dv.getInt32(pos + BatchField.lastOffsetDelta),
    baseTimestamp: readInt64(dv, pos + BatchField.baseTimestamp),
    maxTimestamp: readInt64(dv, pos + BatchField.maxTimestamp),
    producerId: readInt64(dv, pos + BatchField.producerId),
    producerEpoch: dv.getInt16(pos + BatchField.producerEpoch),
    baseSequence: dv.getInt32(pos + BatchField.baseSequence),
    recordsCount: dv.getInt32(pos + BatchField.recordsCount),
  }
}

/** Why a batch was refused; the broker answers CORRUPT_MESSAGE with this as the message. */
export type BatchProblem =
  | 'truncated'
  | 'bad-length'
  | 'bad-magic'
  | 'bad-crc'
  | 'bad-record-count'
  | 'bad-offset-delta'

export type BatchCheck = { ok: true; size: number } | { ok: false; problem: BatchProblem }

/**
 * Checks the batch starting at `pos` and ending no later than `end`: length, magic, header sanity
 * and CRC. It reads only the header and runs the CRC; records are not decoded.
 */
export function checkBatch(bytes: Uint8Array, pos: number, end: number, verifyCrc = true): BatchCheck {
  if (end - pos < BATCH_HEADER_BYTES) return { ok: false, problem: 'truncated' }
  const dv = view(bytes)
  const batchLength = dv.getInt32(pos + BatchField.batchLength)
  const size = batchLength + BATCH_LENGTH_OVERHEAD
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_OVERHEAD) return { ok: false, problem: 'bad-length' }
  if (size > end - pos) return { ok: false, problem: 'truncated' }
  if (dv.getInt8(pos + BatchField.magic) !== MAGIC_V2) return { ok: false, problem: 'bad-magic' }
  const recordsCount = dv.getInt32(pos + BatchField.recordsCount)
  const lastOffsetDelta = dv.getInt32(pos + BatchField.lastOffsetDelta)
  if (recordsCount < 0 || recordsCount > size) return { ok: false, problem: 'bad-record-count' }
  if (lastOffsetDelta < 0 || (recordsCount > 0 && lastOffsetDelta < recordsCount - 1)) {
    return { ok: false, problem: 'bad-offset-delta' }
  }
  if (verifyCrc) {
    const stored = dv.getUint32(pos + BatchField.crc)
    if (crc32c(bytes, pos + BatchField.attributes, pos + size) !== stored) return { ok: false, problem: 'bad-crc' }
  }
  return { ok: true, size }
}

/** Sets baseOffset and partitionLeaderEpoch in place; neither is covered by the CRC. */
export function stampBatch(bytes: Uint8Array, pos: number, baseOffset: number, leaderEpoch: number): void {
  const dv = view(bytes)
  writeInt64(dv, pos + BatchField.baseOffset, baseOffset)
  dv.setInt32(pos + BatchField.partitionLeaderEpoch, leaderEpoch)
}

/**
 * Marks the batch as LogAppendTime with `timestamp` as its maxTimestamp and recomputes its CRC
 * (both fields are covered by it). Used under `message.timestamp.type=LogAppendTime`.
 */
export function stampLogAppendTime(bytes: Uint8Array, pos: number, timestamp: number): void {
  const dv = view(bytes)
  const attributes = dv.getInt16(pos + BatchField.attributes)
  dv.setInt16(pos + BatchField.attributes, attributes | Attribute.timestampTypeLogAppend)
  writeInt64(dv, pos + BatchField.maxTimestamp, timestamp)
  const size = dv.getInt32(pos + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
  dv.setUint32(pos + BatchField.crc, crc32c(bytes, pos + BatchField.attributes, pos + size))
}

/** The offset of the batch's last record. */
export function lastOffsetOf(bytes: Uint8Array, pos = 0): number {
  const dv = view(bytes)
  return readInt64(dv, pos) + dv.getInt32(pos + BatchField.lastOffsetDelta)
}

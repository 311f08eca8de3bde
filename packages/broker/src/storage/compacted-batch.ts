// How compaction writes a batch that lost records, or that holds tombstones: byte for byte as Kafka's
// cleaner does (MemoryRecords.filterTo and MemoryRecordsBuilder, KIP-534), so that Kafka's tools and
// clients read faecie's compacted segments as their own.
//
// A batch whose records all survive and that needs no delete horizon is copied unchanged (unless its
// maxTimestamp is not its records' largest: a batch format 1's cleaner wrote). Otherwise:
//
//   retained records (>= 1)                       no record retained, batch kept (RETAIN_EMPTY)
//   baseOffset, lastOffsetDelta     unchanged      unchanged (the producer's last sequence stays)
//   producer fields, leader epoch   unchanged      unchanged
//   attributes                      + 0x40 when    compression none, 0x40 cleared; timestamp type,
//                                   a horizon      transactional, control kept
//   baseTimestamp                   the delete     -1 (NO_TIMESTAMP)
//                                   horizon, else
//                                   the first
//                                   retained
//                                   record's
//   maxTimestamp                    the largest    unchanged
//                                   retained one
//                                   (LogAppendTime:
//                                   unchanged)
//   records                         each re-encoded: timestampDelta = its timestamp - baseTimestamp
//                                   (may be negative under a horizon); offsetDelta, key, value and
//                                   headers copied as they were; compressed again with the codec
//
// The delete horizon (attribute 0x40, its value in baseTimestamp): a batch keeping a tombstone gets
// now + delete.retention.ms the first time the cleaner sees it (and keeps it afterwards); its
// tombstones are dropped by the first cleaning at or after the horizon. A record's timestamp is
// baseTimestamp + timestampDelta (for a LogAppendTime batch, its maxTimestamp), with or without one.
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_OVERHEAD,
  BatchField,
  compressRecords,
  crc32c,
  readInt64,
  sizeOfVarint,
  sizeOfVarlong,
  writeInt64,
  writeVarint,
  writeVarlong,
  type CompressionCodec,
} from '@faecie/protocol'

/** Kafka's RecordBatch.NO_TIMESTAMP. */
const NO_TIMESTAMP = -1

/** One record of a batch being compacted, located in the batch's (uncompressed) record bytes. */
export interface LocatedRecord {
  /** Where the record's length varint starts, and where the record ends. */
  start: number
  end: number
  /** Where its offsetDelta starts: everything from here on is copied unchanged. */
  tailStart: number
  attributes: number
  offset: number
  timestampMs: number
  key: string | null
  tombstone: boolean
}

/** The batch's bytes and its records, as the cleaner read them. */
export interface LocatedBatch {
  /** The whole batch (header first). */
  bytes: Uint8Array
  codec: CompressionCodec
  /** The uncompressed record bytes that `LocatedRecord` positions point into. */
  data: Uint8Array
  records: LocatedRecord[]
  /** The delete horizon the batch carries, or null when its 0x40 attribute is clear. */
  deleteHorizonMs: number | null
}

/** The timestamp of each record: for a LogAppendTime batch its maxTimestamp, else base + delta. */
export function recordTimestamp(attributes: number, baseTimestampMs: number, maxTimestampMs: number, deltaMs: number): number {
  return (attributes & Attribute.timestampTypeLogAppend) !== 0 ? maxTimestampMs : baseTimestampMs + deltaMs
}

/** Whether the cleaner may drop a tombstone of this batch now (KIP-534: at or after its horizon). */
export function tombstoneExpired(batch: LocatedBatch, nowMs: number): boolean {
  return batch.deleteHorizonMs !== null && nowMs >= batch.deleteHorizonMs
}

/**
 * The bytes to write for `batch` keeping `kept` of its records (in order): the batch itself when
 * nothing changes, else a rebuilt one (see the table above). `kept` may be empty (RETAIN_EMPTY).
 */
export function compactedBatch(batch: LocatedBatch, kept: LocatedRecord[], nowMs: number, deleteRetentionMs: number): Uint8Array {
  if (kept.length === 0) return emptyBatch(batch.bytes)
  const header = new DataView(batch.bytes.buffer, batch.bytes.byteOffset, BATCH_HEADER_BYTES)
  const attributes = header.getInt16(BatchField.attributes)
  const needsHorizon = batch.deleteHorizonMs === null && kept.some((r) => r.tombstone)
  const maxTimestampMs = (attributes & Attribute.timestampTypeLogAppend) !== 0 ? readInt64(header, BatchField.maxTimestamp) : largestTimestamp(kept)
  // Format 1's cleaner kept the header of a batch it took records from: its maxTimestamp may be a
  // removed record's. Such a batch is written again even when it loses nothing more.
  const staleMax = maxTimestampMs !== readInt64(header, BatchField.maxTimestamp)
  if (kept.length === batch.records.length && !needsHorizon && !staleMax) return batch.bytes
  const horizonMs = needsHorizon ? nowMs + deleteRetentionMs : (batch.deleteHorizonMs ?? NO_TIMESTAMP)
  const baseTimestampMs = horizonMs !== NO_TIMESTAMP ? horizonMs : kept[0]!.timestampMs

  let payload = encodeRecords(batch.data, kept, baseTimestampMs)
  if (batch.codec !== 0) payload = compressRecords(batch.codec, payload)
  const out = new Uint8Array(BATCH_HEADER_BYTES + payload.length)
  out.set(batch.bytes.subarray(0, BATCH_HEADER_BYTES), 0)
  out.set(payload, BATCH_HEADER_BYTES)
  const dv = new DataView(out.buffer)
  const horizonBit = horizonMs !== NO_TIMESTAMP ? Attribute.deleteHorizon : 0
  dv.setInt16(BatchField.attributes, (attributes & ~Attribute.deleteHorizon) | horizonBit)
  writeInt64(dv, BatchField.baseTimestamp, baseTimestampMs)
  writeInt64(dv, BatchField.maxTimestamp, maxTimestampMs)
  return finish(out, kept.length)
}

function largestTimestamp(records: LocatedRecord[]): number {
  let max = NO_TIMESTAMP
  for (const r of records) if (r.timestampMs > max) max = r.timestampMs
  return max
}

/** Kafka's DefaultRecordBatch.writeEmptyHeader over the original header: no records, no compression. */
function emptyBatch(original: Uint8Array): Uint8Array {
  const out = original.slice(0, BATCH_HEADER_BYTES)
  const dv = new DataView(out.buffer)
  const attributes = dv.getInt16(BatchField.attributes)
  dv.setInt16(BatchField.attributes, attributes & ~Attribute.compressionMask & ~Attribute.deleteHorizon)
  writeInt64(dv, BatchField.baseTimestamp, NO_TIMESTAMP)
  return finish(out, 0)
}

function finish(out: Uint8Array, recordsCount: number): Uint8Array {
  const dv = new DataView(out.buffer)
  dv.setInt32(BatchField.batchLength, out.length - BATCH_LENGTH_OVERHEAD)
  dv.setInt32(BatchField.recordsCount, recordsCount)
  dv.setUint32(BatchField.crc, crc32c(out, BatchField.attributes, out.length))
  return out
}

/** The records re-encoded against `baseTimestampMs`: new length and timestampDelta, the rest as it was. */
function encodeRecords(data: Uint8Array, kept: LocatedRecord[], baseTimestampMs: number): Uint8Array {
  const bodies = kept.map((r) => {
    const delta = r.timestampMs - baseTimestampMs
    return { r, delta, bodyBytes: 1 + sizeOfVarlong(delta) + (r.end - r.tailStart) }
  })
  let total = 0
  for (const b of bodies) total += sizeOfVarint(b.bodyBytes) + b.bodyBytes
  const out = new Uint8Array(total)
  let at = 0
  for (const { r, delta, bodyBytes } of bodies) {
    at = writeVarint(out, at, bodyBytes)
    out[at++] = r.attributes
    at = writeVarlong(out, at, delta)
    out.set(data.subarray(r.tailStart, r.end), at)
    at += r.end - r.tailStart
  }
  return out
}

// Decodes Kafka RecordBatch v2 bytes into records: one batch, or every batch of a byte range laid
// back to back (a fetch response, a segment file). The header layout is drawn in batch-header.ts,
// the record layout in record-batch-encoder.ts.
//
// Everything read comes from the network or the disk, so nothing is trusted: the header is checked
// (length, magic, counts, CRC) before any record is read; every length and varint is checked against
// the end of its record, and every record against the end of the batch; negative lengths other than
// -1, a record count the bytes can't hold, bytes left over, and payloads that don't decompress all
// end in a FaecieError with code CORRUPT_MESSAGE (a codec not registered here: UNSUPPORTED_COMPRESSION_TYPE).
// Each loop is bounded by bytes already checked to be there, so no input makes it spin.
//
// Keys and values are views into the input (or into the decompressed payload) unless `copy` is set:
// fast, but a view keeps the whole input buffer alive and sees later writes to it.
import {
  Attribute,
  BATCH_HEADER_BYTES,
  readBatchHeader,
  checkBatch,
  type BatchHeader,
  type BatchProblem,
  type CompressionCodec,
} from './batch-header.js'
import { decompressRecords } from './compression.js'
import { corruptMessage } from './errors.js'
import { decodeUtf8 } from './utf8.js'
import { readVarint, readVarlong, type Cursor } from './varint.js'

export interface RecordHeader {
  key: string
  value: Uint8Array | null
}

export interface DecodedRecord {
  offset: number
  timestamp: number
  key: Uint8Array | null
  value: Uint8Array | null
  headers: RecordHeader[]
}

export interface DecodedBatch {
  header: BatchHeader
  compression: CompressionCodec
  transactional: boolean
  /** A control batch (transaction markers): its records are markers, not data. */
  control: boolean
  /** 'logAppend' when the broker stamped the time: every record then has maxTimestamp. */
  timestampType: 'create' | 'logAppend'
  /** Bytes of the whole batch, header included: where the next batch starts. */
  sizeBytes: number
  records: DecodedRecord[]
}

export interface DecodeOptions {
  /** Check the CRC (default true). Only skip it for bytes checked a moment ago. */
  verifyCrc?: boolean
  /** Copy keys and values out of the input instead of returning views (default false). */
  copy?: boolean
  /** Largest decompressed payload accepted (default 128 MiB). */
  maxUncompressedBytes?: number
}

/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
export const RECORD_BYTES_MIN = 7
const RECORD_BODY_BYTES_MIN = RECORD_BYTES_MIN - 1
/** The smallest header: key length 0 and value length -1. */
const HEADER_BYTES_MIN = 2
const MAX_UNCOMPRESSED_BYTES_DEFAULT = 128 * 1024 * 1024

const PROBLEM_TEXT: Record<BatchProblem, string> = {
  truncated: 'the batch is cut short',
  'bad-length': 'batchLength is smaller than a header',
  'bad-magic': 'magic is not 2',
  'bad-crc': 'CRC-32C mismatch',
  'bad-record-count': 'recordsCount is out of range',
  'bad-offset-delta': 'lastOffsetDelta does not fit recordsCount',
}

/** Decodes the batch that starts at `pos` and ends within `bytes`. */
export function decodeBatch(bytes: Uint8Array, pos = 0, options: DecodeOptions = {}): DecodedBatch {
  if (!Number.isInteger(pos) || pos < 0 || pos > bytes.length) throw new RangeError(`bad position ${pos} in ${bytes.length} bytes`)
  return decodeBatchIn(bytes, pos, bytes.length, options)
}

/** Decodes every batch in bytes[start, end), which must hold whole batches back to back. */
export function* decodeBatches(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  options: DecodeOptions = {},
): Generator<DecodedBatch, void, undefined> {
  if (start < 0 || end > bytes.length || start > end) throw new RangeError(`bad range [${start}, ${end}) of ${bytes.length} bytes`)
  let pos = start
  while (pos < end) {
    const batch = decodeBatchIn(bytes, pos, end, options)
    pos += batch.sizeBytes
    yield batch
  }
}

/** The fields of a decoded batch besides its records. */
export type BatchInfo = Omit<DecodedBatch, 'records'>

/**
 * Receives each record of a scan (scanBatches) as it is read, with no record object made. `headers`
 * is a shared empty array when the record has none: read it, don't keep or change it.
 */
export type RecordSink = (offset: number, timestamp: number, key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]) => void

/**
 * Reads every batch in bytes[start, end) (whole batches back to back) with the checks of
 * decodeBatches, but hands each batch to `onBatch` and, when it returns true, each of its records
 * to `onRecord`, allocating nothing per record but the key and value views (the consumer's path).
 */
export function scanBatches(
  bytes: Uint8Array,
  start: number,
  end: number,
  options: DecodeOptions,
  onBatch: (batch: BatchInfo) => boolean,
  onRecord: RecordSink,
): void {
  if (start < 0 || end > bytes.length || start > end) throw new RangeError(`bad range [${start}, ${end}) of ${bytes.length} bytes`)
  let pos = start
  while (pos < end) {
    const info = openBatch(bytes, pos, end, options)
    pos += info.batch.sizeBytes
    if (onBatch(info.batch)) readRecords(info, options.copy ?? false, onRecord)
  }
}

/** A checked batch and where its records lie: in the input, or in its decompressed payload. */
export interface OpenBatch {
  batch: BatchInfo
  data: Uint8Array
  dataStart: number
  dataEnd: number
}

/**
 * Where one record's fields lie in its batch's `data`, every length checked (readRecordAt fills it;
 * one object serves every record). A length of -1 is null.
 */
export interface RecordFields {
  offset: number
  timestamp: number
  keyStart: number
  keyLength: number
  valueStart: number
  valueLength: number
  headersStart: number
  headerCount: number
  /** Where the next record starts. */
  end: number
}

/** An empty RecordFields to hand to readRecordAt. */
export function recordFields(): RecordFields {
  return { offset: 0, timestamp: 0, keyStart: 0, keyLength: -1, valueStart: 0, valueLength: -1, headersStart: 0, headerCount: 0, end: 0 }
}

function decodeBatchIn(bytes: Uint8Array, pos: number, end: number, options: DecodeOptions): DecodedBatch {
  const info = openBatch(bytes, pos, end, options)
  const records: DecodedRecord[] = []
  readRecords(info, options.copy ?? false, (offset, timestamp, key, value, headers) => {
    records.push({ offset, timestamp, key, value, headers: headers.length === 0 ? [] : (headers as RecordHeader[]) })
  })
  return { ...info.batch, records }
}

/**
 * Checks the batch at `pos` (ending within `end`) and finds its records' bytes, decompressed if need
 * be: the first step of reading records one at a time with readRecordAt (the consumer's lazy path).
 */
export function openBatch(bytes: Uint8Array, pos: number, end: number, options: DecodeOptions = {}): OpenBatch {
  const check = checkBatch(bytes, pos, end, options.verifyCrc ?? true)
  if (!check.ok) throw corruptMessage(`${PROBLEM_TEXT[check.problem]} (batch at byte ${pos})`)
  const header = readBatchHeader(bytes, pos)
  const compression = (header.attributes & Attribute.compressionMask) as CompressionCodec
  let data = bytes
  let dataStart = pos + BATCH_HEADER_BYTES
  let dataEnd = pos + check.size
  if (compression !== 0) {
    const limit = options.maxUncompressedBytes ?? MAX_UNCOMPRESSED_BYTES_DEFAULT
    data = decompressRecords(compression, bytes.subarray(dataStart, dataEnd), limit)
    dataStart = 0
    dataEnd = data.length
  }
  if (header.recordsCount > (dataEnd - dataStart) / RECORD_BYTES_MIN) {
    throw corruptMessage(`recordsCount ${header.recordsCount} is more than ${dataEnd - dataStart} bytes can hold`)
  }
  const batch: BatchInfo = {
    header,
    compression,
    transactional: (header.attributes & Attribute.transactional) !== 0,
    control: (header.attributes & Attribute.control) !== 0,
    timestampType: (header.attributes & Attribute.timestampTypeLogAppend) !== 0 ? 'logAppend' : 'create',
    sizeBytes: check.size,
  }
  return { batch, data, dataStart, dataEnd }
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([])
/** The slow varint paths' read position: one object, as nothing they call can re-enter them. */
const scratch: Cursor = { pos: 0 }
/** The position after the varint varintAt() or varlongAt() read last (a module slot: no object per read). */
let after = 0

/**
 * The varint at `pos`: up to three bytes (every length, delta and count of records up to 1 MiB)
 * read here, longer ones by readVarint, with its checks. Sets `after`.
 */
function varintAt(data: Uint8Array, pos: number, end: number): number {
  if (pos < end) {
    const b0 = data[pos]!
    if (b0 < 0x80) {
      after = pos + 1
      return (b0 >>> 1) ^ -(b0 & 1)
    }
    if (pos + 1 < end) {
      const b1 = data[pos + 1]!
      if (b1 < 0x80) {
        after = pos + 2
        const z = (b0 & 0x7f) | (b1 << 7)
        return (z >>> 1) ^ -(z & 1)
      }
      if (pos + 2 < end && data[pos + 2]! < 0x80) {
        after = pos + 3
        const z = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (data[pos + 2]! << 14)
        return (z >>> 1) ^ -(z & 1)
      }
    }
  }
  scratch.pos = pos
  const value = readVarint(data, scratch, end)
  after = scratch.pos
  return value
}

/** The varlong at `pos`: up to three bytes it is read as a varint (the same bytes), else by readVarlong. */
function varlongAt(data: Uint8Array, pos: number, end: number): number {
  if (pos + 2 < end && (data[pos]! < 0x80 || data[pos + 1]! < 0x80 || data[pos + 2]! < 0x80)) return varintAt(data, pos, end)
  scratch.pos = pos
  const value = readVarlong(data, scratch, end)
  after = scratch.pos
  return value
}

/**
 * Reads the record at `pos` of an open batch into `out`, checking every length and varint against
 * the end of the record and the record against the end of the batch, without making anything.
 */
export function readRecordAt(open: OpenBatch, pos: number, out: RecordFields): void {
  const data = open.data
  const header = open.batch.header
  const length = varintAt(data, pos, open.dataEnd)
  if (length < RECORD_BODY_BYTES_MIN) throw corruptMessage(`record length ${length} is too small`)
  const recordEnd = after + length
  if (recordEnd > open.dataEnd) throw corruptMessage(`record of ${length} bytes runs past the end of the batch`)
  // after + 1: the record attributes, unused in v2
  const timestampDelta = varlongAt(data, after + 1, recordEnd)
  const offsetDelta = varintAt(data, after, recordEnd)
  if (offsetDelta < 0 || offsetDelta > header.lastOffsetDelta) {
    throw corruptMessage(`offsetDelta ${offsetDelta} is outside [0, lastOffsetDelta ${header.lastOffsetDelta}]`)
  }
  const keyLength = varintAt(data, after, recordEnd)
  out.keyStart = after
  out.keyLength = lengthOfBytes(keyLength, recordEnd)
  const valueLength = varintAt(data, keyLength > 0 ? after + keyLength : after, recordEnd)
  out.valueStart = after
  out.valueLength = lengthOfBytes(valueLength, recordEnd)
  const headerCount = varintAt(data, valueLength > 0 ? after + valueLength : after, recordEnd)
  if (headerCount < 0 || headerCount > (recordEnd - after) / HEADER_BYTES_MIN) {
    throw corruptMessage(`header count ${headerCount} does not fit the record`)
  }
  out.headersStart = after
  let at = after
  for (let h = 0; h < headerCount; h++) {
    const headerKeyLength = varintAt(data, at, recordEnd)
    if (headerKeyLength < 0 || headerKeyLength > recordEnd - after) throw corruptMessage(`header key length ${headerKeyLength} is out of range`)
    const headerValueLength = varintAt(data, after + headerKeyLength, recordEnd)
    at = after + (lengthOfBytes(headerValueLength, recordEnd) > 0 ? headerValueLength : 0)
  }
  if (at !== recordEnd) throw corruptMessage(`record length ${length} does not match its fields`)
  out.headerCount = headerCount
  out.offset = header.baseOffset + offsetDelta
  out.timestamp = open.batch.timestampType === 'logAppend' ? header.maxTimestamp : header.baseTimestamp + timestampDelta
  out.end = recordEnd
}

/** Checks a bytes field's length read just before `after` (-1: null); returns it. */
function lengthOfBytes(length: number, end: number): number {
  if (length < -1 || length > end - after) throw corruptMessage(`length ${length} is out of range`)
  return length
}

/** The headers of a record read by readRecordAt (in order; a repeated key comes once per value). */
export function readRecordHeaders(data: Uint8Array, fields: RecordFields, copy = false): RecordHeader[] {
  const headers: RecordHeader[] = []
  const cursor: Cursor = { pos: fields.headersStart }
  for (let h = 0; h < fields.headerCount; h++) {
    const keyLength = readVarint(data, cursor, fields.end)
    const key = decodeUtf8(data.subarray(cursor.pos, cursor.pos + keyLength))
    cursor.pos += keyLength
    headers.push({ key, value: readBytes(data, cursor, fields.end, copy) })
  }
  return headers
}

function readRecords(open: OpenBatch, copy: boolean, sink: RecordSink): void {
  const { data, dataStart, dataEnd } = open
  const fields = recordFields()
  let pos = dataStart
  for (let i = 0; i < open.batch.header.recordsCount; i++) {
    readRecordAt(open, pos, fields)
    pos = fields.end
    const key = bytesAt(data, fields.keyStart, fields.keyLength, copy)
    const value = bytesAt(data, fields.valueStart, fields.valueLength, copy)
    const headers = fields.headerCount === 0 ? NO_HEADERS : readRecordHeaders(data, fields, copy)
    sink(fields.offset, fields.timestamp, key, value, headers)
  }
  if (pos !== dataEnd) throw corruptMessage(`${dataEnd - pos} bytes left after the last record`)
}

/** Reads a varint length and that many bytes; -1 is null. */
function readBytes(data: Uint8Array, cursor: Cursor, end: number, copy: boolean): Uint8Array | null {
  const length = readVarint(data, cursor, end)
  if (length < -1 || length > end - cursor.pos) throw corruptMessage(`length ${length} is out of range`)
  const start = cursor.pos
  if (length > 0) cursor.pos += length
  return bytesAt(data, start, length, copy)
}

/**
 * The bytes [start, start + length) of `data` as a view (or a copy); a length of -1 is null. A view
 * made by the constructor: much cheaper than subarray(), which looks up the species.
 */
export function bytesAt(data: Uint8Array, start: number, length: number, copy = false): Uint8Array | null {
  if (length < 0) return null
  return copy ? data.slice(start, start + length) : new Uint8Array(data.buffer, data.byteOffset + start, length)
}

/** A record with its key, value and header values read as UTF-8 text. */
export interface TextRecord {
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: Array<{ key: string; value: string | null }>
}

/** UTF-8 text of a key or value; null stays null. */
export function decodeText(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : decodeUtf8(bytes)
}

/** The record with every byte field decoded as UTF-8 (for text payloads such as JSON). */
export function recordAsText(record: DecodedRecord): TextRecord {
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: decodeText(record.key),
    value: decodeText(record.value),
    headers: record.headers.map((h) => ({ key: h.key, value: decodeText(h.value) })),
  }
}

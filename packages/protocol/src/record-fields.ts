// One record of a RecordBatch v2 read in place: readRecordAt finds where each field of the record
// at a position lies and checks every length and varint against the end of the record, and the
// record against the end of its batch, without making anything (the consumer's lazy records and
// the decoder both read records this way). The record layout:
//
//   length          varint   bytes after this field
//   attributes      int8     unused in v2
//   timestampDelta  varlong  from the batch's baseTimestamp
//   offsetDelta     varint   from the batch's baseOffset
//   keyLength       varint   -1: null
//   key             bytes
//   valueLength     varint   -1: null
//   value           bytes
//   headerCount     varint
//   headers         [keyLength varint, key utf8, valueLength varint (-1: null), value bytes]
import type { BatchHeader } from './batch-header.js'
import { corruptMessage } from './errors.js'
import { decodeUtf8 } from './utf8.js'
import { readVarint, readVarlong, type Cursor } from './varint.js'

/** What readRecordAt needs of a batch: its header, and where its (decompressed) records lie. */
export interface RecordsOfBatch {
  batch: { header: BatchHeader; timestampType: 'create' | 'logAppend' }
  data: Uint8Array
  dataStart: number
  dataEnd: number
}

export interface RecordHeader {
  key: string
  value: Uint8Array | null
}

/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
export const RECORD_BYTES_MIN = 7
const RECORD_BODY_BYTES_MIN = RECORD_BYTES_MIN - 1
/** The smallest header: key length 0 and value length -1. */
const HEADER_BYTES_MIN = 2

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
export function readRecordAt(open: RecordsOfBatch, pos: number, out: RecordFields): void {
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


// Decodes Kafka RecordBatch v2 bytes into records: one batch, or every batch of a byte range laid
// back to back (a fetch response, a segment file). The header layout is drawn in batch-header.ts,
// the record layout in record-fields.ts (which reads one record in place) and record-batch-encoder.ts.
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
import { RECORD_BYTES_MIN, type RecordHeader, bytesAt, readRecordAt, readRecordHeaders, recordFields } from './record-fields.js'
import { decodeUtf8 } from './utf8.js'

export * from './record-fields.js'

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

// Builds one Kafka RecordBatch v2 a record at a time, in a buffer it owns and reuses: each append()
// writes the record's bytes at once (record layout in record-batch-encoder.ts), so a producer keeps
// no record objects between send() and the wire, and finish() only fills in the 61-byte header
// (batch-header.ts) and the CRC, or compresses the records into a new buffer. finish() may be called
// again (a retried batch with new idempotence fields): the records stay as they were appended.
//
// A length comes before bytes whose UTF-8 size is known only once written. The builder reserves the
// varint size that an all-ASCII string would need (exact for ASCII and for Uint8Arrays), writes the
// bytes after it, and only when the guess was wrong moves them by a byte or two (copyWithin). The
// common record (bytes or null key and value, no headers) has every size known up front.
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_OVERHEAD,
  BatchField,
  Compression,
  MAGIC_V2,
  writeInt64,
  type CompressionCodec,
} from './batch-header.js'
import { compressRecords, compressionCodecOf } from './compression.js'
import { crc32c } from './crc32c.js'
import { ErrorCode, FaecieError } from './errors.js'
import type { EncodeOptions, RecordData, RecordInput } from './record-batch-encoder.js'
import { utf8BytesMax, writeUtf8 } from './utf8.js'
import { VARINT_BYTES_MAX, VARLONG_BYTES_MAX, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js'

const INITIAL_CAPACITY_BYTES = 16 * 1024
const INT32_MAX = 0x7fffffff
const TWO_POW_53 = 9007199254740992
/** A record's fixed parts at their largest: length, attributes, timestampDelta, offsetDelta, headerCount. */
const RECORD_FIXED_BYTES_MAX = VARINT_BYTES_MAX + 1 + VARLONG_BYTES_MAX + VARINT_BYTES_MAX + VARINT_BYTES_MAX

export class RecordBatchBuilder {
  private buf: Uint8Array
  private view: DataView
  /** The end of the records written so far. */
  private pos = BATCH_HEADER_BYTES
  private count = 0
  private baseTimestamp = 0
  private maxTimestamp = 0

  /** `buffer`: memory to build in (a recycled one); it grows on demand and never shrinks. */
  constructor(initialCapacityBytes = INITIAL_CAPACITY_BYTES, buffer?: Uint8Array) {
    this.buf = buffer !== undefined && buffer.byteOffset === 0 && buffer.length >= BATCH_HEADER_BYTES
      ? buffer
      : new Uint8Array(Math.max(initialCapacityBytes, BATCH_HEADER_BYTES))
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
  }

  get recordCount(): number {
    return this.count
  }

  /** Bytes of the batch as finish() makes it without compression, header included. */
  get sizeBytes(): number {
    return this.pos
  }

  get capacityBytes(): number {
    return this.buf.length
  }

  /** The memory built in (to recycle once the batch is done with: the builder must not be used after). */
  get buffer(): Uint8Array {
    return this.buf
  }

  /** Empties the batch, keeping the buffer. */
  reset(): void {
    this.pos = BATCH_HEADER_BYTES
    this.count = 0
    this.baseTimestamp = 0
    this.maxTimestamp = 0
  }

  /**
   * Appends one record (its timestamp, else `defaultTimestamp`). Bad input throws before anything
   * is written: a TypeError for a key, value or header of the wrong type, INVALID_TIMESTAMP for a
   * timestamp that is not a safe integer or is more than 2^53 ms from the batch's first.
   */
  append(record: RecordInput, defaultTimestamp: number): void {
    const timestamp = record.timestamp ?? defaultTimestamp
    const delta = this.timestampDelta(timestamp)
    const key = record.key ?? null
    const value = record.value ?? null
    const headers = record.headers
    this.pos = headers === undefined || headers.length === 0
      ? (key === null || key instanceof Uint8Array) && (value === null || value instanceof Uint8Array)
        ? this.writeBytesRecord(this.pos, key, value, delta, this.count)
        : this.writeRecord(this.pos, key, value, undefined, delta, this.count)
      : this.writeRecord(this.pos, key, value, headers, delta, this.count)
    if (this.count === 0) {
      this.baseTimestamp = timestamp
      this.maxTimestamp = timestamp
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp
    }
    this.count++
  }

  /**
   * The timestamp delta of the next record (Kafka's producer takes the first record's timestamp as
   * the base; deltas may be negative); throws INVALID_TIMESTAMP for a timestamp that is not a safe
   * integer or is more than 2^53 ms from the first.
   */
  private timestampDelta(timestamp: number): number {
    if (!Number.isSafeInteger(timestamp)) {
      throw new FaecieError(ErrorCode.INVALID_TIMESTAMP, `A record timestamp is not a safe integer: ${timestamp}.`)
    }
    const delta = timestamp - (this.count === 0 ? timestamp : this.baseTimestamp)
    if (delta > TWO_POW_53 || delta < -TWO_POW_53) {
      throw new FaecieError(ErrorCode.INVALID_TIMESTAMP, `Record ${this.count} is more than 2^53 ms from the first record.`)
    }
    return delta
  }

  /**
   * The bulk path: appends values[from, to) as records that share `key` and `timestamp`, with no
   * headers and no object per record; the bytes are those append() would write for the same records
   * one at a time. Bad input throws before anything is written, as append() does.
   */
  appendValues(values: readonly Uint8Array[], from: number, to: number, key: Uint8Array | null, timestamp: number): void {
    if (to <= from) return
    const delta = this.timestampDelta(timestamp)
    if (key !== null && !(key instanceof Uint8Array)) throw new TypeError('a key must be a Uint8Array or null')
    const keyBytes = key === null ? 0 : key.length
    let valueBytes = 0
    for (let i = from; i < to; i++) {
      const value = values[i]
      if (!(value instanceof Uint8Array)) throw new TypeError('a value must be a Uint8Array')
      valueBytes += value.length
    }
    // Room for all of them at once: each record's varints at their largest, the key and the value.
    this.ensure(this.pos + (to - from) * (RECORD_FIXED_BYTES_MAX + 2 * VARINT_BYTES_MAX + keyBytes) + valueBytes)
    // What every record shares is written once into `shared` and copied: the timestamp delta, and the
    // key with its length. Only the offset delta and the value differ (zig-zag varints: 2n for n >= 0).
    const buf = this.buf
    const shared = this.sharedPrefix(delta, key)
    const sharedBytes = shared.length
    let pos = this.pos
    let offsetDelta = this.count
    for (let i = from; i < to; i++) {
      const value = values[i]!
      const valueLength = value.length
      const offsetBytes = offsetDelta < 64 ? 1 : offsetDelta < 8192 ? 2 : sizeOfVarint(offsetDelta)
      const lengthBytes = valueLength < 64 ? 1 : valueLength < 8192 ? 2 : sizeOfVarint(valueLength)
      // attributes, the shared fields, offsetDelta, value length, value, headerCount
      let z = (1 + sharedBytes + offsetBytes + lengthBytes + valueLength + 1) * 2
      while (z >= 0x80) {
        buf[pos++] = (z & 0x7f) | 0x80
        z >>>= 7
      }
      buf[pos++] = z
      buf[pos++] = 0 // record attributes: unused in v2
      // The shared part is the timestamp delta, then (after the offset delta) the key: split around it.
      for (let b = 0; b < shared.tsBytes; b++) buf[pos++] = shared.bytes[b]!
      z = offsetDelta * 2
      while (z >= 0x80) {
        buf[pos++] = (z & 0x7f) | 0x80
        z >>>= 7
      }
      buf[pos++] = z
      for (let b = shared.tsBytes; b < sharedBytes; b++) buf[pos++] = shared.bytes[b]!
      z = valueLength * 2
      while (z >= 0x80) {
        buf[pos++] = (z & 0x7f) | 0x80
        z >>>= 7
      }
      buf[pos++] = z
      buf.set(value, pos)
      pos += valueLength
      buf[pos++] = 0 // headerCount 0
      offsetDelta++
    }
    this.pos = pos
    if (this.count === 0) {
      this.baseTimestamp = timestamp
      this.maxTimestamp = timestamp
    } else if (timestamp > this.maxTimestamp) {
      this.maxTimestamp = timestamp
    }
    this.count += to - from
  }

  /** The bytes every record of an appendValues() call shares: the timestamp delta's varlong, then the key field. */
  private sharedPrefix(timestampDelta: number, key: Uint8Array | null): { bytes: Uint8Array; tsBytes: number; length: number } {
    const keyField = key === null ? 1 : sizeOfVarint(key.length) + key.length
    const bytes = new Uint8Array(VARLONG_BYTES_MAX + keyField + VARINT_BYTES_MAX)
    const tsBytes = writeVarlong(bytes, 0, timestampDelta)
    let p = tsBytes
    if (key === null) bytes[p++] = 1 // zig-zag varint of -1
    else {
      p = writeVarint(bytes, p, key.length)
      bytes.set(key, p)
      p += key.length
    }
    return { bytes, tsBytes, length: p }
  }

  /**
   * Fills in the header and CRC and returns the batch. Uncompressed: a view of the builder's buffer,
   * valid until the next append(), reset() or finish(); compressed: a buffer of its own.
   */
  finish(options: EncodeOptions = {}): Uint8Array {
    if (this.count === 0) throw new RangeError('a record batch needs at least one record')
    const { codec, baseOffset, leaderEpoch, producerId, producerEpoch, baseSequence } = headerFields(options)
    let out = this.buf
    let dv = this.view
    let end = this.pos
    if (codec !== Compression.none) {
      const compressed = compressRecords(codec, this.buf.subarray(BATCH_HEADER_BYTES, this.pos))
      out = new Uint8Array(BATCH_HEADER_BYTES + compressed.length)
      out.set(compressed, BATCH_HEADER_BYTES)
      dv = new DataView(out.buffer, out.byteOffset, out.length)
      end = out.length
    }
    if (end - BATCH_LENGTH_OVERHEAD > INT32_MAX) {
      throw new FaecieError(ErrorCode.MESSAGE_TOO_LARGE, 'The batch is larger than a RecordBatch can be (2 GiB).')
    }
    writeInt64(dv, BatchField.baseOffset, baseOffset)
    dv.setInt32(BatchField.batchLength, end - BATCH_LENGTH_OVERHEAD)
    dv.setInt32(BatchField.partitionLeaderEpoch, leaderEpoch)
    dv.setInt8(BatchField.magic, MAGIC_V2)
    dv.setInt16(BatchField.attributes, codec | (options.transactional === true ? Attribute.transactional : 0))
    dv.setInt32(BatchField.lastOffsetDelta, this.count - 1)
    writeInt64(dv, BatchField.baseTimestamp, this.baseTimestamp)
    writeInt64(dv, BatchField.maxTimestamp, this.maxTimestamp)
    writeInt64(dv, BatchField.producerId, producerId)
    dv.setInt16(BatchField.producerEpoch, producerEpoch)
    dv.setInt32(BatchField.baseSequence, baseSequence)
    dv.setInt32(BatchField.recordsCount, this.count)
    dv.setUint32(BatchField.crc, crc32c(out, BatchField.attributes, end))
    return out.subarray(0, end)
  }

  /**
   * The common record: no headers, key and value bytes or null. Every size is known up front, so
   * the length goes first with no guess and nothing moves (the producer's hot path).
   */
  private writeBytesRecord(pos: number, key: Uint8Array | null, value: Uint8Array | null, timestampDelta: number, offsetDelta: number): number {
    const keyLength = key === null ? -1 : key.length
    const valueLength = value === null ? -1 : value.length
    const bodyBytes = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) +
      (keyLength < 0 ? 1 : sizeOfVarint(keyLength) + keyLength) + (valueLength < 0 ? 1 : sizeOfVarint(valueLength) + valueLength) + 1
    this.ensure(pos + VARINT_BYTES_MAX + bodyBytes)
    const buf = this.buf
    let p = writeVarint(buf, pos, bodyBytes)
    buf[p++] = 0 // record attributes: unused in v2
    p = writeVarlong(buf, p, timestampDelta)
    p = writeVarint(buf, p, offsetDelta)
    p = writeVarint(buf, p, keyLength)
    if (keyLength > 0) {
      buf.set(key!, p)
      p += keyLength
    }
    p = writeVarint(buf, p, valueLength)
    if (valueLength > 0) {
      buf.set(value!, p)
      p += valueLength
    }
    buf[p++] = 0 // headerCount 0
    return p
  }

  private writeRecord(
    pos: number,
    key: RecordData,
    value: RecordData,
    headers: RecordInput['headers'],
    timestampDelta: number,
    offsetDelta: number,
  ): number {
    const headerCount = headers === undefined ? 0 : headers.length
    // Room for the worst case (every string 3 bytes a unit), and the body size if strings are ASCII.
    let bytesMax = RECORD_FIXED_BYTES_MAX + fieldBytesMax(key) + fieldBytesMax(value)
    let bodyGuess =
      1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + fieldBytesGuess(key) + fieldBytesGuess(value) + sizeOfVarint(headerCount)
    for (let h = 0; h < headerCount; h++) {
      const header = headers![h]!
      if (typeof header.key !== 'string') throw new TypeError('a header key must be a string')
      bytesMax += fieldBytesMax(header.key) + fieldBytesMax(header.value)
      bodyGuess += fieldBytesGuess(header.key) + fieldBytesGuess(header.value)
    }
    this.ensure(pos + bytesMax)

    const buf = this.buf
    const reserved = sizeOfVarint(bodyGuess)
    const bodyStart = pos + reserved
    let p = bodyStart
    buf[p++] = 0 // record attributes: unused in v2
    p = writeVarlong(buf, p, timestampDelta)
    p = writeVarint(buf, p, offsetDelta)
    p = this.writeField(p, key)
    p = this.writeField(p, value)
    p = writeVarint(buf, p, headerCount)
    for (let h = 0; h < headerCount; h++) {
      const header = headers![h]!
      p = this.writeField(p, header.key)
      p = this.writeField(p, header.value ?? null)
    }
    return this.closeLength(pos, reserved, bodyStart, p)
  }

  /** Writes a length-prefixed field (length -1 for null) at `pos`; room was ensured. */
  private writeField(pos: number, data: RecordData): number {
    const buf = this.buf
    if (data === null) {
      buf[pos] = 1 // zig-zag varint of -1
      return pos + 1
    }
    if (typeof data === 'string') {
      const reserved = sizeOfVarint(data.length)
      const start = pos + reserved
      return this.closeLength(pos, reserved, start, start + writeUtf8(buf, start, data))
    }
    // A Uint8Array: fieldBytesMax() has refused every other type already.
    pos = writeVarint(buf, pos, data.length)
    buf.set(data, pos)
    return pos + data.length
  }

  /**
   * Writes the varint length of bytes [start, end) at `lengthPos`, where `reserved` bytes were left
   * for it, moving the bytes when the length needs another size. Returns the new end.
   */
  private closeLength(lengthPos: number, reserved: number, start: number, end: number): number {
    const size = end - start
    const needed = sizeOfVarint(size)
    if (needed !== reserved) this.buf.copyWithin(lengthPos + needed, start, end)
    writeVarint(this.buf, lengthPos, size)
    return lengthPos + needed + size
  }

  /** Grows the buffer (doubling, keeping what was written) so that `bytes` fit. */
  private ensure(bytes: number): void {
    if (bytes <= this.buf.length) return
    let capacity = this.buf.length * 2
    while (capacity < bytes) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }
}

/** The most bytes a field can take; also where a key or value of the wrong type is refused. */
function fieldBytesMax(data: RecordData | undefined): number {
  if (data === null || data === undefined) return 1
  if (typeof data === 'string') return VARINT_BYTES_MAX + utf8BytesMax(data)
  if (data instanceof Uint8Array) return VARINT_BYTES_MAX + data.length
  throw new TypeError('a key, value or header value must be a string, a Uint8Array or null')
}

function fieldBytesGuess(data: RecordData | undefined): number {
  if (data === null || data === undefined) return 1
  return sizeOfVarint(data.length) + data.length
}

/** The header fields of `options`, checked; throws a RangeError naming a bad one. */
export function headerFields(options: EncodeOptions): {
  codec: CompressionCodec
  baseOffset: number
  leaderEpoch: number
  producerId: number
  producerEpoch: number
  baseSequence: number
} {
  const codec = compressionCodecOf(options.compression ?? Compression.none)
  if (codec === undefined) throw new RangeError(`unknown compression: ${String(options.compression)}`)
  return {
    codec,
    baseOffset: integer('baseOffset', options.baseOffset ?? 0, -TWO_POW_53, TWO_POW_53),
    leaderEpoch: integer('partitionLeaderEpoch', options.partitionLeaderEpoch ?? -1, -1, INT32_MAX),
    producerId: integer('producerId', options.producerId ?? -1, -1, TWO_POW_53),
    producerEpoch: integer('producerEpoch', options.producerEpoch ?? -1, -1, 0x7fff),
    baseSequence: integer('baseSequence', options.baseSequence ?? -1, -1, INT32_MAX),
  }
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], not ${value}`)
  }
  return value
}

// The primitive types of Kafka's wire protocol, read from and written to bytes: what the generated
// codecs in ./generated are made of. Everything is big-endian. Kafka's names:
//
//   int8 int16 int32 int64 uint16 uint32 float64 bool   fixed width
//   varint / varlong                                    zigzag LEB128 (record fields)
//   unsigned varint                                     LEB128 (compact lengths, tags)
//   string        int16 length, -1 = null, then UTF-8   compact string: uvarint length+1, 0 = null
//   bytes         int32 length, -1 = null, then bytes   compact bytes:  uvarint length+1, 0 = null
//   array         int32 count, -1 = null, then items    compact array:  uvarint count+1, 0 = null
//   uuid          16 bytes
//   tagged fields uvarint count, then per field: uvarint tag, uvarint size, size bytes
//
// A reader over bytes from the network throws KafkaDecodeError (CORRUPT_MESSAGE) on anything that
// runs past the end or declares a negative or oversized length; it never allocates more than the
// bytes it was given can fill.
import { ErrorCode, FaecieError } from '@faecie/protocol'

/** The bytes of a request or response did not decode. */
export class KafkaDecodeError extends FaecieError {
  constructor(message: string) {
    super(ErrorCode.CORRUPT_MESSAGE, message)
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: true })
const textEncoder = new TextEncoder()

export const ZERO_UUID = new Uint8Array(16)

export interface KafkaReaderOptions {
  /**
   * Byte runs come back as views into the given bytes instead of copies: for a request whose
   * handler is done with them before its first await (Produce: the partition manager copies the
   * records into a buffer of its own), so the frame is not copied twice.
   */
  viewBytes?: boolean
}

export class KafkaReader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  readonly #viewBytes: boolean
  #offset: number

  constructor(bytes: Uint8Array, offset = 0, options: KafkaReaderOptions = {}) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.#offset = offset
    this.#viewBytes = options.viewBytes ?? false
  }

  get offset(): number { return this.#offset }
  get remaining(): number { return this.#bytes.length - this.#offset }

  #need(count: number, what: string): number {
    if (count < 0 || this.#offset + count > this.#bytes.length) {
      throw new KafkaDecodeError(`${what} needs ${count} bytes at offset ${this.#offset}; ${this.remaining} remain`)
    }
    const at = this.#offset
    this.#offset += count
    return at
  }

  int8(): number { return this.#view.getInt8(this.#need(1, 'int8')) }
  bool(): boolean { return this.int8() !== 0 }
  int16(): number { return this.#view.getInt16(this.#need(2, 'int16')) }
  uint16(): number { return this.#view.getUint16(this.#need(2, 'uint16')) }
  int32(): number { return this.#view.getInt32(this.#need(4, 'int32')) }
  uint32(): number { return this.#view.getUint32(this.#need(4, 'uint32')) }
  int64(): bigint { return this.#view.getBigInt64(this.#need(8, 'int64')) }
  float64(): number { return this.#view.getFloat64(this.#need(8, 'float64')) }
  uuid(): Uint8Array { return this.raw(16) }

  uvarint(): number {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.#bytes[this.#need(1, 'varint')]!
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) throw new KafkaDecodeError('unsigned varint larger than 32 bits')
        return value
      }
    }
    throw new KafkaDecodeError('unsigned varint longer than 5 bytes')
  }

  varint(): number {
    const raw = this.uvarint()
    return (raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2)
  }

  /** A raw byte run: copied (the caller's buffer may be reused), or a view with `viewBytes`. */
  raw(count: number): Uint8Array {
    const at = this.#need(count, 'bytes')
    const run = this.#bytes.subarray(at, at + count)
    return this.#viewBytes ? run : new Uint8Array(run)
  }

  #text(length: number): string {
    const at = this.#need(length, 'string')
    try {
      return textDecoder.decode(this.#bytes.subarray(at, at + length))
    } catch {
      throw new KafkaDecodeError(`string at offset ${at} is not valid UTF-8`)
    }
  }

  /** A string of either form; null where the length says so (callers check nullability). */
  string(compact: boolean): string | null {
    const length = compact ? this.uvarint() - 1 : this.int16()
    if (length < 0) return null
    return this.#text(length)
  }

  bytes(compact: boolean): Uint8Array | null {
    const length = compact ? this.uvarint() - 1 : this.int32()
    if (length < 0) return null
    return this.raw(length)
  }

  /** An array's item count (-1 = null), checked against what the remaining bytes could hold. */
  arrayLength(compact: boolean): number {
    const count = compact ? this.uvarint() - 1 : this.int32()
    if (count < -1) throw new KafkaDecodeError(`array length ${count}`)
    if (count > this.remaining) throw new KafkaDecodeError(`array of ${count} items in ${this.remaining} bytes`)
    return count
  }

  /** Reads the tagged fields of a struct, handing each known tag to `read`, skipping unknown ones. */
  taggedFields(read: (tag: number, reader: KafkaReader) => boolean): void {
    const count = this.uvarint()
    let previous = -1
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint()
      if (tag <= previous) throw new KafkaDecodeError(`tagged field ${tag} after ${previous}`)
      previous = tag
      const size = this.uvarint()
      const at = this.#need(size, 'tagged field')
      const field = new KafkaReader(this.#bytes.subarray(at, at + size))
      if (read(tag, field) && field.remaining !== 0) throw new KafkaDecodeError(`tagged field ${tag} has ${field.remaining} bytes left over`)
    }
  }

  null(what: string): never {
    throw new KafkaDecodeError(`${what} is null in a version where it cannot be`)
  }
}

/**
 * Bytes of at least this size handed to a writer are kept by reference, not copied: a Fetch answer's
 * records (up to fetchBytesMax) go to the socket as they came from the partition thread.
 */
export const WRITER_REFERENCE_BYTES_MIN = 16 * 1024

/**
 * Writes Kafka's primitives into a growing buffer. Large byte strings (WRITER_REFERENCE_BYTES_MIN and
 * up) are not copied: the writer keeps them as chunks of their own, so they must not change until the
 * writer's output is written out. finishChunks() gives the chunks; finish() joins them into one.
 */
export class KafkaWriter {
  #bytes: Uint8Array
  #view: DataView
  #length = 0
  /** Finished pieces before #bytes: earlier buffers and referenced byte strings, in order. */
  readonly #chunks: Uint8Array[] = []
  #chunkBytes = 0

  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(capacity)
    this.#view = new DataView(this.#bytes.buffer)
  }

  get length(): number { return this.#chunkBytes + this.#length }

  #room(count: number): number {
    if (this.#length + count > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + count))
      grown.set(this.#bytes.subarray(0, this.#length))
      this.#bytes = grown
      this.#view = new DataView(grown.buffer)
    }
    const at = this.#length
    this.#length += count
    return at
  }

  /** Ends the current buffer, keeps `bytes` by reference after it, and goes on in a fresh buffer. */
  #reference(bytes: Uint8Array): void {
    if (this.#length > 0) this.#chunks.push(this.#bytes.subarray(0, this.#length))
    this.#chunks.push(bytes)
    this.#chunkBytes += this.#length + bytes.length
    this.#bytes = new Uint8Array(256)
    this.#view = new DataView(this.#bytes.buffer)
    this.#length = 0
  }

  // Each writer takes its position first: #room may replace #bytes and #view.
  int8(value: number): void { const at = this.#room(1); this.#view.setInt8(at, value) }
  bool(value: boolean): void { this.int8(value ? 1 : 0) }
  int16(value: number): void { const at = this.#room(2); this.#view.setInt16(at, value) }
  uint16(value: number): void { const at = this.#room(2); this.#view.setUint16(at, value) }
  int32(value: number): void { const at = this.#room(4); this.#view.setInt32(at, value) }
  uint32(value: number): void { const at = this.#room(4); this.#view.setUint32(at, value) }
  int64(value: bigint): void { const at = this.#room(8); this.#view.setBigInt64(at, value) }
  float64(value: number): void { const at = this.#room(8); this.#view.setFloat64(at, value) }
  uuid(value: Uint8Array): void { if (value.length !== 16) throw new Error('a uuid is 16 bytes'); this.raw(value) }

  uvarint(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`uvarint out of range: ${value}`)
    let rest = value
    while (rest >= 0x80) {
      const at = this.#room(1)
      this.#bytes[at] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    const at = this.#room(1)
    this.#bytes[at] = rest
  }

  varint(value: number): void { this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1) }

  raw(bytes: Uint8Array): void {
    if (bytes.length >= WRITER_REFERENCE_BYTES_MIN) return this.#reference(bytes)
    const at = this.#room(bytes.length)
    this.#bytes.set(bytes, at)
  }

  string(value: string | null, compact: boolean): void {
    if (value === null) { if (compact) this.uvarint(0); else this.int16(-1); return }
    const encoded = textEncoder.encode(value)
    if (encoded.length > 0x7fff) throw new Error(`string of ${encoded.length} bytes is longer than int16 allows`)
    if (compact) this.uvarint(encoded.length + 1); else this.int16(encoded.length)
    this.raw(encoded)
  }

  bytes(value: Uint8Array | null, compact: boolean): void {
    if (value === null) { if (compact) this.uvarint(0); else this.int32(-1); return }
    if (compact) this.uvarint(value.length + 1); else this.int32(value.length)
    this.raw(value)
  }

  arrayLength(count: number | null, compact: boolean): void {
    if (count === null) { if (compact) this.uvarint(0); else this.int32(-1); return }
    if (compact) this.uvarint(count + 1); else this.int32(count)
  }

  /** Writes tagged fields: each entry's bytes are written by its own function into a sub-writer. */
  taggedFields(fields: ReadonlyArray<readonly [number, (w: KafkaWriter) => void]>): void {
    this.uvarint(fields.length)
    for (const [tag, write] of fields) {
      const sub = new KafkaWriter(32)
      write(sub)
      this.uvarint(tag)
      this.uvarint(sub.length)
      this.raw(sub.finish())
    }
  }

  /** The bytes written so far, in order, as chunks to write one after another (the writer must not be used after). */
  finishChunks(): Uint8Array[] {
    return this.#length > 0 || this.#chunks.length === 0 ? [...this.#chunks, this.#bytes.subarray(0, this.#length)] : this.#chunks
  }

  /** The bytes written so far in one array (a view when nothing was kept by reference; the writer must not be used after). */
  finish(): Uint8Array {
    if (this.#chunks.length === 0) return this.#bytes.subarray(0, this.#length)
    return Buffer.concat(this.finishChunks())
  }
}

export function uuidEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

// The helpers the generated codecs call for fields whose nullability depends on the version.

export function readString(r: KafkaReader, compact: boolean, nullable: boolean, what: string): string | null {
  const value = r.string(compact)
  return value === null && !nullable ? r.null(what) : value
}

export function readBytes(r: KafkaReader, compact: boolean, nullable: boolean, what: string): Uint8Array | null {
  const value = r.bytes(compact)
  return value === null && !nullable ? r.null(what) : value
}

export function readArray<T>(r: KafkaReader, compact: boolean, nullable: boolean, what: string, item: (r: KafkaReader) => T): T[] | null {
  const count = r.arrayLength(compact)
  if (count < 0) return nullable ? null : r.null(what)
  const items: T[] = []
  for (let i = 0; i < count; i++) items.push(item(r))
  return items
}

function refuseNull(what: string): never {
  throw new Error(`${what} is null in a version where it cannot be`)
}

export function writeString(w: KafkaWriter, value: string | null, compact: boolean, nullable: boolean, what: string): void {
  if (value === null && !nullable) refuseNull(what)
  w.string(value, compact)
}

export function writeBytes(w: KafkaWriter, value: Uint8Array | null, compact: boolean, nullable: boolean, what: string): void {
  if (value === null && !nullable) refuseNull(what)
  w.bytes(value, compact)
}

export function writeArray<T>(w: KafkaWriter, value: readonly T[] | null, compact: boolean, nullable: boolean, what: string, item: (w: KafkaWriter, value: T) => void): void {
  if (value === null) {
    if (!nullable) refuseNull(what)
    w.arrayLength(null, compact)
    return
  }
  w.arrayLength(value.length, compact)
  for (const element of value) item(w, element)
}

/** Structural equality of decoded values: tagged fields equal to their default are not written. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && uuidEquals(a, b)
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]))
  }
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length
    && keys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
}

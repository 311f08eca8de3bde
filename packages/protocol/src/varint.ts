// Zig-zag variable-length integers as RecordBatch v2 records use them (Kafka's ByteUtils): the value
// is zig-zag mapped to an unsigned number (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), then written
// little-endian, 7 bits a byte, the high bit set on every byte but the last.
//
//   value  -1  ->  zig-zag 1    ->  01
//   value  64  ->  zig-zag 128  ->  80 01
//   value -65  ->  zig-zag 129  ->  81 01
//
// A varint holds an int32 (at most 5 bytes). A varlong holds an int64 (at most 10 bytes); here it is
// exact for every integer in [-2^53, 2^53], and one outside that range is refused on read, because a
// JS number could not hold it exactly. Varlongs never go through 32-bit bit operations past 2^30:
// the arithmetic is done on doubles by powers of two, which is exact.
//
// Readers take a cursor ({pos}) that they advance, and an end they never read past: running into the
// end, a varint longer than its type allows, or a value outside its range is a CORRUPT_MESSAGE
// error, never a RangeError and never a read of bytes beyond `end`.
import { corruptMessage } from './errors.js'

/** A read position that readers advance in place (one object reused, no allocation per read). */
export interface Cursor {
  pos: number
}

export const VARINT_BYTES_MAX = 5
export const VARLONG_BYTES_MAX = 10

const TWO_POW_53 = 9007199254740992
/** Below this magnitude a varlong takes the same bytes as a varint, so the int32 path serves. */
const INT30_LIMIT = 0x40000000

/** Bytes the varint of an int32 takes (1 to 5). */
export function sizeOfVarint(value: number): number {
  const v = ((value << 1) ^ (value >> 31)) >>> 0
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/** Bytes the varlong of an integer in [-2^53, 2^53] takes. */
export function sizeOfVarlong(value: number): number {
  if (value > -INT30_LIMIT && value < INT30_LIMIT) return sizeOfVarint(value)
  // zig-zag n = 2m + sign, where m is the magnitude below; n < 2^(7k) exactly when m < 2^(7k-1).
  let m = value >= 0 ? value : -value - 1
  let bytes = 1
  m = Math.floor(m / 64)
  while (m > 0) {
    m = Math.floor(m / 128)
    bytes++
  }
  return bytes
}

/** Writes an int32 as a varint at `pos`; returns the position after it. The caller made room. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) !== value) throw new RangeError(`varint value is not an int32: ${value}`)
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

/** Writes an integer in [-2^53, 2^53] as a varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  if (value > -INT30_LIMIT && value < INT30_LIMIT && (value | 0) === value) return writeVarint(buf, pos, value)
  if (!Number.isInteger(value) || value > TWO_POW_53 || value < -TWO_POW_53) {
    throw new RangeError(`varlong value is not an integer in [-2^53, 2^53]: ${value}`)
  }
  // Never form n = 2m + sign itself: for -2^53 it is 2^54 - 1, which a double can't hold. The first
  // byte carries the sign bit and the low 6 bits of the magnitude; the rest carry 7 bits each.
  const sign = value < 0 ? 1 : 0
  let m = sign ? -value - 1 : value
  let low = m % 64
  m = (m - low) / 64
  buf[pos++] = (low << 1) | sign | (m > 0 ? 0x80 : 0)
  while (m > 0) {
    low = m % 128
    m = (m - low) / 128
    buf[pos++] = low | (m > 0 ? 0x80 : 0)
  }
  return pos
}

/** Reads a varint (an int32) at cursor.pos, not reading at or past `end`, and advances the cursor. */
export function readVarint(buf: Uint8Array, cursor: Cursor, end: number): number {
  let pos = cursor.pos
  if (pos >= end) throw corruptMessage(`varint at byte ${pos} runs past the end`)
  let b = buf[pos++]!
  if (b < 0x80) {
    cursor.pos = pos
    return (b >>> 1) ^ -(b & 1)
  }
  let result = b & 0x7f
  let shift = 7
  do {
    if (pos >= end) throw corruptMessage(`varint at byte ${cursor.pos} runs past the end`)
    b = buf[pos++]!
    // The fifth byte may only hold the top 4 bits of 32, and may not continue.
    if (shift === 28 && b > 0x0f) throw corruptMessage(`varint at byte ${cursor.pos} is longer than an int32`)
    result |= (b & 0x7f) << shift
    shift += 7
  } while (b & 0x80)
  cursor.pos = pos
  return (result >>> 1) ^ -(result & 1)
}

/** Reads a varlong at cursor.pos, not reading at or past `end`; refuses values beyond +-2^53. */
export function readVarlong(buf: Uint8Array, cursor: Cursor, end: number): number {
  const start = cursor.pos
  let pos = start
  if (pos >= end) throw corruptMessage(`varlong at byte ${start} runs past the end`)
  let b = buf[pos++]!
  const sign = b & 1
  // The magnitude m, where the zig-zag value is 2m + sign: -m - 1 when negative, m otherwise.
  let m = (b & 0x7e) >>> 1
  const limit = sign ? TWO_POW_53 - 1 : TWO_POW_53
  let scale = 64
  while (b & 0x80) {
    if (pos >= end) throw corruptMessage(`varlong at byte ${start} runs past the end`)
    if (pos - start >= VARLONG_BYTES_MAX) throw corruptMessage(`varlong at byte ${start} is longer than 10 bytes`)
    b = buf[pos++]!
    const term = (b & 0x7f) * scale
    // Compare before adding: past 2^53 the sum itself could round back into range.
    if (term > limit - m) throw corruptMessage(`varlong at byte ${start} is beyond 2^53`)
    m += term
    scale *= 128
  }
  cursor.pos = pos
  return sign ? -m - 1 : m
}

// Zig-zag varints and varlongs: known bytes from Kafka's ByteUtils tests, agreement with a BigInt
// reference at the edges (0, -1, +-2^31, +-2^53) and on random values, and refusal (as
// CORRUPT_MESSAGE) of every truncation, overlong encoding and out-of-range value.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ErrorCode,
  FaecieError,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from '../src/index.js'
import { fromHex, hex } from './helpers.js'
import { refVarlong } from './reference-encoder.js'

const TWO_POW_53_BIG = 1n << 53n
const INT32_EDGES = [0, -1, 1, 63, -64, 64, -65, 8191, 8192, 2 ** 31 - 1, -(2 ** 31)]
const LONG_EDGES = [
  ...INT32_EDGES,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 30,
  -(2 ** 30),
  2 ** 30 - 1,
  -(2 ** 30) - 1,
  2 ** 32,
  -(2 ** 32),
  2 ** 53,
  -(2 ** 53),
  2 ** 53 - 1,
  -(2 ** 53) + 1,
  1700000000000,
  -1700000000000,
]

function encodeVarint(value: number): Uint8Array {
  const buf = new Uint8Array(5)
  return buf.subarray(0, writeVarint(buf, 0, value))
}

function encodeVarlong(value: number): Uint8Array {
  const buf = new Uint8Array(10)
  return buf.subarray(0, writeVarlong(buf, 0, value))
}

function expectCorrupt(fn: () => unknown): void {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(FaecieError)
  expect((thrown as FaecieError).code).toBe(ErrorCode.CORRUPT_MESSAGE)
}

describe('varint (int32)', () => {
  it('writes the bytes Kafka writes', () => {
    // From Kafka's ByteUtilsTest: zig-zag puts small magnitudes of either sign in one byte.
    expect(hex(encodeVarint(0))).toBe('00')
    expect(hex(encodeVarint(-1))).toBe('01')
    expect(hex(encodeVarint(1))).toBe('02')
    expect(hex(encodeVarint(63))).toBe('7e')
    expect(hex(encodeVarint(-64))).toBe('7f')
    expect(hex(encodeVarint(64))).toBe('8001')
    expect(hex(encodeVarint(2 ** 31 - 1))).toBe('feffffff0f')
    expect(hex(encodeVarint(-(2 ** 31)))).toBe('ffffffff0f')
  })

  it('round trips the edges and agrees with the reference and with sizeOfVarint', () => {
    for (const v of INT32_EDGES) {
      const bytes = encodeVarint(v)
      expect(hex(bytes)).toBe(hex(new Uint8Array(refVarlong(v))))
      expect(sizeOfVarint(v)).toBe(bytes.length)
      const cursor = { pos: 0 }
      expect(readVarint(bytes, cursor, bytes.length)).toBe(v)
      expect(cursor.pos).toBe(bytes.length)
    }
  })

  it('round trips random int32s', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        const bytes = encodeVarint(v)
        expect(hex(bytes)).toBe(hex(new Uint8Array(refVarlong(v))))
        expect(readVarint(bytes, { pos: 0 }, bytes.length)).toBe(v)
      }),
    )
  })

  it('refuses to write what is not an int32', () => {
    expect(() => writeVarint(new Uint8Array(10), 0, 2 ** 31)).toThrow(RangeError)
    expect(() => writeVarint(new Uint8Array(10), 0, 1.5)).toThrow(RangeError)
  })

  it('refuses every truncation, a sixth byte and a fifth byte past 32 bits', () => {
    const bytes = encodeVarint(-(2 ** 31))
    for (let end = 0; end < bytes.length; end++) expectCorrupt(() => readVarint(bytes, { pos: 0 }, end))
    expectCorrupt(() => readVarint(fromHex('ffffffff8f01'), { pos: 0 }, 6))
    expectCorrupt(() => readVarint(fromHex('ffffffff1f'), { pos: 0 }, 5))
    // The end is a hard wall even when the bytes beyond it would complete the varint.
    expectCorrupt(() => readVarint(fromHex('8001'), { pos: 0 }, 1))
  })
})

describe('varlong (exact to 2^53)', () => {
  it('round trips the edges and agrees with the BigInt reference and with sizeOfVarlong', () => {
    for (const v of LONG_EDGES) {
      const bytes = encodeVarlong(v)
      expect(hex(bytes)).toBe(hex(new Uint8Array(refVarlong(v))))
      expect(sizeOfVarlong(v)).toBe(bytes.length)
      const cursor = { pos: 0 }
      expect(readVarlong(bytes, cursor, bytes.length)).toBe(v)
      expect(cursor.pos).toBe(bytes.length)
    }
  })

  it('round trips random integers in [-2^53, 2^53]', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(2 ** 53, -(2 ** 53))), (v) => {
        const bytes = encodeVarlong(v)
        expect(hex(bytes)).toBe(hex(new Uint8Array(refVarlong(v))))
        expect(sizeOfVarlong(v)).toBe(bytes.length)
        expect(readVarlong(bytes, { pos: 0 }, bytes.length)).toBe(v)
      }),
    )
  })

  it('reads varints written as varlongs and the other way round (same encoding in range)', () => {
    for (const v of INT32_EDGES) {
      expect(readVarlong(encodeVarint(v), { pos: 0 }, 5)).toBe(v)
      expect(readVarint(encodeVarlong(v), { pos: 0 }, 10)).toBe(v)
    }
  })

  it('refuses values past 2^53 on read and on write', () => {
    expectCorrupt(() => readVarlong(new Uint8Array(refVarlong(2 ** 53 + 2)), { pos: 0 }, 10))
    // -2^53 - 1 is zig-zag 2^54 + 1: odd, so not a double; write the bytes by hand from the BigInt.
    let n = (1n << 54n) + 1n
    const bytes: number[] = []
    while (n >= 0x80n) {
      bytes.push(Number(n & 0x7fn) | 0x80)
      n >>= 7n
    }
    bytes.push(Number(n))
    expectCorrupt(() => readVarlong(new Uint8Array(bytes), { pos: 0 }, bytes.length))
    // 2^53 + 1: its varlong is right at the limit, where adding first would round back to 2^53.
    n = (TWO_POW_53_BIG + 1n) << 1n
    const near: number[] = []
    while (n >= 0x80n) {
      near.push(Number(n & 0x7fn) | 0x80)
      n >>= 7n
    }
    near.push(Number(n))
    expectCorrupt(() => readVarlong(new Uint8Array(near), { pos: 0 }, near.length))
    expect(() => writeVarlong(new Uint8Array(10), 0, 2 ** 53 + 2)).toThrow(RangeError)
    expect(() => writeVarlong(new Uint8Array(10), 0, 0.5)).toThrow(RangeError)
  })

  it('refuses every truncation and an encoding longer than 10 bytes', () => {
    const bytes = encodeVarlong(-(2 ** 53))
    for (let end = 0; end < bytes.length; end++) expectCorrupt(() => readVarlong(bytes, { pos: 0 }, end))
    // Eleven bytes of zero with continuation bits: a value of 0, but longer than any int64.
    expectCorrupt(() => readVarlong(fromHex('8080808080808080808000'), { pos: 0 }, 11))
    // Redundant zero bytes within 10 are what Kafka's reader accepts too.
    expect(readVarlong(fromHex('808000'), { pos: 0 }, 3)).toBe(0)
  })
})

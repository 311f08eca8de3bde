// The msgpackr configuration: what encodeFrame writes is plain MessagePack (checked against bytes
// written by hand from the spec, and read back by an independent decoder), 64-bit integers come back
// as numbers, Uint8Array travels as bin; decodeFrame refuses garbage and msgpackr-only types with
// INVALID_FRAME and never throws anything else.
import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { ErrorCode, FRAME_DEPTH_MAX, FaecieError, decodeFrame, encodeFrame, encodeTransientFrame } from '../src/index.js'
import { fromHex, hex } from './helpers.js'
import { miniDecode } from './mini-msgpack.js'

function invalid(bytes: Uint8Array): void {
  let thrown: unknown
  try {
    decodeFrame(bytes)
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(FaecieError)
  expect((thrown as FaecieError).code).toBe(ErrorCode.INVALID_FRAME)
}

/** Values a frame may hold, with Uint8Arrays; no __proto__ keys, which msgpackr renames for safety. */
const frameValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 20 }),
  ),
})).value

describe('encodeFrame', () => {
  it('writes the bytes the MessagePack spec gives', () => {
    expect(hex(encodeFrame({ id: 1, op: 'hello' }))).toBe('82a2696401a26f70a568656c6c6f')
    expect(hex(encodeFrame(new Uint8Array([1, 2, 3])))).toBe('c403010203')
    expect(hex(encodeFrame([null, true, false, -1, 127, -32]))).toBe('96c0c3c2ff7fe0')
    expect(hex(encodeFrame(4294967295))).toBe('ceffffffff')
    expect(hex(encodeFrame('é'))).toBe('a2c3a9')
    // undefined properties are left out (as JSON does), undefined elsewhere is nil: no extension.
    expect(hex(encodeFrame({ a: undefined, b: 1 }))).toBe('81a16201')
    expect(hex(encodeFrame([undefined]))).toBe('91c0')
  })

  it('writes values that a decoder written from the spec reads back equal', () => {
    fc.assert(
      fc.property(frameValue, (value) => {
        const bytes = encodeFrame(value)
        expect(miniDecode(bytes)).toEqual(value)
        expect(decodeFrame(bytes)).toEqual(value)
      }),
      { numRuns: 300 },
    )
  })

  it('keeps integers up to 2^53 exact', () => {
    for (const n of [2 ** 53, -(2 ** 53), 2 ** 53 - 1, 2 ** 32, -(2 ** 31) - 1, 1700000000000]) {
      expect(decodeFrame(encodeFrame(n))).toBe(n)
      expect(miniDecode(encodeFrame(n))).toBe(n)
    }
  })
})

describe('encodeTransientFrame', () => {
  it('writes each frame over the last transient one, and never over a frame encodeFrame gave', () => {
    const records = new Uint8Array(64 * 1024).fill(7)
    const kept = encodeFrame({ id: 1, op: 'produce', records })
    const keptCopy = kept.slice()
    const first = encodeTransientFrame({ id: 2, op: 'produce', records })
    const firstBytes = first.slice()
    const firstAt = [first.buffer, first.byteOffset]
    const second = encodeTransientFrame({ id: 3, op: 'fetch' })
    const third = encodeTransientFrame({ id: 4, op: 'produce', records })
    // The memory is reused: no fresh buffer for each large frame.
    expect([second.buffer, second.byteOffset]).toEqual(firstAt)
    expect([third.buffer, third.byteOffset]).toEqual(firstAt)
    expect(decodeFrame(firstBytes)).toEqual({ id: 2, op: 'produce', records })
    expect(decodeFrame(third)).toEqual({ id: 4, op: 'produce', records })
    expect(hex(firstBytes.subarray(0, 8))).not.toBe(hex(first.subarray(0, 8))) // overwritten by id 4
    expect(kept).toEqual(keptCopy)
  })
})

describe('decodeFrame', () => {
  it('reads 64-bit integers as numbers, not bigints', () => {
    expect(decodeFrame(fromHex('cf0000000100000000'))).toBe(2 ** 32)
    expect(decodeFrame(fromHex('cf0020000000000000'))).toBe(2 ** 53)
    expect(decodeFrame(fromHex('d3ffffff0000000000'))).toBe(-(2 ** 40))
    expect(decodeFrame(fromHex('81a16fcf000000e8d4a51000'))).toEqual({ o: 1e12 })
  })

  it('reads bin as a plain Uint8Array (not a Node Buffer, whose slice() would not copy)', () => {
    for (const input of [fromHex('81a162c40209ff'), Buffer.from('81a162c40209ff', 'hex')]) {
      const value = decodeFrame(input) as { b: Uint8Array }
      expect(value.b.constructor).toBe(Uint8Array)
      expect(Array.from(value.b)).toEqual([9, 255])
      const [nested] = decodeFrame(encodeFrame([[value.b]])) as [[Uint8Array]]
      expect(nested[0].constructor).toBe(Uint8Array)
    }
    expect(encodeFrame({}).constructor).toBe(Uint8Array)
  })

  it('refuses empty, truncated, trailing and never-used bytes', () => {
    invalid(new Uint8Array(0))
    invalid(fromHex('c1'))
    invalid(fromHex('92c0'))
    invalid(fromHex('c405'))
    invalid(fromHex('ddffffffff'))
    invalid(fromHex('0102'))
    invalid(fromHex('91c1'))
  })

  it("refuses msgpackr's own types and MessagePack extensions", () => {
    const more = new Packr({ moreTypes: true, structuredClone: true, useRecords: true })
    // (A Map packs as a standard map, and an inline msgpackr record decodes to a plain object: both pass.)
    const exotic: unknown[] = [new Date(0), new Set([1]), /x/, new Error('e'), new Int16Array([1]), 2n ** 70n]
    for (const value of exotic) invalid(more.pack(value))
    invalid(fromHex('d6ff00000001')) // the standard timestamp extension: no frame uses it
    invalid(fromHex('c7017200'))
    invalid(fromHex('d40000')) // msgpackr's undefined
  })

  it(`refuses nesting deeper than ${FRAME_DEPTH_MAX}, and absurd nesting, without another error type`, () => {
    const nested = (depth: number) => fromHex('91'.repeat(depth) + 'c0')
    expect(decodeFrame(nested(FRAME_DEPTH_MAX))).toBeDefined()
    invalid(nested(FRAME_DEPTH_MAX + 1))
    invalid(nested(200_000))
  })

  it('gives INVALID_FRAME or a plain value for random bytes and for truncated frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeFrame(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(FaecieError)
          expect((err as FaecieError).code).toBe(ErrorCode.INVALID_FRAME)
        }
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(frameValue, fc.nat(), (value, cut) => {
        const bytes = encodeFrame(value)
        if (bytes.length > 1) invalid(bytes.subarray(0, cut % bytes.length))
      }),
      { numRuns: 300 },
    )
  })
})

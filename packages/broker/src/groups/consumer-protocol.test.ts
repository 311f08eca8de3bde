// Kafka's ConsumerProtocol bytes: the encoders against hand-built v0 bytes, the decoders against
// hand-built v0-v3 (and a newer version read as v3), and garbage of every kind decoding to undefined
// without throwing or allocating past the input (truncations, forged counts, bad UTF-8, random bytes).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeConsumerAssignment, decodeConsumerSubscription, encodeConsumerAssignment, encodeConsumerSubscription } from './consumer-protocol.js'

/** Big-endian building blocks of the classic encoding. */
const i16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff]
const i32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
const str = (s: string): number[] => { const b = [...new TextEncoder().encode(s)]; return [...i16(b.length), ...b] }
const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat())

describe('ConsumerProtocolSubscription', () => {
  it('encodes v0 as Kafka does: version, topics, null user data', () => {
    expect(encodeConsumerSubscription(['t', 'üu'])).toEqual(bytes(i16(0), i32(2), str('t'), str('üu'), i32(-1)))
  })

  it('decodes v0 (no owned partitions, generation -1, no rack)', () => {
    expect(decodeConsumerSubscription(bytes(i16(0), i32(1), str('t'), i32(2), [7, 8]))).toEqual({
      topics: ['t'], userData: Uint8Array.of(7, 8), ownedPartitions: [], generationId: -1, rackId: null,
    })
  })

  it('decodes v1, v2 and v3 fields', () => {
    const v1 = [i32(1), str('t'), i32(-1), i32(1), str('t'), i32(2), i32(0), i32(3)]
    expect(decodeConsumerSubscription(bytes(i16(1), ...v1))).toMatchObject({ ownedPartitions: [{ topic: 't', partitions: [0, 3] }], generationId: -1 })
    expect(decodeConsumerSubscription(bytes(i16(2), ...v1, i32(9)))).toMatchObject({ generationId: 9, rackId: null })
    expect(decodeConsumerSubscription(bytes(i16(3), ...v1, i32(9), str('rack-a')))).toMatchObject({ generationId: 9, rackId: 'rack-a', userData: null })
    expect(decodeConsumerSubscription(bytes(i16(3), ...v1, i32(9), i16(-1)))).toMatchObject({ rackId: null })
  })

  it('reads a newer version as v3 and ignores bytes after the fields it knows', () => {
    const v3 = [i32(1), str('t'), i32(-1), i32(0), i32(4), str('r')]
    expect(decodeConsumerSubscription(bytes(i16(7), ...v3, [1, 2, 3]))).toMatchObject({ topics: ['t'], generationId: 4, rackId: 'r' })
  })

  it('gives undefined for every truncation, a negative version, a null topic array, bad UTF-8 and forged counts', () => {
    const whole = bytes(i16(3), i32(1), str('topic'), i32(2), [1, 2], i32(1), str('topic'), i32(1), i32(0), i32(5), str('rack'))
    expect(decodeConsumerSubscription(whole)).toBeDefined()
    for (let end = 0; end < whole.length; end++) expect(decodeConsumerSubscription(whole.subarray(0, end))).toBeUndefined()
    expect(decodeConsumerSubscription(bytes(i16(-1), i32(0), i32(-1)))).toBeUndefined()
    expect(decodeConsumerSubscription(bytes(i16(0), i32(-1), i32(-1)))).toBeUndefined()
    expect(decodeConsumerSubscription(bytes(i16(0), i32(1), i16(2), [0xc3, 0x28], i32(-1)))).toBeUndefined()
    expect(decodeConsumerSubscription(bytes(i16(0), i32(0x7fffffff), str('t')))).toBeUndefined()
    expect(decodeConsumerSubscription(bytes(i16(0), i32(0), i32(0x7fffffff)))).toBeUndefined()
    expect(decodeConsumerSubscription(bytes(i16(1), i32(0), i32(-1), i32(1), str('t'), i32(0x40000000)))).toBeUndefined()
  })
})

describe('ConsumerProtocolAssignment', () => {
  it('encodes v0 as Kafka does and decodes it back', () => {
    const assigned = [{ topic: 't', partitions: [0, 2] }, { topic: 'u', partitions: [] }]
    const encoded = encodeConsumerAssignment(assigned)
    expect(encoded).toEqual(bytes(i16(0), i32(2), str('t'), i32(2), i32(0), i32(2), str('u'), i32(0), i32(-1)))
    expect(decodeConsumerAssignment(encoded)).toEqual({ assignedPartitions: assigned, userData: null })
  })

  it('decodes v1-v3 (the same fields) with user data, and gives undefined for garbage', () => {
    for (const version of [1, 2, 3, 4]) {
      expect(decodeConsumerAssignment(bytes(i16(version), i32(1), str('t'), i32(1), i32(5), i32(1), [9])))
        .toEqual({ assignedPartitions: [{ topic: 't', partitions: [5] }], userData: Uint8Array.of(9) })
    }
    expect(decodeConsumerAssignment(new Uint8Array(0))).toBeUndefined()
    expect(decodeConsumerAssignment(bytes(i16(0), i32(1), str('t'), i32(-5), i32(-1)))).toBeUndefined()
    expect(decodeConsumerAssignment(bytes(i16(0), i32(0), i32(100), [1]))).toBeUndefined()
  })

  it('never throws on random bytes, nor on random mutations of valid ones', () => {
    const valid = encodeConsumerAssignment([{ topic: 'topic', partitions: [1, 2, 3] }])
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (random, at, value) => {
      const mutated = valid.slice()
      mutated[at] = value
      for (const input of [random, mutated]) {
        expect(() => decodeConsumerAssignment(input)).not.toThrow()
        expect(() => decodeConsumerSubscription(input)).not.toThrow()
      }
    }), { numRuns: 500 })
  })
})

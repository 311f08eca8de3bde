// The encoder against a naive reference encoder on random records (which exercises the reserved
// length bytes that must move), determinism and buffer reuse, large batches, and bad input.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  Compression,
  ErrorCode,
  FaecieError,
  RecordBatchEncoder,
  decodeBatch,
  type DecodedRecord,
  type RecordData,
  type RecordInput,
} from '../src/index.js'
import { writeUtf8 } from '../src/utf8.js'
import { hex, seededRandom } from './helpers.js'
import { referenceEncode, type RefRecord } from './reference-encoder.js'

// Strings of every kind: ASCII, 2-, 3- and 4-byte UTF-8, lone surrogates; long enough to cross the
// 64- and 8192-byte varint boundaries and the short-string cut-over of the UTF-8 writer.
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: fc.constantFrom('€', 'é', '😀', 'a', '\ud800'), maxLength: 3000 }),
)
const data: fc.Arbitrary<RecordData> = fc.oneof(fc.constant(null), text, fc.uint8Array({ maxLength: 200 }))
const record = fc.record({
  key: data,
  value: data,
  headers: fc.array(fc.record({ key: text, value: data }), { maxLength: 4 }),
  timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
})

const utf8 = new TextEncoder()
const utf8Text = new TextDecoder('utf-8', { ignoreBOM: true })

function bytesHex(value: RecordData): string | null {
  return value === null ? null : hex(typeof value === 'string' ? utf8.encode(value) : value)
}

/** Compares as one JSON string each: a per-record toEqual makes 10,000 records take seconds. */
function expectRecords(decoded: DecodedRecord[], input: RefRecord[], baseOffset: number): void {
  const got = decoded.map((r) => [r.offset, r.timestamp, bytesHex(r.key), bytesHex(r.value), r.headers.map((h) => [h.key, bytesHex(h.value)])])
  const want = input.map((r, i) => [
    baseOffset + i,
    r.timestamp,
    bytesHex(r.key),
    bytesHex(r.value),
    // A header key is text: a lone surrogate comes back as U+FFFD, as it went out; a leading U+FEFF is
    // kept (the decoder's ignoreBOM), as Kafka keeps it.
    r.headers.map((h) => [utf8Text.decode(utf8.encode(h.key)), bytesHex(h.value)]),
  ])
  expect(JSON.stringify(got)).toBe(JSON.stringify(want))
}

describe('RecordBatchEncoder', () => {
  it('writes exactly what the reference encoder writes, and decodes back, for random records', () => {
    const encoder = new RecordBatchEncoder(64) // small, so it grows during the run
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 12 }),
        fc.record({
          baseOffset: fc.nat({ max: 2 ** 40 }),
          partitionLeaderEpoch: fc.integer({ min: -1, max: 1000 }),
          producerId: fc.integer({ min: -1, max: 2 ** 40 }),
          producerEpoch: fc.integer({ min: -1, max: 32767 }),
          baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
          transactional: fc.boolean(),
        }),
        (records, options) => {
          const encoded = encoder.encode(records, options)
          const reference = referenceEncode({ ...options, attributes: options.transactional ? 0x10 : 0 }, records)
          expect(hex(encoded)).toBe(hex(reference))
          const batch = decodeBatch(encoded)
          expect(batch.transactional).toBe(options.transactional)
          expectRecords(batch.records, records, options.baseOffset)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('moves the bytes after a length whose size was guessed short, at every boundary', () => {
    // A guess counts UTF-16 units; '€' takes 3 bytes a unit, so lengths cross 64 and 8192 early.
    const encoder = new RecordBatchEncoder(64)
    for (const unit of ['€', 'é', '😀', 'a']) {
      for (const count of [0, 1, 20, 21, 22, 31, 32, 63, 64, 2730, 2731, 4095, 4096]) {
        const s = unit.repeat(count)
        const records: RefRecord[] = [{ key: s, value: s + 'x', headers: [{ key: s, value: s }], timestamp: 7 }]
        const options = { baseOffset: 0, partitionLeaderEpoch: 0, producerId: -1, producerEpoch: 0, baseSequence: 0 }
        expect(hex(encoder.encode(records, options))).toBe(hex(referenceEncode({ ...options, attributes: 0 }, records)))
      }
    }
  })

  it('writes UTF-8 exactly as TextEncoder does, short strings and long', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 100 }), text), (s) => {
        const buf = new Uint8Array(s.length * 3)
        const written = writeUtf8(buf, 0, s)
        expect(hex(buf.subarray(0, written))).toBe(hex(new TextEncoder().encode(s)))
      }),
    )
  })

  it('gives identical bytes when encoding the same records twice, with one encoder or two', () => {
    const records: RecordInput[] = [
      { key: 'k', value: 'v', timestamp: 1 },
      { key: null, value: new Uint8Array([1, 2, 3]), headers: [{ key: 'h', value: null }], timestamp: 5 },
    ]
    for (const compression of [Compression.none, Compression.gzip]) {
      const encoder = new RecordBatchEncoder()
      expect(encoder.copy().length).toBe(0) // nothing encoded yet
      const a = encoder.encode(records, { compression }).slice()
      const b = encoder.encode(records, { compression })
      expect(hex(b)).toBe(hex(a))
      expect(hex(new RecordBatchEncoder().encode(records, { compression }))).toBe(hex(a))
    }
  })

  it('reuses its buffer: encode() returns a view that the next encode overwrites; copy() is its own', () => {
    const encoder = new RecordBatchEncoder()
    const view1 = encoder.encode([{ value: 'first', timestamp: 1 }])
    const copy1 = encoder.copy()
    const before = hex(view1)
    const view2 = encoder.encode([{ value: 'other', timestamp: 2 }])
    expect(view2.buffer).toBe(view1.buffer)
    expect(hex(view1)).not.toBe(before)
    expect(hex(copy1)).toBe(before)
    expect(copy1.buffer).not.toBe(view1.buffer)
    expect(copy1.byteOffset).toBe(0)
    expect(copy1.buffer.byteLength).toBe(copy1.length)
  })

  it('round trips 10,000 records, uncompressed and gzip', () => {
    const random = seededRandom(2024)
    const records: RefRecord[] = []
    for (let i = 0; i < 10_000; i++) {
      const size = Math.floor(random() * 200)
      records.push({
        key: i % 7 === 0 ? null : `key-${i}`,
        value: i % 3 === 0 ? new Uint8Array(size).map((_, j) => (i + j) & 0xff) : 'v'.repeat(size) + 'ü',
        headers: i % 5 === 0 ? [{ key: 'trace', value: `t-${i}` }] : [],
        timestamp: 1_700_000_000_000 + Math.floor(random() * 10_000) - 5_000,
      })
    }
    const encoder = new RecordBatchEncoder()
    for (const compression of [Compression.none, Compression.gzip]) {
      const encoded = encoder.encode(records, { compression, baseOffset: 1_000_000 })
      const batch = decodeBatch(encoded)
      expect(batch.header.recordsCount).toBe(10_000)
      expect(batch.header.lastOffsetDelta).toBe(9_999)
      expect(batch.header.baseTimestamp).toBe(records[0]!.timestamp)
      expect(batch.header.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp)))
      expectRecords(batch.records, records, 1_000_000)
    }
  })

  it('defaults to what Kafka writes without idempotence, and to the batch timestamp', () => {
    const encoded = new RecordBatchEncoder().encode([{ value: 'x' }, { value: 'y', timestamp: 99 }], { timestamp: 42 })
    const { header, records } = decodeBatch(encoded)
    expect(header).toMatchObject({ baseOffset: 0, partitionLeaderEpoch: -1, producerId: -1, producerEpoch: -1, baseSequence: -1, attributes: 0 })
    expect(records.map((r) => r.timestamp)).toEqual([42, 99])
    expect(header.maxTimestamp).toBe(99)
  })

  it('refuses bad input: no records, wrong types, unsafe timestamps, out-of-range header fields', () => {
    const encoder = new RecordBatchEncoder()
    expect(() => encoder.encode([])).toThrow(RangeError)
    expect(() => encoder.encode([{ value: 5 as unknown as string }])).toThrow(TypeError)
    expect(() => encoder.encode([{ value: 'v', headers: [{ key: null as unknown as string, value: null }] }])).toThrow(TypeError)
    expect(() => encoder.encode([{ value: 'v' }], { producerEpoch: 40000 })).toThrow(RangeError)
    expect(() => encoder.encode([{ value: 'v' }], { compression: 9 as never })).toThrow(RangeError)
    try {
      encoder.encode([{ value: 'v', timestamp: 1.5 }])
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(FaecieError)
      expect((err as FaecieError).code).toBe(ErrorCode.INVALID_TIMESTAMP)
    }
    // After refusing, the encoder still works.
    expect(decodeBatch(encoder.encode([{ value: 'ok', timestamp: 3 }])).records[0]!.timestamp).toBe(3)
  })
})

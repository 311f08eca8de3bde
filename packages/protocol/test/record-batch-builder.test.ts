// RecordBatchBuilder (src/record-batch-builder.ts): records appended one at a time give the bytes the
// reference encoder gives for the whole list; finish() can be called again with other header fields
// (a retried batch) or compression without changing the records; reset() and a recycled buffer
// start clean; bad input throws with nothing appended.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Compression, ErrorCode, FaecieError, RecordBatchBuilder, decodeBatch, type RecordInput } from '../src/index.js'
import { hex } from './helpers.js'
import { referenceEncode } from './reference-encoder.js'

const data = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 300 }))
const record = fc.record({
  key: data,
  value: data,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: data }), { maxLength: 2 }),
  timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
})
const header = { baseOffset: 0, partitionLeaderEpoch: -1, producerId: 7, producerEpoch: 1, baseSequence: 40 }

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

describe('RecordBatchBuilder', () => {
  it('appends record by record exactly what the reference encoder writes for the list', () => {
    const builder = new RecordBatchBuilder(64) // small, so it grows mid-batch
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
        builder.reset()
        for (const r of records) builder.append(r, 0)
        expect(builder.recordCount).toBe(records.length)
        const batch = builder.finish(header)
        expect(batch.length).toBe(builder.sizeBytes)
        expect(hex(batch)).toBe(hex(referenceEncode({ ...header, attributes: 0 }, records)))
      }),
      { numRuns: 200 },
    )
  })

  it('finishes again with new header fields or compression, the records unchanged', () => {
    const builder = new RecordBatchBuilder()
    const records: RecordInput[] = [{ value: 'a', timestamp: 5 }, { key: 'k', value: new Uint8Array([1, 2]), timestamp: 9 }]
    for (const r of records) builder.append(r, 0)
    const first = builder.finish(header).slice()
    const gzip = builder.finish({ ...header, compression: Compression.gzip })
    expect(decodeBatch(gzip).compression).toBe(Compression.gzip)
    const renumbered = builder.finish({ ...header, producerId: 8, baseSequence: 0 })
    const decoded = decodeBatch(renumbered)
    expect([decoded.header.producerId, decoded.header.baseSequence]).toEqual([8, 0])
    expect(decoded.records.map((r) => [r.offset, r.timestamp, text(r.key), text(r.value)])).toEqual([[0, 5, null, 'a'], [1, 9, 'k', '\u0001\u0002']])
    expect(hex(builder.finish(header))).toBe(hex(first))
  })

  it('gives records without a timestamp the default, and the batch the first as base and the largest as max', () => {
    const builder = new RecordBatchBuilder()
    builder.append({ value: 'a' }, 100)
    builder.append({ value: 'b', timestamp: 50 }, 100)
    builder.append({ value: 'c', timestamp: 300 }, 100)
    const batch = decodeBatch(builder.finish())
    expect([batch.header.baseTimestamp, batch.header.maxTimestamp]).toEqual([100, 300])
    expect(batch.records.map((r) => r.timestamp)).toEqual([100, 50, 300])
  })

  it('starts clean after reset() and in a recycled buffer holding old bytes', () => {
    const used = new RecordBatchBuilder()
    for (let i = 0; i < 100; i++) used.append({ value: `old ${i}` }, 1)
    used.finish()
    const recycled = new RecordBatchBuilder(undefined, used.buffer)
    recycled.append({ value: 'new' }, 2)
    used.reset()
    used.append({ value: 'new' }, 2)
    for (const builder of [recycled, used]) {
      const batch = decodeBatch(builder.finish())
      expect(batch.records.map((r) => text(r.value))).toEqual(['new'])
    }
  })

  it('refuses bad input with nothing appended', () => {
    const builder = new RecordBatchBuilder()
    builder.append({ value: 'ok', timestamp: 0 }, 0)
    const size = builder.sizeBytes
    expect(() => builder.append({ value: 5 as unknown as string }, 0)).toThrow(TypeError)
    expect(() => builder.append({ value: 'v', headers: [{ key: 3 as unknown as string, value: null }] }, 0)).toThrow(TypeError)
    const badTimestamp = (() => {
      try {
        builder.append({ value: 'v', timestamp: 1.5 }, 0)
      } catch (err) {
        return err
      }
    })()
    expect(badTimestamp).toBeInstanceOf(FaecieError)
    expect((badTimestamp as FaecieError).code).toBe(ErrorCode.INVALID_TIMESTAMP)
    expect(builder.recordCount).toBe(1)
    expect(builder.sizeBytes).toBe(size)
    expect(decodeBatch(builder.finish()).records.map((r) => text(r.value))).toEqual(['ok'])
    const far = new RecordBatchBuilder()
    far.append({ value: 'v', timestamp: -(2 ** 53) + 1 }, 0)
    expect(() => far.append({ value: 'v', timestamp: 2 ** 53 - 1 }, 0)).toThrow(/2\^53/)
    expect(far.recordCount).toBe(1)
    expect(() => new RecordBatchBuilder().finish()).toThrow(RangeError)
  })
})

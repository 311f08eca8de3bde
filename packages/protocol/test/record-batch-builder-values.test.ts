// RecordBatchBuilder.appendValues (the bulk produce path): values appended in runs give, byte for
// byte, the batch that append() one record at a time gives for the same records (golden equality,
// whatever the sizes: offset deltas and value lengths past one- and two-byte varints, keys, later
// timestamps than the batch's first), and bad input throws with nothing appended.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, RecordBatchBuilder } from '../src/index.js'
import { hex } from './helpers.js'

const header = { baseOffset: 0, partitionLeaderEpoch: -1, producerId: 7, producerEpoch: 1, baseSequence: 40 }

describe('RecordBatchBuilder.appendValues', () => {
  it('writes the bytes append() writes for the same records, one at a time', () => {
    const bulk = new RecordBatchBuilder(64) // small, so it grows mid-run
    const single = new RecordBatchBuilder(64)
    fc.assert(
      fc.property(
        fc.array(fc.record({
          values: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
          key: fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 200 })),
          timestampDelta: fc.integer({ min: -100_000, max: 10_000_000_000 }),
        }), { minLength: 1, maxLength: 6 }),
        (runs) => {
          bulk.reset()
          single.reset()
          for (const { values, key, timestampDelta } of runs) {
            const timestamp = 1_700_000_000_000 + timestampDelta
            bulk.appendValues(values, 0, values.length, key, timestamp)
            for (const value of values) single.append({ key, value, timestamp }, 0)
          }
          if (single.recordCount === 0) return
          expect(bulk.recordCount).toBe(single.recordCount)
          expect(hex(bulk.finish(header))).toBe(hex(single.finish(header)))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('is exact past the one- and two-byte varints of offset deltas and value lengths', () => {
    const values = Array.from({ length: 9000 }, (_, i) => new Uint8Array(i % 10 === 0 ? 9000 : i % 200).fill(i & 0xff))
    const bulk = new RecordBatchBuilder()
    const single = new RecordBatchBuilder()
    const key = new TextEncoder().encode('k')
    bulk.appendValues(values, 0, 5000, key, 1_700_000_000_000)
    bulk.appendValues(values, 5000, values.length, key, 1_700_000_000_500)
    values.forEach((value, i) => single.append({ key, value, timestamp: i < 5000 ? 1_700_000_000_000 : 1_700_000_000_500 }, 0))
    expect(Buffer.from(bulk.finish(header)).equals(Buffer.from(single.finish(header)))).toBe(true)
  })

  it('takes a range of the values, and nothing for an empty one', () => {
    const values = [1, 2, 3, 4].map((n) => new Uint8Array([n]))
    const bulk = new RecordBatchBuilder()
    bulk.appendValues(values, 1, 1, null, 5)
    expect(bulk.recordCount).toBe(0)
    bulk.appendValues(values, 1, 3, null, 5)
    const single = new RecordBatchBuilder()
    single.append({ value: values[1]! }, 5)
    single.append({ value: values[2]! }, 5)
    expect(hex(bulk.finish(header))).toBe(hex(single.finish(header)))
  })

  it('refuses bad input with nothing appended', () => {
    const bulk = new RecordBatchBuilder()
    bulk.appendValues([new Uint8Array([1])], 0, 1, null, 10)
    const before = hex(bulk.finish(header))
    expect(() => bulk.appendValues([new Uint8Array(1), 'x' as unknown as Uint8Array], 0, 2, null, 10)).toThrow(TypeError)
    expect(() => bulk.appendValues([new Uint8Array(1)], 0, 1, 'k' as unknown as Uint8Array, 10)).toThrow(TypeError)
    expect(() => bulk.appendValues([new Uint8Array(1)], 0, 1, null, 1.5)).toThrow(FaecieError)
    try {
      bulk.appendValues([new Uint8Array(1)], 0, 1, null, 10 + 2 ** 53 + 2)
    } catch (err) {
      expect((err as FaecieError).code).toBe(ErrorCode.INVALID_TIMESTAMP)
    }
    expect(bulk.recordCount).toBe(1)
    expect(hex(bulk.finish(header))).toBe(before)
  })
})

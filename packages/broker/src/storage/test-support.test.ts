// The hand-built test batches are real RecordBatch v2: the protocol's decoder reads them back.
import { describe, expect, it } from 'vitest'
import { checkBatch, decodeBatch } from '@faecie/protocol'
import { makeBatch, parseBatches, concatBytes } from './test-support.js'

describe('makeBatch', () => {
  it('builds batches that pass the broker checks and decode to the records asked for', () => {
    const batch = makeBatch(3, { valueBytes: [0, 5, 300], timestampMs: 1_000, timestampStepMs: 7, tag: 2 })
    expect(checkBatch(batch, 0, batch.length)).toEqual({ ok: true, size: batch.length })
    const decoded = decodeBatch(batch)
    expect(decoded.header).toMatchObject({ recordsCount: 3, lastOffsetDelta: 2, baseTimestamp: 1_000, maxTimestamp: 1_014, producerId: -1 })
    expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key, r.value?.length])).toEqual([
      [0, 1_000, null, 0], [1, 1_007, null, 5], [2, 1_014, null, 300],
    ])
    expect(decoded.records[2]!.value![0]).toBe((2 * 31 + 2 * 7) & 0xff)
  })

  it('splits back to back batches and refuses a broken one', () => {
    const two = concatBytes([makeBatch(1), makeBatch(4, { lastOffsetDelta: 9 })])
    expect(parseBatches(two).map((b) => [b.position, b.lastOffset])).toEqual([[0, 0], [makeBatch(1).length, 9]])
    two[two.length - 1]! ^= 1
    expect(() => parseBatches(two)).toThrow(/bad-crc/)
  })
})

// The decoder with the broker's in-place header edits (batch-header.ts): offsets and leader epoch
// rewritten, LogAppendTime stamped with a fresh CRC; plus control and transactional flags, and the
// text helpers.
import { describe, expect, it } from 'vitest'
import {
  Attribute,
  BatchField,
  RecordBatchEncoder,
  checkBatch,
  crc32c,
  decodeBatch,
  decodeBatches,
  decodeText,
  lastOffsetOf,
  recordAsText,
  stampBatch,
  stampLogAppendTime,
} from '../src/index.js'

const records = [
  { key: 'a', value: 'first', timestamp: 1_000 },
  { key: null, value: null, headers: [{ key: 'h', value: null }], timestamp: 900 },
  { key: 'c', value: 'third', timestamp: 1_100 },
]

describe('decoding after the broker edits a batch in place', () => {
  it('gives the new offsets and leader epoch after stampBatch, the CRC still valid', () => {
    const bytes = new RecordBatchEncoder().encode(records, { timestamp: 0 }).slice()
    stampBatch(bytes, 0, 2 ** 40, 17)
    expect(checkBatch(bytes, 0, bytes.length)).toEqual({ ok: true, size: bytes.length })
    const batch = decodeBatch(bytes)
    expect(batch.header.partitionLeaderEpoch).toBe(17)
    expect(batch.records.map((r) => r.offset)).toEqual([2 ** 40, 2 ** 40 + 1, 2 ** 40 + 2])
    expect(lastOffsetOf(bytes)).toBe(2 ** 40 + 2)
  })

  it('gives every record the append time after stampLogAppendTime', () => {
    const bytes = new RecordBatchEncoder().encode(records).slice()
    expect(decodeBatch(bytes).records.map((r) => r.timestamp)).toEqual([1_000, 900, 1_100])
    stampLogAppendTime(bytes, 0, 1_700_000_000_123)
    const batch = decodeBatch(bytes)
    expect(batch.timestampType).toBe('logAppend')
    expect(batch.header.maxTimestamp).toBe(1_700_000_000_123)
    expect(batch.records.map((r) => r.timestamp)).toEqual([1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_123])
  })

  it('reads the transactional and control flags', () => {
    const bytes = new RecordBatchEncoder().encode(records, { transactional: true, producerId: 5, producerEpoch: 0, baseSequence: 0 }).slice()
    const dv = new DataView(bytes.buffer)
    dv.setInt16(BatchField.attributes, dv.getInt16(BatchField.attributes) | Attribute.control)
    dv.setUint32(BatchField.crc, crc32c(bytes, BatchField.attributes, bytes.length))
    const batch = decodeBatch(bytes)
    expect(batch.transactional).toBe(true)
    expect(batch.control).toBe(true)
    expect(batch.header.producerId).toBe(5)
  })
})

describe('decoder helpers and arguments', () => {
  it('reads null keys, null values and null header values as null, text as text', () => {
    const [a, b] = decodeBatch(new RecordBatchEncoder().encode(records)).records.map(recordAsText)
    expect(a).toMatchObject({ key: 'a', value: 'first', headers: [] })
    expect(b).toMatchObject({ key: null, value: null, headers: [{ key: 'h', value: null }] })
    expect(decodeText(null)).toBeNull()
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa') // a BOM is kept
  })

  it('decodes an empty range to no batches and refuses a range outside the bytes', () => {
    expect([...decodeBatches(new Uint8Array(10), 4, 4)]).toEqual([])
    expect(() => [...decodeBatches(new Uint8Array(10), 0, 11)]).toThrow(RangeError)
    expect(() => [...decodeBatches(new Uint8Array(10), 5, 4)]).toThrow(RangeError)
    expect(() => decodeBatch(new Uint8Array(10), -1)).toThrow(RangeError)
  })
})

// scanBatches (src/record-batch-decoder.ts), the consumer's decoding path: it hands out the same
// records as decodeBatches, with no record objects, skips the records of a batch its onBatch
// declines, and refuses what decodeBatches refuses.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, RecordBatchEncoder, decodeBatches, scanBatches, type BatchInfo } from '../src/index.js'

function twoBatches(): Uint8Array {
  const encoder = new RecordBatchEncoder()
  const a = encoder.encode([{ key: 'k', value: 'a', timestamp: 1 }, { value: null, headers: [{ key: 'h', value: 'x' }], timestamp: 2 }], { baseOffset: 10 }).slice()
  const b = encoder.encode([{ value: 'c', timestamp: 3 }], { baseOffset: 12, compression: 'gzip' }).slice()
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

describe('scanBatches', () => {
  it('hands out what decodeBatches decodes, batch by batch', () => {
    const bytes = twoBatches()
    const scanned: unknown[] = []
    const batches: number[] = []
    scanBatches(bytes, 0, bytes.length, {}, (batch: BatchInfo) => {
      batches.push(batch.header.baseOffset)
      return true
    }, (offset, timestamp, key, value, headers) => {
      scanned.push([offset, timestamp, text(key), text(value), headers.map((h) => [h.key, text(h.value)])])
    })
    const decoded = [...decodeBatches(bytes)].flatMap((batch) =>
      batch.records.map((r) => [r.offset, r.timestamp, text(r.key), text(r.value), r.headers.map((h) => [h.key, text(h.value)])]))
    expect(batches).toEqual([10, 12])
    expect(scanned).toEqual(decoded)
    expect(scanned).toHaveLength(3)
  })

  it('reads no record of a batch onBatch declines', () => {
    const bytes = twoBatches()
    const offsets: number[] = []
    scanBatches(bytes, 0, bytes.length, {}, (batch) => batch.header.baseOffset !== 10, (offset) => offsets.push(offset))
    expect(offsets).toEqual([12])
  })

  it('refuses a corrupt batch with CORRUPT_MESSAGE', () => {
    const bytes = twoBatches()
    bytes[bytes.length - 1]! ^= 0xff
    let error: unknown
    try {
      scanBatches(bytes, 0, bytes.length, {}, () => true, () => undefined)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(FaecieError)
    expect((error as FaecieError).code).toBe(ErrorCode.CORRUPT_MESSAGE)
  })
})

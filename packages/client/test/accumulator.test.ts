// Batching (src/producer/accumulator.ts, records.ts): batches close at batchBytes or after lingerMs,
// one open batch per partition, and the size estimate of a message.
import { describe, expect, it } from 'vitest'
import { RecordAccumulator } from '../src/producer/accumulator.js'
import type { ProducerBatch } from '../src/producer/batch.js'
import { toRecord } from '../src/producer/records.js'

function collect(batchBytes: number): { accumulator: RecordAccumulator; closed: ProducerBatch[] } {
  const closed: ProducerBatch[] = []
  return { accumulator: new RecordAccumulator(batchBytes, (b) => closed.push(b)), closed }
}

describe('RecordAccumulator', () => {
  it('keeps one open batch per partition and closes it when it reaches batchBytes', () => {
    const { accumulator, closed } = collect(100)
    for (let i = 0; i < 3; i++) accumulator.append('t', 0, { value: 'x' }, 30, 0)
    accumulator.append('t', 1, { value: 'y' }, 30, 0)
    expect(closed).toHaveLength(0)
    // 3 x 30 = 90 fits; a 4th would make 120 > 100, so the batch of 3 closes first.
    accumulator.append('t', 0, { value: 'x' }, 30, 0)
    expect(closed.map((b) => [b.partition, b.records.length, b.sizeBytes])).toEqual([[0, 3, 90]])
    expect(accumulator.openCount).toBe(2)
  })

  it('closes a batch as soon as it is full, and gives a record larger than batchBytes a batch of its own', () => {
    const { accumulator, closed } = collect(100)
    accumulator.append('t', 0, { value: 'a' }, 50, 0)
    accumulator.append('t', 0, { value: 'b' }, 50, 0)
    expect(closed.map((b) => b.records.length)).toEqual([2])
    accumulator.append('t', 0, { value: 'c' }, 10, 0)
    const { index } = accumulator.append('t', 0, { value: 'huge' }, 500, 0)
    expect(index).toBe(0)
    // Records are encoded into their batch as they are appended: they come back as bytes.
    expect(closed.map((b) => b.records.map((r) => new TextDecoder().decode(r.value!)))).toEqual([['a', 'b'], ['c'], ['huge']])
    expect(accumulator.openCount).toBe(0)
  })

  it('closes batches open for lingerMs and tells when the next is due', () => {
    const { accumulator, closed } = collect(1 << 20)
    accumulator.append('t', 0, { value: 'a' }, 10, 1000)
    accumulator.append('t', 1, { value: 'b' }, 10, 1003)
    expect(accumulator.closeExpired(1004, 5)).toBe(1005)
    expect(closed).toHaveLength(0)
    expect(accumulator.closeExpired(1005, 5)).toBe(1008)
    expect(closed.map((b) => b.partition)).toEqual([0])
    expect(accumulator.closeExpired(1010, 5)).toBe(undefined)
    accumulator.append('u', 0, { value: 'c' }, 10, 1010)
    accumulator.closeAll()
    expect(closed.map((b) => `${b.topic}-${b.partition}`)).toEqual(['t-0', 't-1', 'u-0'])
  })

  it('returns where each record went, for the send to report its first offset', () => {
    const { accumulator } = collect(1 << 20)
    const first = accumulator.append('t', 0, { value: 'a' }, 10, 0)
    const second = accumulator.append('t', 0, { value: 'b' }, 10, 0)
    expect(second.batch).toBe(first.batch)
    expect([first.index, second.index]).toEqual([0, 1])
  })
})

describe('toRecord', () => {
  it('stamps the send time, keeps explicit timestamps, and estimates the size', () => {
    const { record, sizeBytes } = toRecord({ key: 'k1', value: 'value', headers: { a: 'x', b: ['y', new Uint8Array(3)] } }, 1234)
    expect(record.timestamp).toBe(1234)
    expect(record.headers).toEqual([{ key: 'a', value: 'x' }, { key: 'b', value: 'y' }, { key: 'b', value: new Uint8Array(3) }])
    expect(sizeBytes).toBe(24 + 2 + 5 + (10 + 1 + 1) + (10 + 1 + 1) + (10 + 1 + 3))
    expect(toRecord({ value: null, timestamp: 5 }, 1234).record).toEqual({ key: null, value: null, timestamp: 5 })
  })

  it('refuses what cannot be encoded, saying what', () => {
    expect(() => toRecord({ value: 5 as unknown as string }, 0)).toThrow(/message\.value/)
    expect(() => toRecord({ key: {} as unknown as string, value: 'v' }, 0)).toThrow(/message\.key/)
    expect(() => toRecord({ value: 'v', timestamp: 1.5 }, 0)).toThrow(/timestamp/)
    expect(() => toRecord({ value: 'v', headers: [{ key: 'a', value: 3 as unknown as string }] }, 0)).toThrow(/header/)
  })
})

// A producer batch encodes its records as they are appended (src/producer/batch.ts): what goes on
// the wire decodes to the records sent, in order, with their timestamps; a retry re-encodes the
// header only; a split keeps every record once, in order; a settled batch's buffer is reused by a
// later batch without touching one still in flight; a timestamp too far from its batch's first
// starts a new batch instead of failing the send.
import { decodeBatch } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { RecordAccumulator } from '../src/producer/accumulator.js'
import { ProducerBatch } from '../src/producer/batch.js'

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

function values(bytes: Uint8Array): Array<string | null> {
  return decodeBatch(bytes).records.map((r) => text(r.value))
}

describe('ProducerBatch', () => {
  it('encodes records as appended, with the default timestamp for those without one', () => {
    const batch = new ProducerBatch('t', 0, 1000)
    expect(batch.append({ key: 'k', value: 'a' }, 10)).toBe(0)
    expect(batch.append({ value: new Uint8Array([98]), timestamp: 5 }, 10, 2000)).toBe(1)
    expect(batch.append({ value: null, headers: [{ key: 'h', value: 'x' }] }, 10, 3000)).toBe(2)
    expect([batch.recordCount, batch.sizeBytes]).toEqual([3, 30])
    const decoded = decodeBatch(batch.encode({ producerId: 4, producerEpoch: 0, baseSequence: 9 }))
    expect(decoded.header.baseSequence).toBe(9)
    expect(decoded.records.map((r) => [text(r.key), text(r.value), r.timestamp, r.headers.map((h) => h.key)]))
      .toEqual([['k', 'a', 1000, []], [null, 'b', 5, []], [null, null, 3000, ['h']]])
  })

  it('re-encodes with new idempotence fields, records unchanged (a retry after a new producer id)', () => {
    const batch = new ProducerBatch('t', 0, 0)
    for (const v of ['a', 'b', 'c']) batch.append({ value: v }, 10)
    const first = decodeBatch(batch.encode({ producerId: 1, producerEpoch: 0, baseSequence: 10 }).slice())
    const again = decodeBatch(batch.encode({ producerId: 2, producerEpoch: 0, baseSequence: 0, compression: 'gzip' }))
    expect([again.header.producerId, again.header.baseSequence]).toEqual([2, 0])
    expect(again.records.map((r) => text(r.value))).toEqual(first.records.map((r) => text(r.value)))
  })

  it('splits into two batches holding every record once, in order, with the size counted once', () => {
    const batch = new ProducerBatch('t', 0, 0)
    for (let i = 0; i < 5; i++) batch.append({ value: `v${i}`, timestamp: 100 + i }, 20)
    const tail = batch.split(() => 20)
    expect(values(batch.encode({}))).toEqual(['v0', 'v1', 'v2'])
    expect(values(tail.encode({}))).toEqual(['v3', 'v4'])
    expect(decodeBatch(tail.encode({})).records.map((r) => r.timestamp)).toEqual([103, 104])
    expect([batch.recordCount, tail.recordCount, batch.sizeBytes + tail.sizeBytes]).toEqual([3, 2, 100])
    expect(batch.splitTail).toBe(tail)
  })

  it('gives its buffer back once settled, and only then', () => {
    const batch = new ProducerBatch('t', 0, 0)
    batch.append({ value: 'a' }, 10)
    expect(batch.release()).toBeUndefined()
    batch.succeed({ baseOffset: 0, logAppendTime: -1 })
    const buffer = batch.release()
    expect(buffer).toBeInstanceOf(Uint8Array)
    expect(batch.release()).toBeUndefined()
    expect(batch.recordCount).toBe(1) // still known to the sends that wait on it
  })
})

describe('RecordAccumulator buffers', () => {
  it('reuses a settled batch\'s buffer for a new batch without disturbing a batch in flight', () => {
    const closed: ProducerBatch[] = []
    const accumulator = new RecordAccumulator(30, (b) => closed.push(b))
    for (const v of ['a', 'b', 'c']) accumulator.append('t', 0, { value: v }, 10, 0) // closes at 30
    for (const v of ['d', 'e', 'f']) accumulator.append('t', 0, { value: v }, 10, 0)
    const [done, inFlight] = closed as [ProducerBatch, ProducerBatch]
    const inFlightBytes = inFlight.encode({}).slice()
    done.succeed({ baseOffset: 0, logAppendTime: -1 })
    accumulator.recycle(done.release()!)
    for (const v of ['g', 'h', 'i']) accumulator.append('t', 0, { value: v }, 10, 0)
    expect(values(closed[2]!.encode({}))).toEqual(['g', 'h', 'i'])
    expect(values(inFlight.encode({}))).toEqual(['d', 'e', 'f'])
    expect(inFlight.encode({})).toEqual(inFlightBytes)
  })

  it('starts a new batch for a timestamp more than 2^53 ms from the open batch\'s first', () => {
    const closed: ProducerBatch[] = []
    const accumulator = new RecordAccumulator(1 << 20, (b) => closed.push(b))
    accumulator.append('t', 0, { value: 'a', timestamp: -(2 ** 53) + 1 }, 10, 0)
    const { batch, index } = accumulator.append('t', 0, { value: 'b', timestamp: 2 ** 53 - 1 }, 10, 0)
    expect(index).toBe(0)
    expect(closed.map((b) => values(b.encode({})))).toEqual([['a']])
    expect(values(batch.encode({}))).toEqual(['b'])
  })
})

// The consumer's decoding and read-ahead (src/consumer/message.ts, message-buffer.ts): records below
// the offset asked for are skipped, headers come out in kafkajs's shape, paused partitions are passed
// over, stale chunks (read before a seek) dropped, every byte taken in is released once, and a
// partition's error comes after the messages of that partition read before it.
import { Attribute, BatchField, ErrorCode, FaecieError, RecordBatchEncoder, crc32c } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { type Chunk, MessageBuffer } from '../src/consumer/message-buffer.js'
import { decodeMessages } from '../src/consumer/message.js'
import { RecordSet } from '../src/consumer/records.js'
import { PartitionState } from '../src/consumer/state.js'

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

function batches(...parts: Array<{ baseOffset: number; values: string[]; control?: boolean }>): Uint8Array {
  const encoder = new RecordBatchEncoder()
  const out: Uint8Array[] = []
  for (const part of parts) {
    const headers = [{ key: 'h', value: 'a' }, { key: 'h', value: 'b' }, { key: 'one', value: null }]
    encoder.encode(part.values.map((value) => ({ value, headers })), { baseOffset: part.baseOffset, timestamp: 1000 })
    const bytes = encoder.copy()
    if (part.control === true) {
      // Set the control bit and fix the CRC, as a broker's transaction marker would carry.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      view.setInt16(BatchField.attributes, view.getInt16(BatchField.attributes) | Attribute.control)
      view.setUint32(BatchField.crc, crc32c(bytes, BatchField.attributes))
    }
    out.push(bytes)
  }
  const all = new Uint8Array(out.reduce((n, b) => n + b.length, 0))
  let pos = 0
  for (const b of out) {
    all.set(b, pos)
    pos += b.length
  }
  return all
}

describe('decodeMessages', () => {
  it('skips records below the offset asked for and says where to read next', () => {
    const records = batches({ baseOffset: 10, values: ['a', 'b', 'c'] }, { baseOffset: 13, values: ['d'] })
    const { messages, nextOffset } = decodeMessages('t', 2, records, 12)
    expect(messages.map((m) => [m.offset, text(m.value)])).toEqual([[12, 'c'], [13, 'd']])
    expect(nextOffset).toBe(14)
    expect(messages[0]).toMatchObject({ topic: 't', partition: 2, timestamp: 1000, key: null })
  })

  it('gives headers in kafkajs shape: a repeated key as an array, in order', () => {
    const [message] = decodeMessages('t', 0, batches({ baseOffset: 0, values: ['v'] }), 0).messages
    expect(text((message!.headers.h as Uint8Array[])[0]!)).toBe('a')
    expect(text((message!.headers.h as Uint8Array[])[1]!)).toBe('b')
    expect(message!.headers.one).toBe(null)
  })

  it('passes over control batches but moves past them', () => {
    const records = batches({ baseOffset: 0, values: ['a'] }, { baseOffset: 1, values: ['marker'], control: true }, { baseOffset: 2, values: ['b'] })
    const { messages, nextOffset } = decodeMessages('t', 0, records, 0)
    expect(messages.map((m) => text(m.value))).toEqual(['a', 'b'])
    expect(nextOffset).toBe(3)
  })

  it('throws CORRUPT_MESSAGE on a damaged batch', () => {
    const records = batches({ baseOffset: 0, values: ['a'] })
    records[records.length - 1]! ^= 0xff
    expect(() => decodeMessages('t', 0, records, 0)).toThrow(expect.objectContaining({ errorName: 'CORRUPT_MESSAGE' }))
  })
})

/** A chunk of one batch holding `offsets` (consecutive). */
function chunk(state: PartitionState, offsets: number[], bytes = 100): Chunk {
  const records = batches({ baseOffset: offsets[0]!, values: offsets.map(String) })
  return {
    state,
    generation: state.generation,
    records: new RecordSet(state.topic, state.partition, records, offsets[0]!),
    index: 0,
    bytes,
    highWatermark: 99,
    sub: undefined,
  }
}

describe('MessageBuffer', () => {
  it('delivers in arrival order, passes over paused partitions, and releases each chunk once', () => {
    const released: number[] = []
    const buffer = new MessageBuffer((c) => released.push(c.bytes))
    const a = new PartitionState('t', 0, 0)
    const b = new PartitionState('t', 1, 0)
    buffer.push(chunk(a, [0, 1], 10))
    buffer.push(chunk(b, [5], 20))
    buffer.push(chunk(a, [2], 30))
    expect([buffer.bytes, a.bufferedBytes, b.bufferedBytes]).toEqual([60, 40, 20])
    a.paused = true
    expect(buffer.nextMessage()?.offset).toBe(5)
    expect(buffer.nextMessage()).toBe(undefined)
    a.paused = false
    expect([0, 1, 2].map(() => buffer.nextMessage()?.offset)).toEqual([0, 1, 2])
    expect(released).toEqual([20, 10, 30])
    expect([buffer.bytes, a.bufferedBytes, b.bufferedBytes]).toEqual([0, 0, 0])
  })

  it('drops chunks read before a seek', () => {
    const released: number[] = []
    const buffer = new MessageBuffer((c) => released.push(c.bytes))
    const a = new PartitionState('t', 0, 0)
    buffer.push(chunk(a, [0, 1], 10))
    a.seek(100)
    buffer.push(chunk(a, [100], 20))
    expect(buffer.nextMessage()?.offset).toBe(100)
    expect(released).toEqual([10, 20])
  })

  it('hands out the rest of a chunk whole for eachBatch', () => {
    const buffer = new MessageBuffer(() => undefined)
    const a = new PartitionState('t', 0, 0)
    buffer.push(chunk(a, [0, 1, 2]))
    buffer.nextMessage()
    expect(buffer.takeChunk()?.records.messages().map((m) => m.offset)).toEqual([1, 2])
    expect(buffer.takeChunk()).toBe(undefined)
  })

  it("holds a partition's error behind that partition's messages already read, not other partitions'", () => {
    const buffer = new MessageBuffer(() => undefined)
    const a = new PartitionState('t', 0, 0)
    const b = new PartitionState('t', 1, 0)
    buffer.push(chunk(a, [0, 1]))
    buffer.push(chunk(b, [7]))
    buffer.pushError(new FaecieError(ErrorCode.LOG_DAMAGED, 'lost 2..5'), a)
    buffer.pushError(new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'of no partition'))
    // The error of no partition comes at once; a's only after 0 and 1, whatever else is buffered.
    expect(buffer.takeError()?.code).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(buffer.takeError()).toBe(undefined)
    expect(buffer.nextMessage()?.offset).toBe(0)
    expect(buffer.takeError()).toBe(undefined)
    expect(buffer.nextMessage()?.offset).toBe(1)
    expect(buffer.takeError()?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(buffer.nextMessage()?.offset).toBe(7)
  })

  it("drops a partition's error held behind its messages when it is seeked", () => {
    const buffer = new MessageBuffer(() => undefined)
    const a = new PartitionState('t', 0, 0)
    buffer.push(chunk(a, [0, 1]))
    buffer.pushError(new FaecieError(ErrorCode.LOG_DAMAGED, 'lost 2..5'), a)
    a.seek(6)
    expect(buffer.takeError()).toBe(undefined)
    expect(buffer.nextMessage()).toBe(undefined)
  })

  it('wakes a waiting reader when data or an error comes', async () => {
    const buffer = new MessageBuffer(() => undefined)
    const waiting = buffer.wait()
    buffer.pushError(new (await import('@faecie/protocol')).FaecieError(1))
    await waiting
    expect(buffer.takeError()?.code).toBe(1)
  })
})

// Lazy records (src/consumer/records.ts, batch.ts): what eachBatch's `records()`, `forEach()` and
// `messages` give equals what decodeMessages (the eager decoding they replace) gives, for plain,
// gzip, multi-batch, control and compacted (gappy) chunks read from an offset inside a batch;
// count, first and last offsets and where to read next come from the headers and agree; messages
// are made once; a record that does not parse (with a matching CRC) stops the walk there; and the
// run loop rewinds and hands out offsets after a lazy eachBatch as it did after an eager one.
import { Attribute, BATCH_HEADER_BYTES, BatchField, ErrorCode, RecordBatchEncoder, crc32c, writeInt64, writeVarint } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { Batch } from '../src/consumer/batch.js'
import { resolveConsumerConfig } from '../src/consumer/config.js'
import { MessageBuffer } from '../src/consumer/message-buffer.js'
import { decodeMessages, nextOffsetOf } from '../src/consumer/message.js'
import { RecordSet } from '../src/consumer/records.js'
import { RunLoop } from '../src/consumer/run.js'
import { PartitionState } from '../src/consumer/state.js'
import { RETRY_DEFAULTS } from '../src/retry.js'

const headers = [{ key: 'h', value: 'a' }, { key: 'h', value: 'b' }, { key: 'n', value: null }]

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0))
  let pos = 0
  for (const part of parts) {
    all.set(part, pos)
    pos += part.length
  }
  return all
}

function batch(baseOffset: number, count: number, options: { gzip?: boolean; control?: boolean } = {}): Uint8Array {
  const encoder = new RecordBatchEncoder()
  const records = Array.from({ length: count }, (_, i) => ({
    key: i % 3 === 0 ? null : `k${baseOffset + i}`,
    value: i % 5 === 4 ? null : `value-${baseOffset + i}`,
    headers: i % 2 === 0 ? headers : [],
    timestamp: 1000 + i,
  }))
  encoder.encode(records, { baseOffset, timestamp: 1000, compression: options.gzip === true ? 'gzip' : undefined })
  const bytes = encoder.copy()
  if (options.control === true) setAttributes(bytes, Attribute.control)
  return bytes
}

function setAttributes(bytes: Uint8Array, bits: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  view.setInt16(BatchField.attributes, view.getInt16(BatchField.attributes) | bits)
  view.setUint32(BatchField.crc, crc32c(bytes, BatchField.attributes))
}

/** A batch as compaction leaves it: records at offset deltas `deltas` of 0..lastDelta, value = `v<offset>`. */
function gappyBatch(baseOffset: number, deltas: number[], lastDelta: number): Uint8Array {
  const records = deltas.map((delta) => {
    const value = new TextEncoder().encode(`v${baseOffset + delta}`)
    const body = new Uint8Array(32 + value.length)
    let pos = 0
    body[pos++] = 0 // attributes
    pos = writeVarint(body, pos, 0) // timestampDelta
    pos = writeVarint(body, pos, delta)
    pos = writeVarint(body, pos, -1) // key null
    pos = writeVarint(body, pos, value.length)
    body.set(value, pos)
    pos += value.length
    pos = writeVarint(body, pos, 0) // no headers
    const length = new Uint8Array(5)
    return concat([length.subarray(0, writeVarint(length, 0, pos)), body.subarray(0, pos)])
  })
  const bytes = concat([new Uint8Array(BATCH_HEADER_BYTES), ...records])
  const view = new DataView(bytes.buffer)
  writeInt64(view, BatchField.baseOffset, baseOffset)
  view.setInt32(BatchField.batchLength, bytes.length - 12)
  view.setInt8(BatchField.magic, 2)
  view.setInt32(BatchField.lastOffsetDelta, lastDelta)
  writeInt64(view, BatchField.baseTimestamp, 5000)
  writeInt64(view, BatchField.maxTimestamp, 5000)
  writeInt64(view, BatchField.producerId, -1)
  view.setInt16(BatchField.producerEpoch, -1)
  view.setInt32(BatchField.baseSequence, -1)
  view.setInt32(BatchField.recordsCount, deltas.length)
  view.setUint32(BatchField.crc, crc32c(bytes, BatchField.attributes))
  return bytes
}

const CASES: Array<[string, Uint8Array, number]> = [
  ['one plain batch', batch(0, 20), 0],
  ['from inside a batch', batch(10, 20), 17],
  ['several batches, one of them gzip, and a control batch', concat([batch(0, 7), batch(7, 9, { gzip: true }), batch(16, 1, { control: true }), batch(17, 5)]), 3],
  ['gzip batches from inside one', concat([batch(100, 30, { gzip: true }), batch(130, 30, { gzip: true })]), 115],
  ['compacted batches (offset gaps)', concat([gappyBatch(0, [1, 4, 5], 7), batch(8, 3), gappyBatch(11, [0, 3], 9)]), 4],
  ['only a control batch', batch(0, 1, { control: true }), 0],
]

describe('lazy records against decodeMessages', () => {
  for (const [name, bytes, from] of CASES) {
    it(`gives the same messages, counts and offsets: ${name}`, () => {
      const eager = decodeMessages('t', 3, bytes, from)
      const set = new RecordSet('t', 3, bytes, from)
      const lazy = new Batch(set, 99)
      const walked = [...lazy.records()].length === 0 ? [] : Array.from(lazy.records(), (r) => r.toMessage())
      const each: unknown[] = []
      lazy.forEach((r) => each.push(r.toMessage()))
      expect(walked).toEqual(eager.messages)
      expect(each).toEqual(eager.messages)
      expect(lazy.messages).toEqual(eager.messages)
      expect(set.nextOffset).toBe(eager.nextOffset)
      expect(set.nextOffset).toBe(nextOffsetOf(bytes, from))
      expect([lazy.count, lazy.firstOffset(), lazy.lastOffset(), lazy.isEmpty()]).toEqual([
        eager.messages.length, eager.messages[0]?.offset ?? -1, eager.messages.at(-1)?.offset ?? -1, eager.messages.length === 0,
      ])
      // Sizes without views agree with the views.
      for (const r of lazy.records()) expect([r.keySizeBytes, r.valueSizeBytes]).toEqual([r.key?.length ?? 0, r.value?.length ?? 0])
    })
  }

  it('makes messages once: reading batch.messages twice gives the same objects', () => {
    const lazy = new Batch(new RecordSet('t', 0, concat([batch(0, 5), batch(5, 5, { gzip: true })]), 0), 10)
    const first = lazy.messages
    expect(lazy.messages).toBe(first)
    expect(lazy.messages[7]).toBe(first[7])
  })

  it('decompresses a batch once however often it is walked', () => {
    const set = new RecordSet('t', 0, batch(0, 10, { gzip: true }), 0)
    const data = set.openAt(0)!.data
    void [...new Batch(set, 10).records()]
    set.messages()
    expect(set.openAt(0)!.data).toBe(data)
  })

  it('throws CORRUPT_MESSAGE on a damaged CRC when the chunk arrives', () => {
    const bytes = batch(0, 3)
    bytes[bytes.length - 1]! ^= 0xff
    expect(() => new RecordSet('t', 0, bytes, 0)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }))
  })

  it('stops at a record that does not parse (CRC intact): the records before it, then the error', () => {
    const bytes = batch(0, 4)
    // The third record's length varint claims more bytes than the batch holds; fix the CRC.
    const fields = { pos: BATCH_HEADER_BYTES }
    for (let i = 0; i < 2; i++) fields.pos += 1 + ((bytes[fields.pos]! >>> 1) ^ -(bytes[fields.pos]! & 1))
    bytes[fields.pos] = 0x7e
    setAttributes(bytes, 0)
    const set = new RecordSet('t', 0, bytes, 0)
    expect(set.count).toBe(4) // from the header
    expect(() => new Batch(set, 4).forEach(() => undefined)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }))
    expect(set.messages().map((m) => m.offset)).toEqual([0, 1])
    expect([set.count, set.resumeOffset, set.error?.code]).toEqual([2, 2, ErrorCode.CORRUPT_MESSAGE])
  })
})

describe('the run loop with a lazy eachBatch', () => {
  function loopOver(bytes: Uint8Array, from: number): { state: PartitionState; seeks: number[]; loop: RunLoop; crash: Promise<unknown> } {
    const state = new PartitionState('t', 0, from)
    const buffer = new MessageBuffer(() => undefined)
    // What the reader does: the chunk read from `offset` (after a seek, from there).
    const read = (offset: number): void => {
      const records = new RecordSet('t', 0, bytes, offset)
      state.offset = records.nextOffset
      buffer.push({ state, generation: state.generation, records, index: 0, bytes: bytes.length, highWatermark: records.nextOffset, sub: undefined })
    }
    read(from)
    const seeks: number[] = []
    let crashed!: (err: unknown) => void
    const crash = new Promise<unknown>((resolve) => (crashed = resolve))
    const host = {
      config: resolveConsumerConfig({ retry: { retries: 1, initialRetryTimeMs: 1, jitter: 0 } }, RETRY_DEFAULTS),
      buffer,
      stateOf: () => state,
      seek: ({ offset }: { offset: number }) => {
        seeks.push(offset)
        state.seek(offset)
        read(offset)
      },
    }
    return { state, seeks, crash, loop: new RunLoop(host, crashed) }
  }

  it('leaves the position after the batch when the handler counts without reading a record', async () => {
    const bytes = concat([batch(0, 10), batch(10, 10, { gzip: true })])
    const { state, seeks, loop } = loopOver(bytes, 4)
    const counts: number[] = []
    await new Promise<void>((resolve) => {
      loop.start({ eachBatch: async ({ batch: b }) => { counts.push(b.count, b.lastOffset()); resolve() } })
    })
    await loop.stop()
    expect({ counts, seeks, offset: state.offset }).toEqual({ counts: [16, 19], seeks: [], offset: 20 })
  })

  it('rewinds to the record after the last resolved one when the handler throws', async () => {
    const { seeks, loop, crash } = loopOver(batch(0, 10), 2)
    loop.start({
      eachBatch: async ({ batch: b, resolveOffset }) => {
        for (const record of b.records()) {
          if (record.offset === 6) throw new Error('handler failed')
          resolveOffset(record.offset)
        }
      },
    })
    expect({ crash: ((await crash) as Error).message, seeks }).toEqual({ crash: 'handler failed', seeks: [6] })
  })

  it('does not count a corrupt record the handler caught as handled', async () => {
    const bytes = batch(0, 4)
    bytes[BATCH_HEADER_BYTES] = 0x7e // the first record's length runs past the batch
    setAttributes(bytes, 0)
    const { seeks, loop, crash } = loopOver(bytes, 0)
    loop.start({
      eachBatch: async ({ batch: b }) => {
        try {
          b.forEach(() => undefined)
        } catch {
          // swallowed: the loop must still not move past the record
        }
      },
    })
    expect({ crash: ((await crash) as { code: number }).code, seeks }).toEqual({ crash: ErrorCode.CORRUPT_MESSAGE, seeks: [0] })
  })
})

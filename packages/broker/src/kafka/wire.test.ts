// The Kafka wire primitives: values survive a writer that has to grow many times, large byte strings
// are kept by reference (a Fetch answer's records are not copied), byte runs are read as copies
// (or views, for Produce), and a reader given
// truncated or lying bytes throws KafkaDecodeError instead of reading past the end or allocating
// what the bytes cannot hold.
import { describe, expect, it } from 'vitest'
import { KafkaDecodeError, KafkaReader, KafkaWriter, readArray, WRITER_REFERENCE_BYTES_MIN } from './wire.js'

describe('KafkaWriter', () => {
  it('keeps every value written while it grows from one byte', () => {
    const w = new KafkaWriter(1)
    const blob = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    w.int8(-3); w.int16(-300); w.int32(70_000); w.int64(-5n); w.uvarint(300); w.varint(-129)
    w.string('héllo', true); w.bytes(blob, false); w.float64(1.5); w.uuid(Uint8Array.from({ length: 16 }, (_, i) => i))
    const r = new KafkaReader(w.finish())
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uvarint(), r.varint(), r.string(true)]).toEqual([-3, -300, 70_000, -5n, 300, -129, 'héllo'])
    expect(r.bytes(false)).toEqual(blob)
    expect(r.float64()).toBe(1.5)
    expect(r.uuid()).toEqual(Uint8Array.from({ length: 16 }, (_, i) => i))
    expect(r.remaining).toBe(0)
  })
})

describe('KafkaWriter with large byte strings', () => {
  it('keeps them by reference, in order, and finish() joins the same bytes', () => {
    const records = Uint8Array.from({ length: WRITER_REFERENCE_BYTES_MIN * 3 }, (_, i) => (i * 7) & 0xff)
    const w = new KafkaWriter(4)
    w.int32(7); w.bytes(records, true); w.int16(-2); w.bytes(records.subarray(0, 10), false)
    const chunks = w.finishChunks()
    // The records are a chunk of their own, the very array given (not a copy of it).
    expect(chunks.some((chunk) => chunk === records)).toBe(true)
    expect(chunks.reduce((n, chunk) => n + chunk.length, 0)).toBe(w.length)
    const joined = w.finish()
    expect(joined.length).toBe(w.length)
    const r = new KafkaReader(joined)
    expect(r.int32()).toBe(7)
    expect(r.bytes(true)).toEqual(records)
    expect(r.int16()).toBe(-2)
    expect(r.bytes(false)).toEqual(records.subarray(0, 10))
    expect(r.remaining).toBe(0)
  })

  it('gives one chunk when nothing was large', () => {
    const w = new KafkaWriter(4)
    w.bytes(new Uint8Array(WRITER_REFERENCE_BYTES_MIN - 1), false)
    expect(w.finishChunks()).toHaveLength(1)
  })
})

describe('KafkaReader byte runs', () => {
  it('copies them by default and gives views into the frame with viewBytes', () => {
    const frame = new Uint8Array([0, 0, 0, 3, 7, 8, 9])
    const copied = new KafkaReader(frame).bytes(false)!
    const viewed = new KafkaReader(frame, 0, { viewBytes: true }).bytes(false)!
    expect([copied, viewed]).toEqual([new Uint8Array([7, 8, 9]), new Uint8Array([7, 8, 9])])
    frame[4] = 1
    expect(copied[0]).toBe(7)
    expect(viewed[0]).toBe(1)
  })
})

describe('KafkaReader on bad bytes', () => {
  it('throws KafkaDecodeError on truncated values and lying lengths', () => {
    expect(() => new KafkaReader(new Uint8Array([0, 1])).int32()).toThrow(KafkaDecodeError)
    expect(() => new KafkaReader(new Uint8Array([0, 5, 65])).string(false)).toThrow(KafkaDecodeError)
    expect(() => new KafkaReader(new Uint8Array([0x7f, 0xff, 0xff, 0xff])).bytes(false)).toThrow(KafkaDecodeError)
    // An array claiming two billion items in four bytes is refused before anything is allocated.
    expect(() => readArray(new KafkaReader(new Uint8Array([0x7f, 0xff, 0xff, 0xff])), false, false, 'x', (r) => r.int8())).toThrow(KafkaDecodeError)
    expect(() => new KafkaReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint()).toThrow(KafkaDecodeError)
    expect(() => new KafkaReader(new Uint8Array([0, 2, 0xc3, 0x28])).string(false)).toThrow(KafkaDecodeError)
  })
})

// The Kafka wire primitives: values survive a writer that has to grow many times, and a reader given
// truncated or lying bytes throws KafkaDecodeError instead of reading past the end or allocating
// what the bytes cannot hold.
import { describe, expect, it } from 'vitest'
import { KafkaDecodeError, KafkaReader, KafkaWriter, readArray } from './wire.js'

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

// Kafka framing: frames cut from a byte stream however TCP splits it, and a bad size prefix refused
// before the frame's bytes are held.
import { describe, expect, it } from 'vitest'
import { KafkaFrameError, KafkaFrameReader } from './frames.js'

function framed(...payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => { const size = Buffer.alloc(4); size.writeInt32BE(p.length, 0); return [size, p] }))
}

describe('KafkaFrameReader', () => {
  it('cuts frames out of a stream split at every byte, or not at all', () => {
    const payloads = [Buffer.from('0123456789'), Buffer.from('abcdefgh'), Buffer.alloc(300, 7)]
    const stream = framed(...payloads)
    const whole = new KafkaFrameReader(1024).push(stream)
    expect(whole).toEqual(payloads)
    const reader = new KafkaFrameReader(1024)
    const bytewise: Buffer[] = []
    for (let i = 0; i < stream.length; i++) bytewise.push(...reader.push(stream.subarray(i, i + 1)))
    expect(bytewise).toEqual(payloads)
    expect(reader.bufferedBytes).toBe(0)
  })

  it('refuses a size over the limit, negative, or too small for a header, from its four bytes alone', () => {
    for (const size of [1025, 0x7fffffff, -1, 7]) {
      const prefix = Buffer.alloc(4)
      prefix.writeInt32BE(size, 0)
      expect(() => new KafkaFrameReader(1024).push(prefix), String(size)).toThrow(KafkaFrameError)
    }
    expect(new KafkaFrameReader(1024).push(Buffer.from([0, 0, 4]))).toEqual([])
  })
})

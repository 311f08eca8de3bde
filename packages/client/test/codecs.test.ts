// The Node entry's native codecs (src/codecs-node.ts, snappy-framing.ts): each one registers, and a
// batch compressed with it decodes back through @faecie/protocol; snappy is xerial-framed as Kafka's
// Java client writes it, and raw snappy is read too. A stated size over the limit is refused.
import { Compression, RecordBatchEncoder, decodeBatch, decodeText, isCompressionSupported, readBatchHeader } from '@faecie/protocol'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { registerNodeCodecs } from '../src/codecs-node.js'
import { XERIAL_BLOCK_BYTES, xerialSnappy } from '../src/snappy-framing.js'

const report = registerNodeCodecs()
const require = createRequire(import.meta.url)
const snappy = require('snappy') as { compressSync(d: Uint8Array): Buffer; uncompressSync(d: Uint8Array, o: { asBuffer: true }): Buffer }
const raw = {
  compress: (d: Uint8Array) => new Uint8Array(snappy.compressSync(d)),
  uncompress: (d: Uint8Array) => new Uint8Array(snappy.uncompressSync(d, { asBuffer: true })),
}

describe('registerNodeCodecs', () => {
  it('registers snappy, lz4 and zstd on this machine', () => {
    expect(report).toEqual({ snappy: true, lz4: true, zstd: true })
    for (const codec of ['snappy', 'lz4', 'zstd'] as const) expect(isCompressionSupported(codec)).toBe(true)
  })

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${codec}: a batch round-trips through the encoder and decoder`, () => {
      const records = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(20) }))
      const bytes = new RecordBatchEncoder().encode(records, { compression: codec, timestamp: 1 })
      expect(readBatchHeader(bytes, 0).attributes & 7).toBe(Compression[codec])
      expect(bytes.length).toBeLessThan(records.length * 100)
      const batch = decodeBatch(bytes)
      expect(batch.records.map((r) => decodeText(r.value))).toEqual(records.map((r) => r.value))
    })
  }
})

describe('xerial snappy framing', () => {
  const codec = xerialSnappy(raw)

  it('writes the xerial header and one block per 32 KiB', () => {
    const data = new Uint8Array(XERIAL_BLOCK_BYTES * 2 + 5).map((_, i) => i % 251)
    const framed = codec.compress(data)
    expect([...framed.subarray(0, 16)]).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1])
    let blocks = 0
    const view = new DataView(framed.buffer, framed.byteOffset)
    for (let pos = 16; pos < framed.length; pos += 4 + view.getInt32(pos)) blocks++
    expect(blocks).toBe(3)
    expect(codec.decompress(framed, data.length)).toEqual(data)
  })

  it('reads raw snappy too', () => {
    const data = new TextEncoder().encode('hello hello hello hello')
    expect(codec.decompress(raw.compress(data), 1000)).toEqual(data)
  })

  it('refuses a payload whose stated size is over the limit before decompressing it', () => {
    const data = new Uint8Array(10_000)
    expect(() => codec.decompress(codec.compress(data), 9_999)).toThrow(/more than 9999/)
    expect(() => codec.decompress(raw.compress(data), 9_999)).toThrow(/more than 9999/)
  })

  it('refuses a cut frame', () => {
    const framed = codec.compress(new Uint8Array(100))
    expect(() => codec.decompress(framed.subarray(0, framed.length - 3), 1000)).toThrow()
  })
})

// The codec registry: gzip built in, the others refused with a typed error until registered, a
// registered codec used both ways, and decompression bounded however the payload lies.
import { deflateSync, inflateSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import {
  BatchField,
  Compression,
  ErrorCode,
  FaecieError,
  RecordBatchEncoder,
  crc32c,
  decodeBatch,
  gzipCodec,
  isCompressionSupported,
  recordAsText,
  registerCompressionCodec,
} from '../src/index.js'
import { batchFixtures, fixtureBytes } from './helpers.js'

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(FaecieError)
    return (err as FaecieError).code
  }
  return undefined
}

/** The batch with other attributes, its CRC made right again (as a hostile peer would). */
function withAttributes(bytes: Uint8Array, attributes: number): Uint8Array {
  const copy = bytes.slice()
  new DataView(copy.buffer).setInt16(BatchField.attributes, attributes)
  new DataView(copy.buffer).setUint32(BatchField.crc, crc32c(copy, BatchField.attributes, copy.length))
  return copy
}

const records = [
  { key: 'a', value: 'one '.repeat(50), timestamp: 10 },
  { key: 'b', value: 'two '.repeat(50), timestamp: 11 },
]

describe('compression registry', () => {
  it('has gzip and none, and nothing else until registered', () => {
    expect(isCompressionSupported('none')).toBe(true)
    expect(isCompressionSupported('gzip')).toBe(true)
    expect(isCompressionSupported(Compression.lz4)).toBe(false)
    expect(isCompressionSupported('snappy')).toBe(false)
  })

  it('refuses to encode or decode with a codec not registered: UNSUPPORTED_COMPRESSION_TYPE', () => {
    expect(codeOf(() => new RecordBatchEncoder().encode(records, { compression: 'lz4' }))).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE)
    const plain = new RecordBatchEncoder().encode(records)
    expect(codeOf(() => decodeBatch(withAttributes(plain, Compression.snappy)))).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE)
  })

  it('calls codec numbers 5-7 corrupt, not unsupported', () => {
    const plain = new RecordBatchEncoder().encode(records)
    for (const codec of [5, 6, 7]) expect(codeOf(() => decodeBatch(withAttributes(plain, codec)))).toBe(ErrorCode.CORRUPT_MESSAGE)
  })

  it('calls an uncompressed payload marked gzip corrupt', () => {
    const plain = new RecordBatchEncoder().encode(records)
    expect(codeOf(() => decodeBatch(withAttributes(plain, Compression.gzip)))).toBe(ErrorCode.CORRUPT_MESSAGE)
  })

  it('uses a registered codec in both directions', () => {
    // zstd's slot with raw deflate: a real compressor, though not zstd's format; the registry
    // only routes bytes, and Node registers the real native zstd here later.
    registerCompressionCodec('zstd', {
      compress: (data) => deflateSync(data),
      decompress: (data, maxBytes) => {
        const out = inflateSync(data)
        if (out.length > maxBytes) throw new Error('too large')
        return out
      },
    })
    expect(isCompressionSupported('zstd')).toBe(true)
    const encoded = new RecordBatchEncoder().encode(records, { compression: 'zstd' })
    const batch = decodeBatch(encoded)
    expect(batch.compression).toBe(Compression.zstd)
    expect(batch.records.map((r) => recordAsText(r).value)).toEqual(records.map((r) => r.value))
    expect(encoded.length).toBeLessThan(new RecordBatchEncoder().encode(records).length)
    // A codec's own exception on bad bytes comes out as CORRUPT_MESSAGE.
    expect(codeOf(() => decodeBatch(withAttributes(new RecordBatchEncoder().encode(records), Compression.zstd)))).toBe(ErrorCode.CORRUPT_MESSAGE)
  })

  it('refuses to register none or an unknown codec', () => {
    expect(() => registerCompressionCodec('none', gzipCodec)).toThrow(RangeError)
    expect(() => registerCompressionCodec(9 as never, gzipCodec)).toThrow(RangeError)
  })
})

describe('gzip', () => {
  const fixture = batchFixtures.find((c) => c.batch.compression === Compression.gzip)!
  const bytes = fixtureBytes(fixture.file)
  const payload = bytes.subarray(61)

  it('decompresses the kafkajs payload and compresses to something that decompresses back', () => {
    const plain = gzipCodec.decompress(payload, 1 << 20)
    expect(gzipCodec.decompress(gzipCodec.compress(plain), 1 << 20)).toEqual(plain)
  })

  it('refuses a payload that claims more than the limit, before allocating it', () => {
    const lying = payload.slice()
    const end = lying.length
    lying[end - 1] = 0x7f // ISIZE near 2 GiB
    expect(codeOf(() => gzipCodec.decompress(lying, 1 << 20))).toBe(ErrorCode.CORRUPT_MESSAGE)
    const plainLength = gzipCodec.decompress(payload, 1 << 20).length
    expect(codeOf(() => gzipCodec.decompress(payload, plainLength - 1))).toBe(ErrorCode.CORRUPT_MESSAGE)
    // Through the decoder, with its maxUncompressedBytes option.
    expect(codeOf(() => decodeBatch(bytes, 0, { maxUncompressedBytes: plainLength - 1 }))).toBe(ErrorCode.CORRUPT_MESSAGE)
    expect(decodeBatch(bytes, 0, { maxUncompressedBytes: plainLength }).records.length).toBe(fixture.records.length)
  })

  it('refuses a payload whose stated size is smaller or larger than what it holds', () => {
    for (const delta of [-1, 1]) {
      const lying = payload.slice()
      const dv = new DataView(lying.buffer)
      dv.setUint32(lying.length - 4, dv.getUint32(lying.length - 4, true) + delta, true)
      expect(codeOf(() => gzipCodec.decompress(lying, 1 << 20))).toBe(ErrorCode.CORRUPT_MESSAGE)
    }
  })
})

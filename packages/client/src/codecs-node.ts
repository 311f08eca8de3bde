/// <reference types="node" />
// The native compression codecs of the Node entry, registered with @faecie/protocol's registry:
//   snappy  `snappy` (napi-rs, prebuilt binaries shipped in npm packages), xerial-framed as Kafka writes
//   lz4     `lz4-napi` (napi-rs), the LZ4 frame format Kafka writes for magic 2
//   zstd    `@toondepauw/node-zstd` (napi-rs, synchronous encode/decode), the zstd frame format
// Each is an optional dependency, loaded when present: a platform without its binary simply lacks
// that codec (isCompressionSupported tells), and nothing is downloaded from outside npm at install.
// The decompressors check the output against the limit; snappy checks the stated size before it
// decompresses, lz4 and zstd only after (their frames need not state a size).
import { createRequire } from 'node:module'
import { registerCompressionCodec, type CodecFunctions } from '@faecie/protocol'
import { xerialSnappy } from './snappy-framing.js'

interface SnappyModule {
  compressSync(input: Uint8Array): Buffer
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer
}
interface Lz4Module {
  compressFrameSync(data: Buffer): Buffer
  decompressFrameSync(data: Buffer): Buffer
}
interface ZstdModule {
  Encoder: new (level: number) => { encodeSync(data: Buffer): Buffer }
  Decoder: new () => { decodeSync(data: Buffer): Buffer }
}

/** Per codec: true when registered, or why not. */
export interface NodeCodecReport {
  snappy: true | string
  lz4: true | string
  zstd: true | string
}

export interface NodeCodecOptions {
  /** zstd compression level, 1-22. Default 3 (zstd's own default). */
  zstdLevel?: number
}

const require = createRequire(import.meta.url)

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

function asPlain(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function checked(out: Buffer, maxBytes: number, codec: string): Uint8Array {
  if (out.length > maxBytes) throw new Error(`${codec} payload decompresses to more than ${maxBytes} bytes`)
  return asPlain(out)
}

function load<T>(name: string): T | string {
  try {
    return require(name) as T
  } catch (err) {
    return `${name} did not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`
  }
}

/** Registers every native codec that loads; safe to call again (e.g. with another zstd level). */
export function registerNodeCodecs(options: NodeCodecOptions = {}): NodeCodecReport {
  const report: NodeCodecReport = { snappy: 'not tried', lz4: 'not tried', zstd: 'not tried' }

  const snappy = load<SnappyModule>('snappy')
  if (typeof snappy === 'string') report.snappy = snappy
  else {
    registerCompressionCodec('snappy', xerialSnappy({
      compress: (data) => asPlain(snappy.compressSync(data)),
      uncompress: (data) => asPlain(snappy.uncompressSync(data, { asBuffer: true })),
    }))
    report.snappy = true
  }

  const lz4 = load<Lz4Module>('lz4-napi')
  if (typeof lz4 === 'string') report.lz4 = lz4
  else {
    const codec: CodecFunctions = {
      compress: (data) => asPlain(lz4.compressFrameSync(asBuffer(data))),
      decompress: (data, maxBytes) => checked(lz4.decompressFrameSync(asBuffer(data)), maxBytes, 'lz4'),
    }
    registerCompressionCodec('lz4', codec)
    report.lz4 = true
  }

  const zstd = load<ZstdModule>('@toondepauw/node-zstd')
  if (typeof zstd === 'string') report.zstd = zstd
  else {
    const encoder = new zstd.Encoder(options.zstdLevel ?? 3)
    const decoder = new zstd.Decoder()
    registerCompressionCodec('zstd', {
      compress: (data) => asPlain(encoder.encodeSync(asBuffer(data))),
      decompress: (data, maxBytes) => checked(decoder.decodeSync(asBuffer(data)), maxBytes, 'zstd'),
    })
    report.zstd = true
  }
  return report
}

// The registry of compression codecs for RecordBatch v2 payloads (attributes bits 0-2). A compressed
// batch keeps its 61-byte header in the clear; everything after it (the records) is one compressed
// stream, and the CRC covers the compressed bytes, so the broker never decompresses.
//
//   code  codec   here
//      0  none    always
//      1  gzip    built in (fflate: pure JS, the same in browsers and Node)
//      2  snappy  register one (Kafka's Java client writes xerial-framed snappy)
//      3  lz4     register one (Kafka writes the LZ4 frame format)
//      4  zstd    register one (zstd frame format)
//
// Node registers native codecs from its own entry point; a browser app registers what it bundles.
// A batch whose codec is not registered is refused with UNSUPPORTED_COMPRESSION_TYPE, a codec
// number outside 0-4 with CORRUPT_MESSAGE.
import { gunzipSync, gzipSync } from 'fflate'
import { Compression, type CompressionCodec } from './batch-header.js'
import { ErrorCode, FaecieError, corruptMessage } from './errors.js'

export type CompressionName = keyof typeof Compression

/** A codec's two directions, synchronous, on whole buffers. */
export interface CodecFunctions {
  compress(data: Uint8Array): Uint8Array
  /**
   * Decompresses `data`. Must throw rather than produce more than `maxBytes` bytes: a batch of a
   * few KiB can claim gigabytes, and the decoder may run in a browser tab.
   */
  decompress(data: Uint8Array, maxBytes: number): Uint8Array
}

const CODEC_NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** The codec number for a name or number; undefined for anything else. */
export function compressionCodecOf(codec: CompressionCodec | CompressionName | number | string): CompressionCodec | undefined {
  if (typeof codec === 'number') {
    return Number.isInteger(codec) && codec >= 0 && codec < CODEC_NAMES.length ? (codec as CompressionCodec) : undefined
  }
  const index = CODEC_NAMES.indexOf(codec as CompressionName)
  return index < 0 ? undefined : (index as CompressionCodec)
}

/** The name of a codec number, such as 'lz4'. */
export function compressionName(codec: CompressionCodec): CompressionName {
  return CODEC_NAMES[codec]!
}

const GZIP_HEADER_BYTES = 10
const GZIP_TRAILER_BYTES = 8

/**
 * gzip through fflate. The gzip trailer's ISIZE gives the size up front, so an oversized claim is
 * refused before anything is allocated; the output buffer is one byte larger than the claim, so a
 * stream that lies about its size (fflate would silently truncate to the buffer) is caught too.
 * Only single-member streams are read, which is what Kafka's clients and kafkajs write.
 */
export const gzipCodec: CodecFunctions = {
  compress(data) {
    // mtime 0: the same records always give the same bytes (and the same CRC).
    return gzipSync(data, { mtime: 0 })
  },
  decompress(data, maxBytes) {
    if (data.length < GZIP_HEADER_BYTES + GZIP_TRAILER_BYTES || data[0] !== 0x1f || data[1] !== 0x8b) {
      throw corruptMessage('gzip payload has no gzip header')
    }
    const end = data.length
    const isize = (data[end - 4]! | (data[end - 3]! << 8) | (data[end - 2]! << 16) | (data[end - 1]! << 24)) >>> 0
    if (isize > maxBytes) throw corruptMessage(`gzip payload claims ${isize} bytes, over the limit of ${maxBytes}`)
    const out = gunzipSync(data, { out: new Uint8Array(isize + 1) })
    if (out.length !== isize) throw corruptMessage('gzip payload does not match its stated size')
    return out
  },
}

const registry: Array<CodecFunctions | undefined> = [undefined, gzipCodec, undefined, undefined, undefined]

/** Registers (or replaces) the implementation of a codec; Node's entry point calls this for natives. */
export function registerCompressionCodec(codec: CompressionCodec | CompressionName, functions: CodecFunctions): void {
  const code = compressionCodecOf(codec)
  if (code === undefined || code === Compression.none) throw new RangeError(`not a compression codec: ${String(codec)}`)
  registry[code] = functions
}

/** True when batches with this codec can be encoded and decoded here. */
export function isCompressionSupported(codec: CompressionCodec | CompressionName): boolean {
  const code = compressionCodecOf(codec)
  return code === Compression.none || (code !== undefined && registry[code] !== undefined)
}

function codecFor(codec: number): CodecFunctions {
  const code = compressionCodecOf(codec)
  if (code === undefined) throw corruptMessage(`unknown compression codec ${codec}`)
  const functions = registry[code]
  if (functions === undefined) {
    throw new FaecieError(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `No ${compressionName(code)} codec is registered here; register one with registerCompressionCodec().`,
    )
  }
  return functions
}

/** Compresses a records payload with a registered codec (not 'none'). */
export function compressRecords(codec: CompressionCodec, data: Uint8Array): Uint8Array {
  return codecFor(codec).compress(data)
}

/**
 * Decompresses a records payload. Whatever the codec throws on bad input becomes CORRUPT_MESSAGE,
 * so callers see one error type however the bytes were broken.
 */
export function decompressRecords(codec: number, data: Uint8Array, maxBytes: number): Uint8Array {
  const functions = codecFor(codec)
  let out: Uint8Array
  try {
    out = functions.decompress(data, maxBytes)
  } catch (err) {
    if (err instanceof FaecieError) throw err
    throw corruptMessage(`${compressionName(codec as CompressionCodec)} payload does not decompress`, err)
  }
  if (out.length > maxBytes) throw corruptMessage(`payload decompresses to more than ${maxBytes} bytes`)
  return out
}

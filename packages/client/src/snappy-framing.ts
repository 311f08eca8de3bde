// Snappy as Kafka writes it: the Java client uses xerial's SnappyOutputStream, which frames raw
// snappy blocks so (kafkajs's snappy codec writes the same):
//
//   magic    8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//   version  i32 BE   1
//   compat   i32 BE   1
//   then per block of up to 32 KiB of input:  length i32 BE, raw snappy block of that length
//
// Readers take framed or raw (unframed) snappy. Each raw block starts with its uncompressed length
// (a varint), which is checked against the limit before anything is decompressed. Pure: the raw
// block codec is a parameter (the Node entry passes the `snappy` package's).
import type { CodecFunctions } from '@faecie/protocol'

export interface RawSnappy {
  compress(data: Uint8Array): Uint8Array
  uncompress(data: Uint8Array): Uint8Array
}

const MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]
const HEADER_BYTES = 16
export const XERIAL_BLOCK_BYTES = 32 * 1024

function isFramed(data: Uint8Array): boolean {
  return data.length >= HEADER_BYTES && MAGIC.every((byte, i) => data[i] === byte)
}

/** The uncompressed length a raw snappy block states (its leading varint). */
export function snappyUncompressedLength(block: Uint8Array): number {
  let result = 0
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const byte = block[i]!
    result += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return result
  }
  throw new Error('snappy block has no valid length')
}

export function xerialSnappy(raw: RawSnappy): CodecFunctions {
  return {
    compress(data) {
      const blocks: Uint8Array[] = []
      let total = HEADER_BYTES
      for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
        const block = raw.compress(data.subarray(pos, Math.min(data.length, pos + XERIAL_BLOCK_BYTES)))
        blocks.push(block)
        total += 4 + block.length
      }
      const out = new Uint8Array(total)
      const view = new DataView(out.buffer)
      out.set(MAGIC, 0)
      view.setInt32(8, 1)
      view.setInt32(12, 1)
      let pos = HEADER_BYTES
      for (const block of blocks) {
        view.setInt32(pos, block.length)
        out.set(block, pos + 4)
        pos += 4 + block.length
      }
      return out
    },
    decompress(data, maxBytes) {
      if (!isFramed(data)) {
        if (snappyUncompressedLength(data) > maxBytes) throw new Error(`snappy payload claims more than ${maxBytes} bytes`)
        return raw.uncompress(data)
      }
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
      const blocks: Array<[number, number]> = []
      let total = 0
      for (let pos = HEADER_BYTES; pos < data.length;) {
        if (pos + 4 > data.length) throw new Error('snappy frame is cut short')
        const length = view.getInt32(pos)
        if (length < 0 || pos + 4 + length > data.length) throw new Error('snappy block length runs past the end')
        total += snappyUncompressedLength(data.subarray(pos + 4, pos + 4 + length))
        if (total > maxBytes) throw new Error(`snappy payload claims more than ${maxBytes} bytes`)
        blocks.push([pos + 4, length])
        pos += 4 + length
      }
      const out = new Uint8Array(total)
      let at = 0
      for (const [start, length] of blocks) {
        const block = raw.uncompress(data.subarray(start, start + length))
        out.set(block, at)
        at += block.length
      }
      if (at !== total) throw new Error('snappy blocks do not match their stated lengths')
      return out
    },
  }
}

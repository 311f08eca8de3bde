// CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2. The portable implementation here is
// table driven (slice-by-8) and runs anywhere; Node installs a native one (`@faecie/protocol/node`),
// and both are checked against the same vectors. Check value: ASCII "123456789" -> 0xE3069283.

/** Computes CRC-32C over `data[start, end)`, continuing from `crc` (0 to start). Unsigned result. */
export type Crc32c = (data: Uint8Array, start?: number, end?: number, crc?: number) => number

const POLY_REFLECTED = 0x82f63b78
const TABLES: Uint32Array = makeTables()

function makeTables(): Uint32Array {
  const t = new Uint32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[k * 256 + n] = c >>> 0
    }
  }
  return t
}

/** The portable CRC-32C, slice-by-8. */
export const crc32cPortable: Crc32c = (data, start = 0, end = data.length, crc = 0) => {
  const t = TABLES
  let c = ~crc >>> 0
  let i = start
  for (; i + 8 <= end; i += 8) {
    const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0
    c =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

let active: Crc32c = crc32cPortable

/** CRC-32C with the fastest implementation installed (portable until a native one is installed). */
export function crc32c(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  return active(data, start, end, crc)
}

/** Replaces the implementation behind `crc32c` (Node installs @node-rs/crc32 this way). */
export function installCrc32c(impl: Crc32c): void {
  active = impl
}

/** The name of the implementation in use, for logs and benchmarks. */
export function crc32cImplementation(): 'portable' | 'native' {
  return active === crc32cPortable ? 'portable' : 'native'
}

// Kafka's murmur2 (Utils.murmur2 in the Java client): the hash its default partitioner takes of a
// record key, so that a key lands on the same partition whichever client produced it. Seed
// 0x9747b28c, mixing constant 0x5bd1e995; the key is read as little-endian 32-bit words, then the
// 1-3 trailing bytes. Math.imul gives Java's wrapping 32-bit multiply; the result is a signed int32
// like Java's (the partitioner masks the sign off).

const SEED = 0x9747b28c
const M = 0x5bd1e995
const R = 24

/** Kafka's murmur2 of `data`, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const tail = length & ~3
  for (let i = 0; i < tail; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> R
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // Java falls through a switch here: 3 trailing bytes take all three steps, 1 byte only the last.
  const rest = length - tail
  if (rest === 3) h ^= data[tail + 2]! << 16
  if (rest >= 2) h ^= data[tail + 1]! << 8
  if (rest >= 1) {
    h ^= data[tail]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

// Shared by the tests: the fixtures under test/fixtures (copied from shared/vectors, made by kafkajs
// 2.2.4 and Apache Kafka's own tests), hex helpers, and a seeded random source for replayable runs.
import { readFileSync } from 'node:fs'

const FIXTURES = new URL('./fixtures/', import.meta.url)

export interface BatchFixture {
  file: string
  bytes: number
  decodeOnly: boolean
  batch: {
    baseOffset: number
    partitionLeaderEpoch: number
    magic: number
    crc: number
    attributes: number
    compression: number
    transactional: boolean
    lastOffsetDelta: number
    baseTimestamp: number
    maxTimestamp: number
    producerId: number
    producerEpoch: number
    baseSequence: number
    recordsCount: number
  }
  records: Array<{
    offsetDelta: number
    timestamp: number
    key: string | null
    value: string | null
    headers: Array<{ key: string; value: string | null }>
  }>
}

export interface Murmur2Fixture {
  keyUtf8: string
  keyHex: string
  murmur2: number
  partition: Record<string, number>
}

export function fixtureBytes(file: string): Uint8Array {
  // A plain Uint8Array, not a Buffer: the code under test must not depend on Buffer's methods.
  return new Uint8Array(readFileSync(new URL(file, FIXTURES)))
}

export const batchFixtures: BatchFixture[] = (
  JSON.parse(readFileSync(new URL('record-batch-v2.json', FIXTURES), 'utf8')) as { cases: BatchFixture[] }
).cases

export const murmur2Fixtures: Murmur2Fixture[] = (
  JSON.parse(readFileSync(new URL('murmur2.json', FIXTURES), 'utf8')) as { cases: Murmur2Fixture[] }
).cases

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '')
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

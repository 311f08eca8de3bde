// Kafka's murmur2 and default partitioner against murmur2.json (the first six hashes are Apache
// Kafka's own UtilsTest values), and the sticky partitioner's behaviour for keyless records.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DefaultPartitioner, StickyPartitioner, murmur2, partitionForKey } from '../src/index.js'
import { fromHex, murmur2Fixtures, seededRandom } from './helpers.js'

describe('murmur2', () => {
  it('gives the fixture hashes as signed 32-bit numbers', () => {
    expect(murmur2Fixtures.length).toBeGreaterThanOrEqual(6)
    for (const c of murmur2Fixtures) {
      const bytes = fromHex(c.keyHex)
      expect(new TextEncoder().encode(c.keyUtf8)).toEqual(bytes)
      expect(murmur2(bytes)).toBe(c.murmur2)
    }
  })

  it('hashes a view the same as a copy (it reads only its own bytes)', () => {
    for (const c of murmur2Fixtures) {
      const bytes = fromHex(c.keyHex)
      const padded = new Uint8Array(bytes.length + 9).fill(0xaa)
      padded.set(bytes, 4)
      expect(murmur2(padded.subarray(4, 4 + bytes.length))).toBe(c.murmur2)
    }
  })

  it('always returns an int32', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const h = murmur2(bytes)
        expect(h | 0).toBe(h)
      }),
    )
  })
})

describe('partitionForKey', () => {
  it('picks the fixture partitions for string keys and for byte keys', () => {
    for (const c of murmur2Fixtures) {
      for (const [n, partition] of Object.entries(c.partition)) {
        expect(partitionForKey(c.keyUtf8, Number(n))).toBe(partition)
        expect(partitionForKey(fromHex(c.keyHex), Number(n))).toBe(partition)
      }
    }
  })

  it('gives a string key the partition of its UTF-8 bytes, whatever its characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        expect(partitionForKey(key, n)).toBe(partitionForKey(new TextEncoder().encode(key), n))
      }),
    )
  })

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow(RangeError)
    expect(() => partitionForKey('k', 1.5)).toThrow(RangeError)
  })
})

describe('StickyPartitioner', () => {
  it('keeps one partition per topic until nextBatch, then moves to another', () => {
    const sticky = new StickyPartitioner({ random: seededRandom(42) })
    const first = sticky.partition('orders', 6)
    for (let i = 0; i < 100; i++) expect(sticky.partition('orders', 6)).toBe(first)
    const second = sticky.nextBatch('orders', 6)
    expect(second).not.toBe(first)
    expect(sticky.partition('orders', 6)).toBe(second)
  })

  it('visits every partition over many batches, never the same twice in a row', () => {
    const sticky = new StickyPartitioner({ random: seededRandom(7) })
    const seen = new Set<number>()
    let previous = sticky.partition('t', 5)
    for (let i = 0; i < 200; i++) {
      const next = sticky.nextBatch('t', 5)
      expect(next).not.toBe(previous)
      expect(next).toBeGreaterThanOrEqual(0)
      expect(next).toBeLessThan(5)
      seen.add(next)
      previous = next
    }
    expect(seen.size).toBe(5)
  })

  it('stays in range for any random source, one partition, and a shrunk partition count', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 50 }), (values, n) => {
        let i = 0
        const sticky = new StickyPartitioner({ random: () => values[i++ % values.length]! })
        let previous = sticky.partition('t', n)
        for (let k = 0; k < 10; k++) {
          const next = sticky.nextBatch('t', n)
          expect(next).toBeGreaterThanOrEqual(0)
          expect(next).toBeLessThan(n)
          if (n > 1) expect(next).not.toBe(previous)
          previous = next
        }
      }),
    )
    const sticky = new StickyPartitioner({ random: () => 0.999 })
    expect(sticky.partition('t', 10)).toBe(9)
    expect(sticky.partition('t', 3)).toBe(2) // 9 no longer exists: chosen again, within 3
    expect(sticky.nextBatch('single', 1)).toBe(0)
  })

  it('keeps topics apart', () => {
    const sticky = new StickyPartitioner({ random: seededRandom(1) })
    const a = sticky.partition('a', 100)
    const b = sticky.partition('b', 100)
    sticky.nextBatch('b', 100)
    expect(sticky.partition('a', 100)).toBe(a)
    expect(sticky.partition('b', 100)).not.toBe(b)
  })
})

describe('DefaultPartitioner', () => {
  it('hashes keys and sticks keyless records', () => {
    const partitioner = new DefaultPartitioner({ random: seededRandom(3) })
    for (const c of murmur2Fixtures) expect(partitioner.partition('t', c.keyUtf8, 100)).toBe(c.partition['100'])
    const keyless = partitioner.partition('t', null, 12)
    expect(partitioner.partition('t', undefined, 12)).toBe(keyless)
    expect(partitioner.nextBatch('t', 12)).not.toBe(keyless)
  })
})

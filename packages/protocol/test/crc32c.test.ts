// CRC-32C: the check value, the CRCs of the fixtures (computed by the vectors' independent
// implementation), and the portable and native (@node-rs/crc32) implementations agreeing on random
// data, ranges and continuations. Importing src/node.ts installs the native one for this file.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c, crc32cImplementation, crc32cPortable, decodeBatch } from '../src/index.js'
import { nativeCrc32c } from '../src/node.js'
import { batchFixtures, fixtureBytes } from './helpers.js'

const CHECK_INPUT = new TextEncoder().encode('123456789')
const CHECK_VALUE = 0xe3069283

const native = nativeCrc32c()

describe('CRC-32C', () => {
  it('native @node-rs/crc32 is installed here, and importing node.ts installed it', () => {
    expect(native).toBeDefined()
    expect(crc32cImplementation()).toBe('native')
  })

  it('gives the check value in both implementations', () => {
    expect(crc32cPortable(CHECK_INPUT)).toBe(CHECK_VALUE)
    expect(native!(CHECK_INPUT)).toBe(CHECK_VALUE)
    expect(crc32c(CHECK_INPUT)).toBe(CHECK_VALUE)
  })

  it('gives each fixture its stored CRC in both implementations, and the fixtures decode with native installed', () => {
    for (const c of batchFixtures) {
      const bytes = fixtureBytes(c.file)
      expect(crc32cPortable(bytes, 21, bytes.length)).toBe(c.batch.crc)
      expect(native!(bytes, 21, bytes.length)).toBe(c.batch.crc)
      expect(decodeBatch(bytes).records.length).toBe(c.records.length)
    }
  })

  it('agrees between implementations on random data with random start and end', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }).chain((data) =>
          fc.tuple(fc.constant(data), fc.nat({ max: data.length }), fc.nat({ max: data.length })),
        ),
        ([data, a, b]) => {
          const [start, end] = a <= b ? [a, b] : [b, a]
          expect(native!(data, start, end)).toBe(crc32cPortable(data, start, end))
          // Views at an offset into a larger buffer read the same bytes.
          const view = data.subarray(start, end)
          expect(native!(view)).toBe(crc32cPortable(data, start, end))
          expect(crc32cPortable(view)).toBe(crc32cPortable(data, start, end))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('continues a CRC across split input the same way in both', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (data, splitSeed) => {
        const split = data.length === 0 ? 0 : splitSeed % (data.length + 1)
        const whole = crc32cPortable(data)
        expect(crc32cPortable(data, split, data.length, crc32cPortable(data, 0, split))).toBe(whole)
        expect(native!(data, split, data.length, native!(data, 0, split))).toBe(whole)
      }),
      { numRuns: 200 },
    )
  })

  it('gives 0 for no bytes, and returns the running value unchanged for an empty range', () => {
    expect(crc32cPortable(new Uint8Array(0))).toBe(0)
    expect(native!(new Uint8Array(0))).toBe(0)
    expect(crc32cPortable(CHECK_INPUT, 3, 3, CHECK_VALUE)).toBe(CHECK_VALUE)
    expect(native!(CHECK_INPUT, 3, 3, CHECK_VALUE)).toBe(CHECK_VALUE)
  })
})

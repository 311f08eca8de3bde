// Hostile and broken input for the decoder: every truncation of every fixture, random byte flips
// (with and without the CRC made right again, so that the record parser and gzip see the damage),
// random bodies behind a valid header, and hand-made corruptions of each length field. The only
// acceptable outcomes are a FaecieError (CORRUPT_MESSAGE, or UNSUPPORTED_COMPRESSION_TYPE when a
// flip names a codec that is not registered) or a valid decode; a hang would trip the test timeout.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BATCH_HEADER_BYTES,
  BatchField,
  ErrorCode,
  FaecieError,
  RecordBatchEncoder,
  crc32c,
  decodeBatch,
  decodeBatches,
  writeVarint,
  type DecodeOptions,
} from '../src/index.js'
import { batchFixtures, concat, fixtureBytes } from './helpers.js'

const fixtures = batchFixtures.map((c) => fixtureBytes(c.file))
const ALLOWED_CODES: number[] = [ErrorCode.CORRUPT_MESSAGE, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE]
// Small, so a flipped gzip size field can't make each run allocate 128 MiB.
const OPTIONS: DecodeOptions = { maxUncompressedBytes: 1 << 20 }

/** Decodes every batch in the bytes; returns 'ok' or the FaecieError code, and rethrows anything else. */
function outcome(bytes: Uint8Array, options: DecodeOptions = OPTIONS): 'ok' | number {
  try {
    for (const batch of decodeBatches(bytes, 0, bytes.length, options)) {
      // A batch that decodes must be self-consistent.
      expect(batch.records.length).toBe(batch.header.recordsCount)
    }
    return 'ok'
  } catch (err) {
    if (!(err instanceof FaecieError)) throw err
    expect(ALLOWED_CODES).toContain(err.code)
    return err.code
  }
}

function restampCrc(bytes: Uint8Array, pos = 0): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const end = pos + dv.getInt32(pos + BatchField.batchLength) + 12
  if (end <= bytes.length && end >= pos + BATCH_HEADER_BYTES) {
    dv.setUint32(pos + BatchField.crc, crc32c(bytes, pos + BatchField.attributes, end))
  }
}

const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })

function flipped(bytes: Uint8Array, changes: ReadonlyArray<readonly [number, number]>, from = 0): Uint8Array {
  const copy = bytes.slice()
  for (const [at, xor] of changes) {
    const pos = from + (at % (copy.length - from))
    copy[pos] = copy[pos]! ^ xor
  }
  return copy
}

describe('decoder robustness', () => {
  it('refuses every truncation of every fixture with CORRUPT_MESSAGE', () => {
    for (const bytes of fixtures) {
      for (let n = 0; n < bytes.length; n++) {
        expect(outcome(bytes.subarray(0, n))).toBe(n === 0 ? 'ok' : ErrorCode.CORRUPT_MESSAGE)
        expect(() => decodeBatch(bytes.subarray(0, n))).toThrow(FaecieError)
      }
    }
  })

  it('decodes every truncation of the fixtures back to back up to the last whole batch', () => {
    const all = concat(fixtures)
    const boundaries = new Set<number>([0])
    let pos = 0
    for (const f of fixtures) boundaries.add((pos += f.length))
    for (let n = 0; n <= all.length; n++) {
      expect(outcome(all.subarray(0, n))).toBe(boundaries.has(n) ? 'ok' : ErrorCode.CORRUPT_MESSAGE)
    }
  })

  it('gives a typed error or a valid decode for random byte flips, CRC checked', () => {
    fc.assert(
      fc.property(fc.nat({ max: fixtures.length - 1 }), flips, (i, changes) => {
        const bytes = flipped(fixtures[i]!, changes)
        const result = outcome(bytes)
        // A flip inside the CRC-covered bytes or the CRC itself can't pass unnoticed. (Two flips of
        // the same byte may cancel out: only bytes that really changed must be refused.)
        const coveredOnly = changes.every(([at]) => at % fixtures[i]!.length >= BatchField.magic)
        const changed = bytes.some((b, k) => b !== fixtures[i]![k])
        if (coveredOnly && changed) expect(result).not.toBe('ok')
      }),
      { numRuns: 1000 },
    )
  })

  it('gives a typed error or a valid decode for random flips past the CRC, the CRC made right again', () => {
    fc.assert(
      fc.property(fc.nat({ max: fixtures.length - 1 }), flips, (i, changes) => {
        const bytes = flipped(fixtures[i]!, changes, BatchField.attributes)
        restampCrc(bytes)
        outcome(bytes)
        outcome(bytes, { ...OPTIONS, verifyCrc: false, copy: true })
      }),
      { numRuns: 1500 },
    )
  })

  it('gives a typed error or a valid decode for flips inside a gzip payload, the CRC made right again', () => {
    const gzip = fixtures[batchFixtures.findIndex((c) => c.batch.compression === 1)]!
    fc.assert(
      fc.property(flips, (changes) => {
        const bytes = flipped(gzip, changes, BATCH_HEADER_BYTES)
        restampCrc(bytes)
        outcome(bytes)
      }),
      { numRuns: 1000 },
    )
  })

  it('gives a typed error or a valid decode for random bodies behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 7 }), (body, count, codec) => {
        const bytes = new Uint8Array(BATCH_HEADER_BYTES + body.length)
        bytes.set(body, BATCH_HEADER_BYTES)
        const dv = new DataView(bytes.buffer)
        dv.setInt32(BatchField.batchLength, bytes.length - 12)
        dv.setInt8(BatchField.magic, 2)
        dv.setInt16(BatchField.attributes, codec)
        dv.setInt32(BatchField.lastOffsetDelta, Math.max(count - 1, 0))
        dv.setInt32(BatchField.recordsCount, count)
        restampCrc(bytes)
        outcome(bytes)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('decoder refuses each corrupt length field', () => {
  // One record, key 'k', value 'v', one header 'h' -> 'x'; offsets of its fields after the header:
  //   61 length, 62 attributes, 63 timestampDelta, 64 offsetDelta, 65 keyLength, 66 'k',
  //   67 valueLength, 68 'v', 69 headerCount, 70 headerKeyLength, 71 'h', 72 headerValueLength, 73 'x'
  const good = new RecordBatchEncoder().encode([{ key: 'k', value: 'v', headers: [{ key: 'h', value: 'x' }], timestamp: 1 }], { timestamp: 1 }).slice()

  function corrupted(edit: (bytes: Uint8Array, dv: DataView) => Uint8Array | void): Uint8Array {
    let bytes: Uint8Array = good.slice()
    bytes = edit(bytes, new DataView(bytes.buffer)) ?? bytes
    restampCrc(bytes)
    return bytes
  }

  function expectCorrupt(bytes: Uint8Array, why: RegExp): void {
    try {
      decodeBatch(bytes)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(FaecieError)
      expect((err as FaecieError).code).toBe(ErrorCode.CORRUPT_MESSAGE)
      expect((err as FaecieError).message).toMatch(why)
    }
  }

  it('decodes the unbroken batch', () => {
    expect(decodeBatch(good).records).toHaveLength(1)
  })

  it('refuses a CRC mismatch', () => {
    const bytes = good.slice()
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1
    expectCorrupt(bytes, /CRC/)
  })

  it('refuses negative lengths other than -1', () => {
    expectCorrupt(corrupted((b) => void writeVarint(b, 65, -2)), /length -2/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 67, -3)), /length -3/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 70, -1)), /header key length -1/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 72, -2)), /length -2/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 69, -1)), /header count -1/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 61, -1)), /record length -1/)
  })

  it('refuses lengths that run past the record or the batch', () => {
    expectCorrupt(corrupted((b) => void writeVarint(b, 65, 50)), /length 50/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 61, 60)), /runs past the end/)
    expectCorrupt(corrupted((b) => void writeVarint(b, 61, 11)), /length 1 is out of range/)
    // One stray byte inside the record's length, after its last header.
    const stray = corrupted((b) => {
      const out = new Uint8Array(b.length + 1)
      out.set(b)
      writeVarint(out, 61, 13)
      new DataView(out.buffer).setInt32(BatchField.batchLength, out.length - 12)
      return out
    })
    expectCorrupt(stray, /record length 13 does not match/)
  })

  it('refuses more records than the bytes hold, and bytes left over', () => {
    expectCorrupt(
      corrupted((_, dv) => {
        dv.setInt32(BatchField.recordsCount, 2)
        dv.setInt32(BatchField.lastOffsetDelta, 1)
      }),
      /recordsCount 2 is more than 13 bytes can hold/,
    )
    // Two records' bytes hold three by the minimum size, so this one is caught reading the third.
    const two = new RecordBatchEncoder().encode([{ value: 'a'.repeat(10) }, { value: 'b'.repeat(10) }], { timestamp: 1 }).slice()
    const dv = new DataView(two.buffer)
    dv.setInt32(BatchField.recordsCount, 3)
    dv.setInt32(BatchField.lastOffsetDelta, 2)
    restampCrc(two)
    expectCorrupt(two, /runs past the end/)
    expectCorrupt(corrupted((_, dv) => dv.setInt32(BatchField.recordsCount, 0x7fffffff)), /recordsCount/)
    expectCorrupt(corrupted((_, dv) => dv.setInt32(BatchField.recordsCount, -1)), /recordsCount/)
    const longer = corrupted((b) => {
      const out = new Uint8Array(b.length + 3)
      out.set(b)
      new DataView(out.buffer).setInt32(BatchField.batchLength, out.length - 12)
      return out
    })
    expectCorrupt(longer, /3 bytes left/)
  })

  it('refuses an offsetDelta past lastOffsetDelta, and a bad magic', () => {
    expectCorrupt(corrupted((b) => void writeVarint(b, 64, 1)), /offsetDelta 1/)
    expectCorrupt(corrupted((_, dv) => dv.setInt8(BatchField.magic, 1)), /magic/)
  })
})

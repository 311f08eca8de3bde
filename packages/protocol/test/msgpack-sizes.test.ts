// The header walk that runs before msgpackr decodes a frame: frames that declare arrays or maps
// larger than allowed, or larger than their bytes could hold, are refused with INVALID_FRAME before
// any decoding; every frame encodeFrame writes passes it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, checkDeclaredSizes, decodeFrame, encodeFrame } from '../src/index.js'
import { fromHex } from './helpers.js'

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(FaecieError)
    expect((err as FaecieError).code).toBe(ErrorCode.INVALID_FRAME)
    return (err as FaecieError).message
  }
  throw new Error('not refused')
}

describe('checkDeclaredSizes', () => {
  it('passes every frame encodeFrame writes', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true }), fc.string(),
        fc.uint8Array({ maxLength: 70_000 }), fc.array(tie('v'), { maxLength: 20 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 20 })),
    })).v
    fc.assert(fc.property(value, (v) => { checkDeclaredSizes(encodeFrame(v)) }), { numRuns: 300 })
    const big = encodeFrame({ id: 1, items: Array.from({ length: 70_000 }, (_, i) => i) })
    checkDeclaredSizes(big, 70_000)
    expect(refusal(() => checkDeclaredSizes(big, 69_999))).toMatch(/declares 70000 entries; at most 69999/)
  })

  it('refuses a map or array declaring more entries than the frame has bytes, before decoding', () => {
    // array32 of 2^32 - 1 entries, map32 of 2^32 - 1 pairs: five bytes each.
    expect(refusal(() => decodeFrame(fromHex('ddffffffff')))).toMatch(/declares 4294967295 entries in 0 bytes/)
    expect(refusal(() => decodeFrame(fromHex('dfffffffff00')))).toMatch(/4294967295 entries/)
    // A map of 3 pairs inside a frame with 4 bytes left for 6 values.
    expect(refusal(() => decodeFrame(fromHex('8101830102030405')))).toMatch(/3 entries in 5 bytes|ends inside/)
    expect(refusal(() => decodeFrame(encodeFrame({ ids: [1, 2, 3] }), { itemsMax: 2 }))).toMatch(/at most 2/)
  })

  it('refuses truncated headers, truncated payloads and the unused byte', () => {
    expect(refusal(() => checkDeclaredSizes(fromHex('dc00')))).toMatch(/past the end/)
    expect(refusal(() => checkDeclaredSizes(fromHex('c60000ffff00')))).toMatch(/past the end/)
    expect(refusal(() => checkDeclaredSizes(fromHex('c1')))).toMatch(/0xc1/)
  })
})

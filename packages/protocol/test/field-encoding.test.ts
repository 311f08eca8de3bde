// Keys and values as text (field-encoding.ts): fixed vectors from RFC 4648, the fallback to base64
// for bytes that are not UTF-8 or not JSON, refusal of malformed input, and, for random bytes in
// every encoding, text that gives back exactly the bytes (checked against Node's Buffer).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FIELD_ENCODINGS, decodeBase64, decodeHex, encodeBase64, encodeHex, fieldFromText, fieldToText } from '../src/field-encoding.js'

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('base64 and hex', () => {
  it('match RFC 4648 test vectors', () => {
    const vectors: Array<[string, string, string]> = [
      ['', '', ''], ['f', 'Zg==', '66'], ['fo', 'Zm8=', '666f'], ['foo', 'Zm9v', '666f6f'],
      ['foob', 'Zm9vYg==', '666f6f62'], ['fooba', 'Zm9vYmE=', '666f6f6261'], ['foobar', 'Zm9vYmFy', '666f6f626172'],
    ]
    for (const [plain, b64, hex] of vectors) {
      expect(encodeBase64(text(plain))).toBe(b64)
      expect(decodeBase64(b64)).toEqual(text(plain))
      expect(encodeHex(text(plain))).toBe(hex)
      expect(decodeHex(hex.toUpperCase())).toEqual(text(plain))
    }
  })

  it('refuse malformed text', () => {
    for (const bad of ['Zg=', 'Z', 'Zm9v!', 'Zg==Zg==', '====']) expect(() => decodeBase64(bad), bad).toThrow(RangeError)
    for (const bad of ['6', '6g', '0x66']) expect(() => decodeHex(bad), bad).toThrow(RangeError)
  })

  it('agree with Buffer on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      expect(encodeBase64(b)).toBe(Buffer.from(b).toString('base64'))
      expect(encodeHex(b)).toBe(Buffer.from(b).toString('hex'))
      expect(decodeBase64(encodeBase64(b))).toEqual(b)
      expect(decodeHex(encodeHex(b))).toEqual(b)
    }))
  })
})

describe('fieldToText', () => {
  it('gives text, JSON, base64 or hex as asked when the bytes allow', () => {
    expect(fieldToText(text('héllo'), 'string')).toEqual({ value: 'héllo', encoding: 'string' })
    expect(fieldToText(text('{"a":[1,2]}'), 'json')).toEqual({ value: { a: [1, 2] }, encoding: 'json' })
    expect(fieldToText(bytes(0, 255), 'base64')).toEqual({ value: 'AP8=', encoding: 'base64' })
    expect(fieldToText(bytes(0, 255), 'hex')).toEqual({ value: '00ff', encoding: 'hex' })
    for (const encoding of FIELD_ENCODINGS) expect(fieldToText(null, encoding)).toEqual({ value: null, encoding })
  })

  it('says base64 instead of replacing bytes that are not UTF-8, or not JSON', () => {
    expect(fieldToText(bytes(0x68, 0xff, 0x69), 'string')).toEqual({ value: 'aP9p', encoding: 'base64' })
    expect(fieldToText(bytes(0xc3), 'json')).toEqual({ value: 'ww==', encoding: 'base64' })
    expect(fieldToText(text('not json'), 'json')).toEqual({ value: 'bm90IGpzb24=', encoding: 'base64' })
  })

  it('keeps a leading byte-order mark', () => {
    expect(fieldToText(bytes(0xef, 0xbb, 0xbf, 0x61), 'string')).toEqual({ value: '\ufeffa', encoding: 'string' })
  })

  it('gives back the exact bytes of any value through fieldFromText, in every encoding', () => {
    const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 50 }).map(text))
    fc.assert(fc.property(anyBytes, fc.constantFrom(...FIELD_ENCODINGS), (b, encoding) => {
      const field = fieldToText(b, encoding)
      const back = fieldFromText(field.value, field.encoding)
      // JSON text is given back as JSON.stringify writes it: the same value, maybe other spacing.
      if (field.encoding === 'json') expect(JSON.parse(new TextDecoder().decode(back!))).toEqual(JSON.parse(new TextDecoder().decode(b)))
      else expect(back).toEqual(b)
    }))
  })
})

describe('fieldFromText', () => {
  it('refuses a non-string for the text encodings', () => {
    expect(() => fieldFromText(5, 'string')).toThrow(/expected a string for encoding string/)
    expect(fieldFromText(5, 'json')).toEqual(text('5'))
    expect(fieldFromText(null, 'hex')).toBeNull()
  })
})

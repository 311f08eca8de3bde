// The message browser's value decoding: auto-detection of text / JSON / MessagePack / hex, and each
// rendering, including bytes that are not in the chosen format.
import { pack } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { detectFormat, hexDump, previewValue, renderValue } from './decode.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('detectFormat', () => {
  it('sees plain text, including non-ASCII', () => {
    expect(detectFormat(utf8('hello world'))).toBe('text')
    expect(detectFormat(utf8('grüße, 東京 🎉\n'))).toBe('text')
    expect(detectFormat(utf8('42'))).toBe('text')
  })
  it('sees JSON objects and arrays', () => {
    expect(detectFormat(utf8('{"a":1,"b":[true,null]}'))).toBe('json')
    expect(detectFormat(utf8('  [1, 2, 3]\n'))).toBe('json')
    expect(detectFormat(utf8('{not json'))).toBe('text')
  })
  it('sees MessagePack maps and arrays', () => {
    expect(detectFormat(pack({ user: 'ada', n: 3 }))).toBe('msgpack')
    expect(detectFormat(pack([1, 2, 'three']))).toBe('msgpack')
  })
  it('falls back to hex for other binary', () => {
    expect(detectFormat(new Uint8Array([0, 1, 2, 255, 254]))).toBe('hex')
    expect(detectFormat(new Uint8Array([0xc1]))).toBe('hex')
    // Two MessagePack values back to back are not one value.
    expect(detectFormat(new Uint8Array([...pack({ a: 1 }), ...pack({ b: 2 })]))).toBe('hex')
  })
  it('calls null and empty text', () => {
    expect(detectFormat(null)).toBe('text')
    expect(detectFormat(new Uint8Array(0))).toBe('text')
  })
})

describe('renderValue', () => {
  it('pretty-prints JSON', () => {
    expect(renderValue(utf8('{"a":1,"b":[2]}'), 'json')).toEqual({ format: 'json', ok: true, text: '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}' })
  })
  it('shows MessagePack as JSON, with bigints and bytes', () => {
    const r = renderValue(pack({ id: 2n ** 60n, raw: new Uint8Array([1, 2]) }), 'msgpack')
    expect(r.ok).toBe(true)
    expect(JSON.parse(r.text)).toEqual({ id: (2n ** 60n).toString(), raw: '<2 bytes: 01 02>' })
  })
  it('dumps hex with ASCII', () => {
    expect(hexDump(utf8('ABC\u0001'))).toBe(`00000000  41 42 43 01${' '.repeat(36)}  ABC.`)
    expect(hexDump(new Uint8Array(40), 16).split('\n')).toHaveLength(2)
  })
  it('says so when the bytes are not in the chosen format', () => {
    expect(renderValue(new Uint8Array([0xff, 0x00]), 'json').ok).toBe(false)
    expect(renderValue(utf8('plain'), 'json').ok).toBe(false)
    expect(renderValue(new Uint8Array([0xc1]), 'msgpack').ok).toBe(false)
    expect(renderValue(null, 'hex')).toEqual({ format: 'hex', ok: true, text: 'null' })
  })
  it('previews on one line, cut', () => {
    expect(previewValue(utf8('{"a":\n 1}'), 'json')).toBe('{ "a": 1 }')
    expect(previewValue(utf8('x'.repeat(500)), 'text', 10)).toBe(`${'x'.repeat(10)}…`)
    expect(previewValue(null, 'text')).toBe('∅ null')
  })
})

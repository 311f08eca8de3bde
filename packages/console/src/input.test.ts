// The console's form input parsers.
import { describe, expect, it } from 'vitest'
import { parseConfigLines, parseHeaderLines, parseOffset, parseTime } from './input.js'

describe('form input', () => {
  it('parses config lines', () => {
    expect(parseConfigLines('retention.ms = 1000\n\n# note\ncleanup.policy=compact')).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'compact' })
    expect(() => parseConfigLines('retention.ms')).toThrow(/line 1/)
  })
  it('parses header lines in order, repeats kept', () => {
    expect(parseHeaderLines('trace: a:b\nsource=ui\ntrace: c')).toEqual([{ key: 'trace', value: 'a:b' }, { key: 'source', value: 'ui' }, { key: 'trace', value: 'c' }])
    expect(() => parseHeaderLines('ok: 1\n: nameless')).toThrow(/line 2/)
  })
  it('parses offsets and times', () => {
    expect(parseOffset('42')).toBe(42)
    for (const bad of ['', '-1', '1.5', 'x']) expect(() => parseOffset(bad)).toThrow(RangeError)
    expect(parseTime('1700000000000')).toBe(1_700_000_000_000)
    expect(parseTime('2026-12-01T10:00:00Z')).toBe(Date.UTC(2026, 11, 1, 10))
    expect(() => parseTime('yesterday')).toThrow(RangeError)
  })
})

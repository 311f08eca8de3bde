// Live tail's pure parts: a consumed message as a browsed record (repeated headers kept in order),
// and the bounded, newest-first list.
import { describe, expect, it } from 'vitest'
import type { BrowsedRecord } from './fetch.js'
import { prependBounded, toBrowsed } from './tail.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const record = (offset: number): BrowsedRecord => ({ partition: 0, offset, timestamp: 0, key: null, value: null, headers: [] })

describe('live tail', () => {
  it('flattens kafkajs-shaped headers into a list, repeats in order', () => {
    const r = toBrowsed({ topic: 't', partition: 2, offset: 7, timestamp: 5, key: bytes('k'), value: null, headers: { a: bytes('1'), dup: [bytes('x'), null] } })
    expect(r.headers.map((h) => [h.key, h.value === null ? null : new TextDecoder().decode(h.value)])).toEqual([['a', '1'], ['dup', 'x'], ['dup', null]])
    expect(r).toMatchObject({ partition: 2, offset: 7, timestamp: 5, value: null })
  })
  it('puts new records first and drops the oldest past the bound', () => {
    const kept = [record(2), record(1), record(0)]
    expect(prependBounded(kept, [record(4), record(3)], 4).map((r) => r.offset)).toEqual([4, 3, 2, 1])
    expect(prependBounded(kept, [record(9), record(8), record(7)], 2).map((r) => r.offset)).toEqual([9, 8])
  })
})

// The virtualised list's visible range.
import { describe, expect, it } from 'vitest'
import { visibleRange } from './virtual.js'

describe('visibleRange', () => {
  it('renders the rows in view plus overscan', () => {
    expect(visibleRange(0, 300, 30, 10_000, 5)).toEqual({ start: 0, end: 16 })
    expect(visibleRange(30_000, 300, 30, 10_000, 5)).toEqual({ start: 995, end: 1016 })
  })
  it('stays within the list', () => {
    expect(visibleRange(1e9, 300, 30, 100, 5)).toEqual({ start: 85, end: 100 })
    expect(visibleRange(0, 300, 30, 0)).toEqual({ start: 0, end: 0 })
    expect(visibleRange(-50, 300, 30, 3, 0)).toEqual({ start: 0, end: 3 })
  })
})

// Median, min and max of runs, and the report's number formats.
import { describe, expect, it } from 'vitest'
import { formatCount, formatFigure, formatRatio, formatSummary, summarize } from './stats.js'

describe('summarize', () => {
  it('gives the middle value of an odd count, the mean of the middle two of an even one', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 })
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 })
  })
  it('refuses an empty list', () => {
    expect(() => summarize([])).toThrow(RangeError)
  })
})

describe('formats', () => {
  it('writes counts with separators and figures with about three digits', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567')
    expect(formatFigure(12.345)).toBe('12.3')
    expect(formatFigure(0.012345)).toBe('0.0123')
    expect(formatFigure(1234.5)).toBe('1,235')
    expect(formatFigure(0)).toBe('0')
  })
  it('shows min-max only when runs differ', () => {
    expect(formatSummary({ median: 2, min: 1, max: 3, runs: 3 }, formatCount)).toBe('2 (1-3)')
    expect(formatSummary({ median: 2, min: 2, max: 2, runs: 1 }, formatCount)).toBe('2')
  })
  it('writes ratios, and a dash for a zero denominator', () => {
    expect(formatRatio(3, 2)).toBe('1.50x')
    expect(formatRatio(30, 2)).toBe('15.0x')
    expect(formatRatio(1, 0)).toBe('-')
  })
})

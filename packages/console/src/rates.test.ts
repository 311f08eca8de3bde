// Rates from the stats series.
import { describe, expect, it } from 'vitest'
import { seriesRates } from './rates.js'

const point = (atMs: number, recordsIn: number) => ({ atMs, recordsIn, bytesIn: 0, recordsOut: 0, bytesOut: 0 })

describe('seriesRates', () => {
  it('divides complete points by the interval and the partial one by the time it covered', () => {
    const stats = { intervalMs: 10_000, series: [point(0, 500), point(10_000, 1000), point(20_000, 40)] }
    expect(seriesRates(stats, 'recordsIn', 24_000)).toEqual([50, 100, 10])
  })
  it('counts a partial point as at least a second old, at most an interval', () => {
    const stats = { intervalMs: 10_000, series: [point(0, 30)] }
    expect(seriesRates(stats, 'recordsIn', 10)).toEqual([30])
    expect(seriesRates(stats, 'recordsIn', 60_000)).toEqual([3])
    expect(seriesRates({ intervalMs: 10_000, series: [] }, 'recordsIn')).toEqual([])
  })
})

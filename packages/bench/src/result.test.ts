// The result line: its keys in order, milliseconds from microseconds, rates from the elapsed time,
// and percentiles never above the maximum (a percentile is the top of its bucket).
import { describe, expect, it } from 'vitest'
import { elapsedUs, latencyHistogram, perfResult, resultLine } from './result.js'

describe('perfResult', () => {
  it('reports records/s, MB/s and ordered percentiles in ms', () => {
    const h = latencyHistogram()
    for (let us = 1; us <= 10_000; us++) h.recordValue(us)
    h.recordValue(329_773)
    const result = perfResult(2_000, 2 * 1024 * 1024, 1_000, h)
    expect(result.records).toBe(2_000)
    expect(result.recordsPerSec).toBe(2_000)
    expect(result.mbPerSec).toBe(2)
    expect(result.p50Ms).toBeCloseTo(5, 1)
    expect(result.maxMs).toBeCloseTo(329.773, 3)
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms)
    expect(result.p99Ms).toBeLessThanOrEqual(result.p999Ms)
    expect(result.p999Ms).toBeLessThanOrEqual(result.maxMs)
    expect(Object.keys(JSON.parse(resultLine(result)) as object)).toEqual(['records', 'recordsPerSec', 'mbPerSec', 'p50Ms', 'p99Ms', 'p999Ms', 'maxMs'])
  })

  it('keeps percentiles at or below the maximum when one value fills the top', () => {
    const h = latencyHistogram()
    h.recordValueWithCount(329_773, 1_000)
    const result = perfResult(1_000, 1_000, 10, h)
    expect(result.p999Ms).toBeLessThanOrEqual(result.maxMs)
  })

  it('turns milliseconds into whole microseconds, at least 1', () => {
    expect(elapsedUs(10, 10)).toBe(1)
    expect(elapsedUs(10, 12.5)).toBe(2_500)
  })
})

// The latency workload's tables and targets, from results made here (no broker runs in a test):
// faecie against the bare path of the same run at each rate, and flush always against fdatasync.
import { describe, expect, it } from 'vitest'
import { latencyBody, latencyTargetRows, parseLatencyVariant } from './latency-report.js'
import { Results } from './results.js'

function sample(): Results {
  const r = new Results()
  r.add('latency', 'bare path', 'rate 5000', { p50Ms: 0.3, p99Ms: 3.5, p999Ms: 5, maxMs: 6 })
  r.add('latency', 'bare path', 'rate 50000', { p50Ms: 0.4, p99Ms: 10, p999Ms: 20, maxMs: 22 })
  // At 5,000/s faecie meets all three: p50 0.5 <= 0.3 + 0.2, p99 5.25 <= 1.5 x 3.5, p99.9 7.5 <= 1.5 x 5.
  r.add('latency', 'faecie', 'rate 5000, push, flush never, 2 processes', { p50Ms: 0.5, p99Ms: 5.25, p999Ms: 7.5, maxMs: 9 })
  // At 50,000/s it misses the p50 (0.7 > 0.6) and the p99.9 (31 > 30), meets the p99 (median of runs 14 <= 15).
  for (const p99Ms of [12, 14, 40]) r.add('latency', 'faecie', 'rate 50000, push, flush never, 2 processes', { p50Ms: 0.7, p99Ms, p999Ms: 31, maxMs: 50 })
  r.add('latency', 'faecie', 'rate 5000, push, flush never, 1 process', { p50Ms: 0.45, p99Ms: 4, p999Ms: 6, maxMs: 7 })
  r.add('latency', 'faecie', 'rate 5000, push, flush always, 2 processes', { p50Ms: 2, p99Ms: 8, p999Ms: 9, maxMs: 10 })
  r.fail('latency', 'faecie', 'rate 50000, push, flush always, 2 processes', 'only 10 of 50000 records came back')
  r.add('latency', 'raw disk', 'write 4 KiB + fdatasync', { p50Ms: 1, p99Ms: 4, maxMs: 5 })
  r.add('latency', 'redis (ioredis)', '50000 records/s', { p50Ms: 0.9, p99Ms: 11, p999Ms: 12, maxMs: 13 })
  r.add('latency', 'kafka (its perf tools)', 'EndToEndLatency, one record at a time', { p50Ms: 2, p99Ms: 5, p999Ms: 6, maxMs: 7 })
  return r
}

describe('parseLatencyVariant', () => {
  it('reads the rate and the case of faecie, the bare path and the peers', () => {
    expect(parseLatencyVariant('rate 5000')).toEqual({ rate: 5000, case: '' })
    expect(parseLatencyVariant('rate 50000, fetch, flush always, 1 process')).toEqual({ rate: 50000, case: 'fetch, flush always, 1 process' })
    expect(parseLatencyVariant('50000 records/s')).toEqual({ rate: 50000, case: '' })
    expect(parseLatencyVariant('write 4 KiB + fdatasync')).toBeUndefined()
  })
})

describe('latencyTargetRows', () => {
  it('judges flush never against the bare path at each rate, and flush always against fdatasync', () => {
    const rows = latencyTargetRows(sample())
    expect(rows.map((r) => r.met)).toEqual(['yes', 'yes', 'yes', '**no**', 'yes', '**no**', 'yes', 'not measured'])
    expect(rows[0]!.target).toBe('latency at 5,000 records/s, flush never (push, 2 processes): p50 <= bare path p50 + 0.2 ms')
    expect(rows[4]!.measured).toBe('14 ms (bare 10 ms)')
    expect(rows[6]!.measured).toBe('8 ms (fdatasync p99 4 ms)')
  })

  it('says not measured when the bare path ran and faecie did not', () => {
    const r = new Results()
    r.add('latency', 'bare path', 'rate 5000', { p50Ms: 0.3, p99Ms: 3.5, p999Ms: 5, maxMs: 6 })
    expect(latencyTargetRows(r).map((row) => row.met)).toEqual(['not measured', 'not measured', 'not measured', 'not measured'])
  })
})

describe('latencyBody', () => {
  it('has a table per rate, the bare path first, with ratios to it, then the other figures', () => {
    const body = latencyBody(sample(), () => 'unused')
    const lines = body.split('\n')
    const at5k = lines.indexOf('**5,000 records/s** (median of runs, min-max in brackets):')
    const at50k = lines.indexOf('**50,000 records/s** (median of runs, min-max in brackets):')
    expect(at5k).toBeGreaterThanOrEqual(0)
    expect(at50k).toBeGreaterThan(at5k)
    expect(lines[at5k + 4]).toBe('| bare path | - | 0.3 | 3.5 | 5 | 6 | 1x |')
    expect(lines[at5k + 5]).toBe('| faecie | push, flush never, 2 processes | 0.5 | 5.25 | 7.5 | 9 | 1.67x / 1.5x / 1.5x |')
    expect(body).toContain('| redis (ioredis) | - | 0.9 | 11 | 12 | 13 | 2.25x / 1.1x / 0.6x |')
    expect(body).toContain('| faecie | push, flush always, 2 processes | not measured: only 10 of 50000 records came back |')
    expect(body).toContain('| raw disk | write 4 KiB + fdatasync | 1 | 4 | - | 5 |')
    expect(body).toContain('| kafka (its perf tools) | EndToEndLatency, one record at a time | 2 | 5 | 6 | 7 |')
  })
})

// The browser workload's report: the lag of the client in Chromium behind Node's on produce, consume
// and latency p50/p99, in the section's table and the targets table, from results made here.
import { describe, expect, it } from 'vitest'
import { browserBody, browserIntro, browserTargetRows } from './browser-report.js'
import { QUICK } from './profile.js'
import { Results } from './results.js'

const LATENCY = 'latency at 50,000/s'

function sample(): Results {
  const r = new Results()
  for (const rate of [900_000, 1_000_000, 1_100_000]) r.add('browser', 'faecie (node)', 'produce', { recordsPerSec: rate })
  for (const rate of [400_000, 600_000, 700_000]) r.add('browser', 'faecie (browser)', 'produce', { recordsPerSec: rate })
  r.add('browser', 'faecie (node)', 'consume', { recordsPerSec: 2_000_000 })
  r.add('browser', 'faecie (browser)', 'consume', { recordsPerSec: 500_000 })
  r.add('browser', 'faecie (node)', LATENCY, { p50Ms: 1, p99Ms: 4 })
  r.add('browser', 'faecie (browser)', LATENCY, { p50Ms: 1.5, p99Ms: 8 }, 'Chromium 156.0.8078.114')
  r.add('browser', 'faecie (browser)', `${LATENCY}, browser timers`, { p50Ms: 3, p99Ms: 12 })
  return r
}

describe('browserTargetRows', () => {
  it('gives the lag behind Node on each of produce, consume, latency p50 and p99', () => {
    const rows = browserTargetRows(sample())
    expect(rows.map((t) => t.met)).toEqual(['yes', '**no**', 'yes', 'yes'])
    expect(rows[0]!.target).toContain('<= 2x: produce')
    expect(rows[0]!.measured).toBe('1.67x (browser 600,000 records/s, node 1,000,000 records/s)')
    expect(rows[1]!.measured).toBe('4x (browser 500,000 records/s, node 2,000,000 records/s)')
    expect(rows[2]!.measured).toBe('1.5x (browser 1.5 ms, node 1 ms)')
    expect(rows[3]!.target).toBe(`... ${LATENCY}, p99`)
    expect(rows[3]!.measured).toBe('2x (browser 8 ms, node 4 ms)')
  })

  it('says not measured when a side is missing', () => {
    const r = new Results()
    r.add('browser', 'faecie (node)', 'produce', { recordsPerSec: 1_000_000 })
    r.fail('browser', 'faecie (browser)', 'produce', 'the page did not load')
    const rows = browserTargetRows(r)
    expect(rows).toHaveLength(4)
    expect(rows.every((t) => t.met === 'not measured' && t.measured === '-')).toBe(true)
  })
})

describe('browserBody and browserIntro', () => {
  it('tables both sides with median (min-max) and the lag, naming Chromium', () => {
    const body = browserBody(sample(), QUICK)
    expect(body).toContain('Browser: Chromium 156.0.8078.114.')
    expect(body).toContain('| produce | 600,000 (400,000-700,000) records/s | 1,000,000 (900,000-1,100,000) records/s | 1.67x |')
    expect(body).toContain(`| ${LATENCY}, p99 | 8 ms | 4 ms | 2x |`)
    expect(body).toContain(`| ${LATENCY}, browser timers, p50 | 3 ms | 1 ms | 3x |`)
    expect(browserTargetRows(sample()).some((t) => t.target.includes('browser timers'))).toBe(false)
  })

  it('tables each runtime\'s ceilings and gives the client\'s share of its runtime\'s pre-encoded frames', () => {
    const r = sample()
    r.add('browser', 'faecie (node)', 'pre-encoded frames, server that only acks', { recordsPerSec: 4_000_000 })
    r.add('browser', 'faecie (browser)', 'pre-encoded frames, server that only acks', { recordsPerSec: 750_000 })
    r.add('browser', 'faecie (browser)', 'produce, server that only acks', { recordsPerSec: 700_000 })
    const body = browserBody(r, QUICK)
    expect(body).toContain('| pre-encoded frames, server that only acks | 750,000 records/s | 4,000,000 records/s | 5.33x |')
    expect(body).toContain('| produce, server that only acks | 700,000 records/s | - | - |')
    expect(body).toContain('browser 80% of 750,000 records/s, node 25% of 4,000,000 records/s')
    expect(browserTargetRows(r)).toHaveLength(4)
    expect(browserBody(sample(), QUICK)).not.toContain('share of its runtime')
  })

  it('shows a failure of the whole workload and a failed case', () => {
    const r = new Results()
    r.fail('browser', 'faecie', 'all', 'no Chromium found')
    expect(browserBody(r, QUICK)).toContain('- faecie / all: not measured: no Chromium found')
    const s = sample()
    s.fail('browser', 'faecie (browser)', 'consume', 'timed out')
    expect(browserBody(s, QUICK)).toContain('| consume | 500,000 records/s |')
    const failedOnly = new Results()
    failedOnly.fail('browser', 'faecie (browser)', 'consume', 'timed out')
    expect(browserBody(failedOnly, QUICK)).toContain('| consume | not measured: timed out | - | - |')
  })

  it('names the sizes of the profile', () => {
    expect(browserIntro(QUICK)).toContain('200,000 records of 100 random bytes')
    expect(browserIntro(QUICK)).toContain('10,000 records at 50,000 records/s')
  })
})

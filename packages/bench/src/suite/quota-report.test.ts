// The quota workload's report: observed rate against the quota, within the 20% or not, in
// the section's table and the targets table; the records of a run; the throttle time read off /metrics.
import { describe, expect, it } from 'vitest'
import { quotaRecords, throttleTimeMs } from '../peers/quota.js'
import { QUICK } from './profile.js'
import { quotaBody, quotaTargetRows } from './quota-report.js'
import { Results } from './results.js'

const MIB = 1024 * 1024

function sample(): Results {
  const r = new Results()
  r.facts.set('quota.bytesPerSec', 5 * MIB)
  r.facts.set('quota.throttleMs', 12_345)
  r.add('quota', 'faecie', 'produce', { mbPerSec: 5.2 })
  r.add('quota', 'faecie', 'consume', { mbPerSec: 6.5 })
  return r
}

describe('quota report', () => {
  it('compares each side with the quota and says whether it is within 20%', () => {
    const rows = quotaTargetRows(sample())
    expect(rows.map((t) => t.met)).toEqual(['yes', '**no**'])
    expect(rows[0]!.measured).toBe('5.2 MiB/s against 5 MiB/s (104%)')
    expect(rows[1]!.target).toContain('fetch quota')
    const body = quotaBody(sample(), QUICK)
    expect(body).toContain('| produce | 5.2 | 5 | 104% | yes |')
    expect(body).toContain('| consume | 6.5 | 5 | 130% | **no** |')
    expect(body).toContain('12,345 ms')
  })

  it('says not measured, and nothing without the workload', () => {
    const r = new Results()
    r.fail('quota', 'faecie', 'produce', 'the broker did not start')
    expect(quotaTargetRows(r)).toEqual([{ target: expect.stringContaining('produce quota'), measured: '-', met: 'not measured' }])
    expect(quotaBody(new Results(), QUICK)).toBe('')
  })

  it('sizes a run in seconds of the quota, and sums the throttle counter over its labels', () => {
    expect(quotaRecords(5 * MIB, 60)).toBe(307_200)
    const metrics = [
      '# TYPE faecie_quota_throttle_time_ms_total counter',
      'faecie_quota_throttle_time_ms_total{principal="User:ANONYMOUS",quota="produce"} 1500',
      'faecie_quota_throttle_time_ms_total{principal="User:ANONYMOUS",quota="fetch"} 250',
      'faecie_quota_throttles_ended_total 3',
    ].join('\n')
    expect(throttleTimeMs(metrics)).toBe(1750)
  })
})

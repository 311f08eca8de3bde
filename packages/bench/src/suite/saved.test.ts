// keepEarlier: a run of some workloads only (e.g. `--workloads replication`) keeps the saved figures
// of the others, and the runs they came from, without touching what it measured itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { QUICK } from './profile.js'
import { Results } from './results.js'
import { keepEarlier, savedRunOf } from './saved.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const machine = { cpuModel: 'Test CPU', cores: 2, ramGiB: 24, kernel: 'Linux 6', node: 'v20', java: '17', go: '1.26' }

function savedFile(results: Results, command: string, date: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'faecie-saved-test-'))
  dirs.push(dir)
  const file = join(dir, 'results.json')
  writeFileSync(file, JSON.stringify(savedRunOf({ command, date, profile: QUICK, machine, results })))
  return file
}

describe('keepEarlier', () => {
  it('keeps the other workloads of the saved run, and not the ones measured now', () => {
    const earlier = new Results()
    earlier.add('throughput', 'faecie', 'produce', { recordsPerSec: 1_000 })
    earlier.add('replication', 'faecie', 'RF 3, acks all', { recordsPerSec: 1 })
    earlier.rss('faecie', 42)
    earlier.facts.set('decay.firstRecordsPerSec', 7)
    const file = savedFile(earlier, 'pnpm bench', 'day 1')
    const now = new Results()
    now.add('replication', 'faecie', 'RF 3, acks all', { recordsPerSec: 500 })
    const kept = keepEarlier(now, new Set(['replication']), file)
    expect(now.get('throughput', 'faecie', 'produce')?.runs[0]?.recordsPerSec).toBe(1_000)
    expect(now.of('replication').map((m) => m.runs.map((r) => r.recordsPerSec))).toEqual([[500]])
    expect(now.rssBytes.get('faecie')).toBe(42)
    expect(now.facts.get('decay.firstRecordsPerSec')).toBe(7)
    expect(kept).toEqual([{ command: 'pnpm bench', date: 'day 1', workloads: ['throughput', 'decay'] }])
  })

  it('names the run each kept workload came from across partial runs', () => {
    const first = new Results()
    first.add('throughput', 'faecie', 'produce', { recordsPerSec: 1_000 })
    first.add('latency', 'faecie', 'flush never', { p99Ms: 3 })
    const second = new Results()
    second.add('latency', 'faecie', 'flush never', { p99Ms: 2 })
    const keptBySecond = keepEarlier(second, new Set(['latency']), savedFile(first, 'pnpm bench', 'day 1'))
    const dir = mkdtempSync(join(tmpdir(), 'faecie-saved-test-'))
    dirs.push(dir)
    const file = join(dir, 'results.json')
    writeFileSync(file, JSON.stringify(savedRunOf({ command: 'pnpm bench --workloads latency', date: 'day 2', profile: QUICK, machine, results: second, kept: keptBySecond })))
    const third = new Results()
    third.add('replication', 'faecie', 'RF 1, acks 1', { recordsPerSec: 9 })
    expect(keepEarlier(third, new Set(['replication']), file)).toEqual([
      { command: 'pnpm bench --workloads latency', date: 'day 2', workloads: ['latency'] },
      { command: 'pnpm bench', date: 'day 1', workloads: ['throughput'] },
    ])
    expect(third.get('latency', 'faecie', 'flush never')?.runs[0]?.p99Ms).toBe(2)
  })

  it('keeps nothing when there is no saved run', () => {
    const now = new Results()
    expect(keepEarlier(now, new Set(['replication']), join(tmpdir(), 'faecie-no-such-results.json'))).toEqual([])
    expect(now.measurements).toEqual([])
  })
})

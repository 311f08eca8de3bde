// The report: sections written into BENCHMARKS.md (others left alone), ratios faecie / peer, the
// targets table, and the charts, from results made here (no peer runs in the tests).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { QUICK, WORKLOADS } from './profile.js'
import { writeReport } from './report.js'
import { loadSavedRun } from './saved.js'
import { Results } from './results.js'
import { targetRows } from './targets.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const machine = { cpuModel: 'Test CPU', cores: 2, ramGiB: 24, kernel: 'Linux 6', node: 'v20', java: '17', go: '1.26' }

function sample(): Results {
  const r = new Results()
  for (const rate of [3_000_000, 4_000_000, 5_000_000]) r.add('throughput', 'faecie', 'produce', { recordsPerSec: rate, mbPerSec: rate / 1e4 })
  r.add('throughput', 'faecie', 'consume', { recordsPerSec: 6_000_000 })
  r.add('throughput', 'pre-encoded ws (acks only)', 'produce', { recordsPerSec: 5_000_000 })
  r.add('throughput', 'raw ws (acks only)', 'produce', { recordsPerSec: 4_000_000 })
  r.add('throughput', 'kafka 4.1.1 (its perf tools)', 'produce', { recordsPerSec: 2_000_000 })
  r.add('throughput', 'redis (redis-benchmark -P 64)', 'produce', { recordsPerSec: 500_000 })
  r.fail('throughput', 'redis (ioredis)', 'produce', 'connection refused')
  r.add('latency', 'bare path', 'rate 50000', { p50Ms: 0.3, p99Ms: 0.8, p999Ms: 3 })
  r.add('latency', 'faecie', 'rate 50000, push, flush never, 2 processes', { p50Ms: 0.4, p99Ms: 0.9, p999Ms: 6 })
  for (const [n, rate] of [[1, 1000], [2, 900], [4, 600]] as const) r.add('partitions', 'faecie', `keyless, flush never, ${n}`, { recordsPerSec: rate })
  r.rss('faecie', 300 * 1024 * 1024)
  r.unavailable.set('nats', 'go install failed')
  return r
}

describe('targetRows', () => {
  it('checks each target against the medians', () => {
    const rows = targetRows({ results: sample() })
    const met = (prefix: string): string | undefined => rows.find((t) => t.target.startsWith(prefix))?.met
    expect(met('100-byte records')).toBe('yes') // median 4,000,000
    expect(rows[1]!.measured).toBe('80% of 5,000,000')
    expect(rows[1]!.met).toBe('yes')
    expect(rows[2]!.met).toBe('yes') // 2x Kafka
    expect(rows[3]!.met).toBe('yes') // 8x redis-benchmark
    expect(rows[4]!.measured).toBe('100% of 4,000,000') // the client against the ack-only server: information
    expect(met('consume')).toBe('yes')
    expect(met('latency at 50,000 records/s, flush never')).toBe('yes')
    expect(rows.find((t) => t.target === "... p99.9 <= 1.5x the bare path's")?.met).toBe('**no**')
    expect(met('partitions')).toBe('**no**') // 600 is 60% of 1000
    expect(met('broker RSS')).toBe('yes')
    expect(met('durable')).toBe('not measured')
  })
})

describe('writeReport', () => {
  it('writes its sections and charts and leaves the storage section alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'))
    dirs.push(dir)
    const file = join(dir, 'BENCHMARKS.md')
    writeFileSync(file, '# Benchmarks\n\n<!-- bench:storage:start -->\nstorage figures\n<!-- bench:storage:end -->\n')
    writeReport({
      results: sample(), profile: QUICK, machine, workloads: new Set(WORKLOADS), command: 'pnpm bench --quick',
      date: '2026-12-01 04:00 UTC', benchmarksFile: file, chartsDir: join(dir, 'bench-results'),
    })
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('<!-- bench:storage:start -->\nstorage figures\n<!-- bench:storage:end -->')
    for (const name of ['suite', 'suite-throughput', 'suite-latency', 'suite-partitions', 'suite-memory']) {
      expect(text).toContain(`<!-- bench:${name}:start -->`)
      expect(text).toContain(`<!-- bench:${name}:end -->`)
    }
    expect(text).toContain('Test CPU, 2 cores, 24 GiB RAM')
    expect(text).toContain('| kafka 4.1.1 (its perf tools) | produce | 2,000,000 |')
    expect(text).toMatch(/\| kafka 4\.1\.1 \(its perf tools\) \| produce \|[^\n]*\| 2\.00x \|/)
    expect(text).toContain('| faecie | produce | 4,000,000 (3,000,000-5,000,000) |')
    expect(text).toContain('not measured: connection refused')
    expect(text).toContain('**nats**: not measured: go install failed')
    expect(text).toContain('| nats | - | not measured: go install failed |')
    expect(existsSync(join(dir, 'bench-results', 'throughput.svg'))).toBe(true)
    expect(existsSync(join(dir, 'bench-results', 'partitions.svg'))).toBe(true)
    const saved = JSON.parse(readFileSync(join(dir, 'bench-results', 'results.json'), 'utf8')) as { measurements: Array<{ runs: unknown[] }> }
    expect(saved.measurements[0]!.runs).toHaveLength(3)
    // Read back, the saved run gives the same results and the workloads it measured.
    const loaded = loadSavedRun(join(dir, 'bench-results', 'results.json'))
    expect(loaded.results.measurements).toEqual(sample().measurements)
    expect(loaded.results.unavailable.get('nats')).toBe('go install failed')
    expect([...loaded.workloads]).toEqual(['throughput', 'partitions', 'latency'])
    expect(loaded.saved.command).toBe('pnpm bench --quick')
    // Written again, the file does not grow: the sections are replaced, not appended.
    const before = text.length
    writeReport({
      results: sample(), profile: QUICK, machine, workloads: new Set(WORKLOADS), command: 'pnpm bench --quick',
      date: '2026-12-01 04:00 UTC', benchmarksFile: file, chartsDir: join(dir, 'bench-results'),
    })
    expect(readFileSync(file, 'utf8').length).toBe(before)
  })
})

describe('writeReport, replication', () => {
  it('writes the replication section with both tables and its chart, and the saved run reads back as that workload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'))
    dirs.push(dir)
    const file = join(dir, 'BENCHMARKS.md')
    const results = new Results()
    results.add('replication', 'faecie', 'RF 3, acks all', { recordsPerSec: 300_000, p99Ms: 9 })
    results.add('replication', 'kafka 4.1.1 (its perf tools)', 'RF 3, acks all', { recordsPerSec: 250_000, p99Ms: 30 })
    results.add('replication', 'faecie', 'failover, 2 s session timeout', { failoverMs: 2_600 })
    writeReport({
      results, profile: QUICK, machine, workloads: new Set(['replication'] as const), command: 'pnpm bench --workloads replication',
      date: '2026-12-02 04:00 UTC', benchmarksFile: file, chartsDir: join(dir, 'bench-results'),
    })
    const text = readFileSync(file, 'utf8')
    const section = text.slice(text.indexOf('<!-- bench:suite-replication:start -->'), text.indexOf('<!-- bench:suite-replication:end -->'))
    expect(section).toContain('### Replication: three brokers')
    expect(section).toContain('| RF 3, acks all | 2 | 300,000 | 9 | 250,000 | 30 | 1.20x |')
    expect(section).toContain('| 2 s | faecie | - | 2,600 | 1 | <= 3,000: yes |')
    expect(section).toContain('![replication.svg](bench-results/replication.svg)')
    expect(text).not.toContain('<!-- bench:suite-throughput:start -->')
    // The targets table (section `suite`) has the issue 13 rows.
    expect(text).toMatch(/\| three brokers, RF 3, acks all: ahead of Apache Kafka[^\n]*\| 1\.20x Kafka's 250,000 \(300,000 records\/s\) \| yes \|/)
    expect(existsSync(join(dir, 'bench-results', 'replication.svg'))).toBe(true)
    expect([...loadSavedRun(join(dir, 'bench-results', 'results.json')).workloads]).toEqual(['replication'])
  })
})

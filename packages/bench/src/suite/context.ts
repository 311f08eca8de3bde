// What every peer's bench is given: the profile, the chosen workloads, where results go, a log, and
// where things live (the repository, the cache for downloaded peers outside git).
import { spawnSync } from 'node:child_process'
import type { Profile, Workload } from './profile.js'
import type { Results } from './results.js'

/**
 * Workloads whose figures wait on fdatasync (and the raw disk's fdatasync itself): each of their runs
 * starts on a drained page cache. Earlier workloads leave gigabytes of dirty pages (topics with flush
 * `never`, 30 s of dirty_expire), and while the kernel writes them back an fdatasync on the same
 * ext4 journal waits behind them: 0.5-0.8 s instead of 1-5 ms here (docs/perf-notes.md, "Flush
 * always"). Without this, such a figure measures what ran before it, not the system under test.
 */
const DISK_BOUND_WORKLOADS: ReadonlySet<string> = new Set(['latency', 'durable'])

/** Writes back every dirty page (sync(1)) before a disk-bound run. */
function drainWriteback(key: { workload: string; variant: string }): void {
  if (!DISK_BOUND_WORKLOADS.has(key.workload) && !key.variant.includes('fdatasync')) return
  spawnSync('sync', { stdio: 'ignore' })
}

export interface SuiteContext {
  profile: Profile
  workloads: ReadonlySet<Workload>
  results: Results
  /** Progress lines on stderr. */
  log(message: string): void
  /** The repository root (holds packages/broker/dist/main.js). */
  repoRoot: string
  /** Where peers are installed: ~/.cache/faecie-bench unless FAECIE_BENCH_CACHE says otherwise. */
  cacheDir: string
}

/** Runs one measurement `runs` times; a failure is recorded as not measured, and the rest go on. */
export async function measure(
  context: SuiteContext,
  key: { workload: string; system: string; variant: string },
  runOnce: (run: number) => Promise<import('./results.js').Figures>,
  runs: number = context.profile.runs,
): Promise<void> {
  for (let run = 0; run < runs; run++) {
    try {
      context.log(`  ${key.system} / ${key.workload} / ${key.variant}${runs === 1 ? '' : `: run ${run + 1} of ${runs}`}`)
      drainWriteback(key)
      const figures = await runOnce(run)
      context.results.add(key.workload, key.system, key.variant, figures)
      const rate = figures.recordsPerSec !== undefined ? `${Math.round(figures.recordsPerSec).toLocaleString('en-US')} records/s`
        : figures.mbPerSec !== undefined ? `${figures.mbPerSec} MB/s`
          : figures.failoverMs !== undefined ? `failover ${Math.round(figures.failoverMs)} ms` : 'latency only'
      context.log(`    ${rate}` +
        (figures.p99Ms === undefined ? '' : `, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`))
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      context.log(`    failed: ${reason}`)
      context.results.fail(key.workload, key.system, key.variant, reason.slice(0, 300))
      return
    }
  }
}

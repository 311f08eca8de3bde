// The `latency` workload's part of BENCHMARKS.md and its rows of the targets table (issue 18: faecie
// against the bare path measured in the same run, push and fetch, flush never and always, producer
// and consumer in one process and in two). Variants are `rate R` (the bare path) and `rate R, MODE,
// flush F, N process(es)` (faecie; peers/bare-path.ts latencyVariant); a peer's `R records/s` goes in
// the table of its rate too. Targets, flush never (push, two processes: a real app's shape), at each
// rate: p50 <= the bare path's p50 + 0.2 ms; p99 and p99.9 <= 1.5x the bare path's; flush always
// (push, two processes): p99 <= 2x the disk's fdatasync p99 (peers/bare-path.ts DISK_FSYNC).
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import { medianOf } from './report.js'
import type { Measurement, Results } from './results.js'
import { formatCount, formatFigure, formatSummary, summarize } from './stats.js'
import type { TargetRow } from './targets.js'

const BARE_PATH = 'bare path'
const DISK_FSYNC = { system: 'raw disk', variant: 'write 4 KiB + fdatasync' } as const
/** The case the targets are judged on: the shape of a real app. */
export const TARGET_CASE = 'push, flush never, 2 processes'
export const TARGET_CASE_DURABLE = 'push, flush always, 2 processes'
const P50_SLACK_MS = 0.2
const TAIL_RATIO_MAX = 1.5
const FSYNC_RATIO_MAX = 2

const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')
const ms = (n: number | undefined): string => (n === undefined ? '-' : `${formatFigure(n)} ms`)

/** The rate and the case of a latency variant, when it names a rate. */
export function parseLatencyVariant(variant: string): { rate: number; case: string } | undefined {
  const ours = /^rate (\d+)(?:, (.*))?$/.exec(variant)
  if (ours !== null) return { rate: Number(ours[1]), case: ours[2] ?? '' }
  const peer = /^(\d+) records\/s(?:, (.*))?$/.exec(variant)
  if (peer !== null) return { rate: Number(peer[1]), case: peer[2] ?? '' }
  return undefined
}

export function latencyIntro(profile: Profile): string {
  const seconds = profile.latencyRecords / profile.latencyRate
  return `Records of 100 bytes at fixed rates (${profile.latencyRates.map(formatCount).join(' and ')} records/s, ${formatFigure(seconds)} s each), one producer (faecie: \`lingerMs\` 0, acks 1, one partition) and one consumer, in the same process or in two (the consumer in a child process; both read the clock \`performance.timeOrigin + performance.now()\`); push or fetch; the topic's flush \`never\` or \`always\`. Each record's latency runs from its *intended* send time (stamped in the record) to its delivery, so stalls count (corrected for coordinated omission). The **bare path** is the ceiling, measured in the same run: a producer process sending the same stamped records paced the same way (what is due goes out every millisecond as one frame), a plain \`ws\` server that hands each frame to a worker thread and back and sends it to a subscriber process; no library, no storage. The disk's fdatasync latency (4 KiB written, then fdatasync) is timed in the same run too. Kafka's EndToEndLatency is different: it sends one record, waits for it to come back, then sends the next (no fixed rate).`
}

function cell(m: Measurement | undefined, metric: 'p50Ms' | 'p99Ms' | 'p999Ms' | 'maxMs'): string {
  if (m === undefined) return '-'
  if (m.runs.length === 0) return `not measured: ${(m.notMeasured ?? '').slice(0, 60)}`
  const values = m.runs.map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
  return values.length === 0 ? '-' : formatSummary(summarize(values))
}

const ratio = (m: Measurement, bare: Measurement | undefined, metric: 'p50Ms' | 'p99Ms' | 'p999Ms'): string => {
  const a = medianOf(m, metric)
  const b = medianOf(bare, metric)
  return a === undefined || b === undefined || b <= 0 ? '-' : `${formatFigure(a / b)}x`
}

/** A table per rate (system, case, p50/p99/p99.9/max, ratios to the bare path), then the rest (fdatasync, one-at-a-time tools). */
export function latencyBody(results: Results, table: (workload: string) => string): string {
  void table
  const all = results.of('latency')
  const rates = [...new Set(all.map((m) => parseLatencyVariant(m.variant)?.rate).filter((r): r is number => r !== undefined))].sort((a, b) => a - b)
  const parts: string[] = []
  for (const rate of rates) {
    const at = all.filter((m) => parseLatencyVariant(m.variant)?.rate === rate)
    const bare = at.find((m) => m.system === BARE_PATH)
    const ordered = [...(bare === undefined ? [] : [bare]), ...at.filter((m) => m !== bare)]
    const rows = ordered.map((m) => [m.system, parseLatencyVariant(m.variant)?.case || '-', cell(m, 'p50Ms'), cell(m, 'p99Ms'), cell(m, 'p999Ms'), cell(m, 'maxMs'),
      m === bare ? '1x' : `${ratio(m, bare, 'p50Ms')} / ${ratio(m, bare, 'p99Ms')} / ${ratio(m, bare, 'p999Ms')}`])
    parts.push(`**${formatCount(rate)} records/s** (median of runs, min-max in brackets):\n\n` +
      markdownTable(['system', 'case', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'p50 / p99 / p99.9 vs bare path'], rows))
  }
  const rest = all.filter((m) => parseLatencyVariant(m.variant) === undefined)
  if (rest.length > 0) {
    parts.push('Other latency figures of the run:\n\n' + markdownTable(['system', 'case', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
      rest.map((m) => [m.system, m.variant, cell(m, 'p50Ms'), cell(m, 'p99Ms'), cell(m, 'p999Ms'), cell(m, 'maxMs')])))
  }
  return parts.join('\n\n')
}

export function latencyTargetRows(results: Results): TargetRow[] {
  const all = results.of('latency')
  const rates = [...new Set(all.filter((m) => m.system === BARE_PATH).map((m) => parseLatencyVariant(m.variant)?.rate).filter((r): r is number => r !== undefined))].sort((a, b) => a - b)
  const rows: TargetRow[] = []
  for (const rate of rates) {
    const bare = results.get('latency', BARE_PATH, `rate ${rate}`)
    const ours = results.get('latency', 'faecie', `rate ${rate}, ${TARGET_CASE}`)
    const at = (m: Measurement | undefined, k: 'p50Ms' | 'p99Ms' | 'p999Ms'): number | undefined => medianOf(m, k)
    const [b50, b99, b999] = [at(bare, 'p50Ms'), at(bare, 'p99Ms'), at(bare, 'p999Ms')]
    const [f50, f99, f999] = [at(ours, 'p50Ms'), at(ours, 'p99Ms'), at(ours, 'p999Ms')]
    const both = (a: number | undefined, b: number | undefined, ok: (a: number, b: number) => boolean): boolean | undefined => (a === undefined || b === undefined ? undefined : ok(a, b))
    const label = `latency at ${formatCount(rate)} records/s, flush never (push, 2 processes)`
    rows.push(
      { target: `${label}: p50 <= bare path p50 + ${P50_SLACK_MS} ms`, measured: `${ms(f50)} (bare ${ms(b50)})`, met: yes(both(f50, b50, (a, b) => a <= b + P50_SLACK_MS)) },
      { target: `... p99 <= ${TAIL_RATIO_MAX}x the bare path's`, measured: `${ms(f99)} (bare ${ms(b99)})`, met: yes(both(f99, b99, (a, b) => a <= TAIL_RATIO_MAX * b)) },
      { target: `... p99.9 <= ${TAIL_RATIO_MAX}x the bare path's`, measured: `${ms(f999)} (bare ${ms(b999)})`, met: yes(both(f999, b999, (a, b) => a <= TAIL_RATIO_MAX * b)) },
    )
  }
  const fsync = medianOf(results.get('latency', DISK_FSYNC.system, DISK_FSYNC.variant), 'p99Ms')
  for (const rate of rates) {
    const durable = medianOf(results.get('latency', 'faecie', `rate ${rate}, ${TARGET_CASE_DURABLE}`), 'p99Ms')
    rows.push({
      target: `latency at ${formatCount(rate)} records/s, flush always (push, 2 processes): p99 <= ${FSYNC_RATIO_MAX}x the disk's fdatasync p99`,
      measured: `${ms(durable)} (fdatasync p99 ${ms(fsync)})`,
      met: yes(durable === undefined || fsync === undefined ? undefined : durable <= FSYNC_RATIO_MAX * fsync),
    })
  }
  return rows
}

export { markdownTable }

// The `quota` workload's part of BENCHMARKS.md (issue 19) and its row of the targets table: the rate
// a producer and a consumer going flat out reached against a broker with produce and fetch quotas
// (peers/quota.ts), against the quota, and whether it held them to within 20% of it (the issue's
// measure). Rates are of the records' payload; the quota counts the bytes on the wire (a produce
// request's frame, a fetch answer's record batches), a few percent more for 1 KB records.
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import { medianOf } from './report.js'
import type { Results } from './results.js'
import { formatCount, formatFigure, formatSummary, summarize } from './stats.js'
import type { TargetRow } from './targets.js'

const WORKLOAD = 'quota'
const SYSTEM = 'faecie'
const MIB = 1024 * 1024
/** The bound: the observed rate within this share of the quota. */
const WITHIN_SHARE = 0.2

export function quotaIntro(profile: Profile): string {
  return `faecie only: a broker started with client quotas (\`security.quotas\` in \`--config\`) of ${formatFigure(profile.quotaBytesPerSec / MIB)} MiB/s of produce and as much of fetch on the bench's client id, ` +
    `and the code of \`faecie perf produce\` / \`faecie perf consume\` run as fast as they go against it: one producer of 1 KB records (acks 1, flush \`never\`), then one consumer reading them back; ` +
    `each run moves ${profile.quotaSeconds} s of the quota's worth. The broker answers a request that takes the client over its quota at once with \`throttleTimeMs\` (Kafka's formula over 11 windows of 1 s) ` +
    'and then does not read the connection for that long; the client sends nothing meanwhile. The rates are of record payload (the quota counts wire bytes, a few percent more). ' +
    'A flat-out client moves about 10 s of its quota at once each time the window holding its last burst is forgotten (as with Kafka\'s sampled windows), so a run may end up to 10 s early: ' +
    'its figure is above the quota by up to 10 s over its length (the full profile\'s 60 s keep that within the 20%; the quick profile\'s 15 s do not, and its figures say nothing).'
}

export function quotaBody(results: Results, profile: Profile): string {
  const measured = results.of(WORKLOAD)
  if (measured.length === 0) return ''
  const quotaMib = (results.facts.get('quota.bytesPerSec') ?? profile.quotaBytesPerSec) / MIB
  const rows = measured.map((m) => {
    if (m.notMeasured !== undefined && m.runs.length === 0) return [m.variant, `not measured: ${m.notMeasured.slice(0, 160)}`, '', '', '']
    const rates = m.runs.map((r) => r.mbPerSec).filter((v): v is number => v !== undefined && Number.isFinite(v))
    const median = medianOf(m, 'mbPerSec')
    return [
      m.variant,
      rates.length === 0 ? '-' : formatSummary(summarize(rates), formatFigure),
      formatFigure(quotaMib),
      median === undefined ? '-' : `${formatFigure((median / quotaMib) * 100)}%`,
      median === undefined ? '-' : Math.abs(median / quotaMib - 1) <= WITHIN_SHARE ? 'yes' : '**no**',
    ]
  })
  const throttleMs = results.facts.get('quota.throttleMs')
  const note = throttleMs === undefined ? '' : `\n\nThrottle time the broker gave over the runs (faecie_quota_throttle_time_ms_total): ${formatCount(throttleMs)} ms.`
  return '\n\n' + markdownTable(['client', 'observed MiB/s', 'quota MiB/s', 'observed / quota', 'within 20%?'], rows) + note
}

export function quotaTargetRows(results: Results): TargetRow[] {
  const quota = results.facts.get('quota.bytesPerSec')
  return ['produce', 'consume'].flatMap((variant): TargetRow[] => {
    const m = results.get(WORKLOAD, SYSTEM, variant)
    if (m === undefined) return []
    const median = medianOf(m, 'mbPerSec')
    const share = median === undefined || quota === undefined ? undefined : median / (quota / MIB)
    return [{
      target: `quota: a client over its ${variant === 'produce' ? 'produce' : 'fetch'} quota is throttled to within 20% of it`,
      measured: share === undefined ? '-' : `${formatFigure(median!)} MiB/s against ${formatFigure(quota! / MIB)} MiB/s (${formatFigure(share * 100)}%)`,
      met: share === undefined ? 'not measured' : Math.abs(share - 1) <= WITHIN_SHARE ? 'yes' : '**no**',
    }]
  })
}

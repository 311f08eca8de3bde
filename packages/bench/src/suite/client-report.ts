// The client's rows of the targets table (issue 5, then issue 18: a producer of >= 3.5 M records/s,
// >= 65% of the pre-encoded ceiling, >= 4x redis-benchmark; a consumer of >= 4 M records/s) and the
// section of the raw ceilings (the disk, and the WebSocket ceilings: pre-encoded frames with no
// client library, the one the client is measured against, and the client against a server that
// only acks, kept as information).
import { markdownTable } from './benchmarks-md.js'
import { medianOf } from './report.js'
import type { Measurement, Results } from './results.js'
import { formatCount, formatFigure, formatSummary, summarize } from './stats.js'
import type { TargetRow } from './targets.js'

const FAECIE = 'faecie'
const pct = (n: number): string => `${Math.round(n * 100)}%`
const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')

export function clientTargetRows(results: Results): TargetRow[] {
  const rate = (workload: string, system: string, variant: string): number | undefined => medianOf(results.get(workload, system, variant), 'recordsPerSec')
  const produce = rate('throughput', FAECIE, 'produce')
  const consume = rate('throughput', FAECIE, 'consume')
  const raw = rate('throughput', 'raw ws (acks only)', 'produce')
  const preEncoded = rate('throughput', 'pre-encoded ws (acks only)', 'produce')
  const kafka = medianOf(results.of('throughput').find((m) => m.system.includes('perf tools') && m.variant === 'produce'), 'recordsPerSec')
  const redisBench = medianOf(results.of('throughput').find((m) => m.system.includes('redis-benchmark')), 'recordsPerSec')
  const fmt = (n: number | undefined, unit = ''): string => (n === undefined ? '-' : `${formatCount(n)}${unit}`)
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b)
  const rawShare = ratio(produce, raw)
  const ceilingShare = ratio(produce, preEncoded)
  const kafkaShare = ratio(produce, kafka)
  const redisShare = ratio(produce, redisBench)
  return [
    { target: '100-byte records, 1 producer, 1 partition, acks 1: >= 3,500,000 records/s', measured: fmt(produce, ' records/s'), met: yes(produce === undefined ? undefined : produce >= 3_500_000) },
    { target: '... >= 65% of the pre-encoded ceiling (ready-made frames over one WebSocket, no client library, a server that only acks)', measured: ceilingShare === undefined ? '-' : `${pct(ceilingShare)} of ${fmt(preEncoded)}`, met: yes(ceilingShare === undefined ? undefined : ceilingShare >= 0.65) },
    { target: '... ahead of Apache Kafka driven by its own perf tool', measured: kafkaShare === undefined ? '-' : `${formatFigure(kafkaShare)}x Kafka's ${fmt(kafka)}`, met: yes(kafkaShare === undefined ? undefined : kafkaShare > 1) },
    { target: '... >= 4x Redis Streams\' redis-benchmark XADD -P 64', measured: redisShare === undefined ? '-' : `${formatFigure(redisShare)}x of ${fmt(redisBench)}`, met: yes(redisShare === undefined ? undefined : redisShare >= 4) },
    { target: '... (information) share of the raw ws figure (the same client against a server that only acks)', measured: rawShare === undefined ? '-' : `${pct(rawShare)} of ${fmt(raw)}`, met: '-' },
    { target: 'consume from one partition: >= 4,000,000 records/s', measured: fmt(consume, ' records/s'), met: yes(consume === undefined ? undefined : consume >= 4_000_000) },
  ]
}

function cell(m: Measurement, metric: 'mbPerSec' | 'p50Ms' | 'p99Ms' | 'maxMs'): string {
  const values = m.runs.map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
  return values.length === 0 ? '-' : formatSummary(summarize(values), formatFigure)
}

/** What the ceiling section says before its table. */
export const CEILING_INTRO = 'The same machine without any broker: plain `fs` appends of 1 MiB chunks to a file (MB/s), and 4 KiB written then `fdatasync` (latency per call). The WebSocket ceiling the client is measured against is in the throughput tables as `pre-encoded ws (acks only)`: produce frames of 1,000-record batches of 100-byte records, encoded before the clock starts, sent over one WebSocket (masked, as RFC 6455 requires of a client) with 16 in flight, to a server that only acks; no client library in the loop. `raw ws (acks only)` is the real client against that server (the client against itself, for information).'

/** The table of the ceiling section. */
export function ceilingBody(results: Results): string {
  const rows = results.of('ceiling').map((m) => [m.system, m.variant, m.notMeasured ?? '', cell(m, 'mbPerSec'), cell(m, 'p50Ms'), cell(m, 'p99Ms'), cell(m, 'maxMs')])
  return markdownTable(['system', 'case', 'note', 'MB/s', 'p50 ms', 'p99 ms', 'max ms'], rows)
}

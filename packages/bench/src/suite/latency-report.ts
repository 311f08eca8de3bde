// The `latency` workload's part of BENCHMARKS.md and its rows of the targets table (issue 18: faecie
// against the bare path measured in the same run, push and fetch, flush never and always, producer
// and consumer in one process and in two). (Contract: the latency helper fills it in.)
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import { medianOf } from './report.js'
import type { Results } from './results.js'
import { formatCount, formatFigure } from './stats.js'
import type { TargetRow } from './targets.js'

const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')

export function latencyIntro(profile: Profile): string {
  return `${formatCount(profile.latencyRecords)} records of 100 bytes at a fixed rate, one producer (faecie: \`lingerMs\` 0, acks 1) and one consumer in the same process; each record's latency runs from its *intended* send time (stamped in the record) to its delivery, so stalls count (corrected for coordinated omission). Kafka's EndToEndLatency is different: it sends one record, waits for it to come back, then sends the next (no fixed rate).`
}

/** The table of the section (the chart is report.ts's). */
export function latencyBody(results: Results, table: (workload: string) => string): string {
  void results
  return table('latency')
}

export function latencyTargetRows(results: Results): TargetRow[] {
  const latency = results.get('latency', 'faecie', 'flush never')
  const p99 = medianOf(latency, 'p99Ms')
  const p999 = medianOf(latency, 'p999Ms')
  return [
    { target: 'end-to-end latency at 50,000 records/s, flush never: p99 <= 1 ms', measured: p99 === undefined ? '-' : `${formatFigure(p99)} ms`, met: yes(p99 === undefined ? undefined : p99 <= 1) },
    { target: '... p99.9 <= 5 ms', measured: p999 === undefined ? '-' : `${formatFigure(p999)} ms`, met: yes(p999 === undefined ? undefined : p999 <= 5) },
  ]
}

export { markdownTable }

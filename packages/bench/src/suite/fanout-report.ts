// The `fanout` workload's part of BENCHMARKS.md (issue 18) and its rows of the targets table: per
// case and system, delivered record copies/s, latency produce -> subscriber, the slowest
// subscriber's lag, the server's CPU and RSS, and faecie over the peer; the targets compare faecie
// with the bare `ws` fan-out and NATS core measured in the same run (peers/fanout.ts).
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import { medianOf } from './report.js'
import type { Measurement, Results } from './results.js'
import { formatCount, formatFigure, formatRatio, formatSummary, summarize } from './stats.js'
import type { TargetRow } from './targets.js'

const WORKLOAD = 'fanout'
const FAECIE = 'faecie'
const BARE = 'bare fan-out (ws)'
const NATS = 'nats core (nats.js)'
const GB = 1024 ** 3

const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')
const fact = (results: Results, m: Measurement, name: string): number | undefined => results.facts.get(`fanout.${m.system}.${m.variant}.${name}`)

export function fanoutIntro(profile: Profile): string {
  const cases = profile.fanoutCases.map((c) => `${formatCount(c.subscribers)} subscribers at ${formatCount(c.rate)} records/s for ${c.seconds} s`).join('; ')
  return `One topic (faecie: one partition, flush never), one producer (faecie: \`lingerMs\` 0, acks 1), 100-byte records at a fixed rate, and many subscribers, each its own connection ` +
    `(faecie: its own \`Faecie\` client, a push-mode consumer from the topic's end, as a browser tab would be), spread over ${profile.fanoutProcesses} load-generator processes on the same machine: ${cases}. ` +
    'Each record carries its intended send time on the wall clock the processes share; its latency at every subscriber counts from then (corrected for coordinated omission); the histograms of all subscribers are merged. ' +
    'Delivered is record copies per second (records x subscribers over the run, from the first send to the last delivery); lag is the most records any subscriber was behind the clock (due, not yet delivered) during the run or at its end. ' +
    'Beside faecie, on the same workload in the same run (systems interleaved, each on a server started for that run): a **bare fan-out** (a `ws` server that writes each frame of the producer to every subscriber socket: no library, no storage), ' +
    '**NATS core** pub/sub (nats-server without JetStream, the `nats` client, one connection per subscriber) and **Redis** pub/sub (redis-server, ioredis, one connection per subscriber). ' +
    'Server CPU is the server process\'s user + system time over the run (all threads) as a share of one core; RSS is its largest resident memory.'
}

export function fanoutBody(results: Results, profile: Profile): string {
  void profile
  const measured = results.of(WORKLOAD)
  if (measured.length === 0) return ''
  const cell = (m: Measurement, metric: 'recordsPerSec' | 'p50Ms' | 'p99Ms' | 'p999Ms' | 'maxMs', format: (n: number) => string = formatFigure): string => {
    const values = m.runs.map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
    return values.length === 0 ? '-' : formatSummary(summarize(values), format)
  }
  const variants = [...new Set(measured.map((m) => m.variant))]
  const rows = [...measured].sort((a, b) => variants.indexOf(a.variant) - variants.indexOf(b.variant)).map((m) => {
    if (m.notMeasured !== undefined && m.runs.length === 0) return [m.system, m.variant, `not measured: ${m.notMeasured.slice(0, 160)}`, '', '', '', '', '', '', '', '']
    const lag = fact(results, m, 'lagRecords')
    const missed = fact(results, m, 'missed')
    const cpu = fact(results, m, 'cpuPercent')
    const rss = fact(results, m, 'rssBytes')
    const faecieRate = m.system === FAECIE ? undefined : medianOf(results.get(WORKLOAD, FAECIE, m.variant), 'recordsPerSec')
    const peerRate = medianOf(m, 'recordsPerSec')
    return [
      m.system, m.variant, cell(m, 'recordsPerSec', formatCount), cell(m, 'p50Ms'), cell(m, 'p99Ms'), cell(m, 'p999Ms'), cell(m, 'maxMs'),
      lag === undefined ? '-' : `${formatCount(lag)}${missed !== undefined && missed > 0 ? ` (${formatCount(missed)} copies missed)` : ''}`,
      cpu === undefined ? '-' : `${formatCount(cpu)}%`,
      rss === undefined ? '-' : `${formatCount(rss / (1024 * 1024))} MB`,
      faecieRate === undefined || peerRate === undefined ? '-' : formatRatio(faecieRate, peerRate),
    ]
  })
  return '\n\n' + markdownTable(['system', 'case', 'delivered records/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'slowest lag (records)', 'server CPU', 'server RSS', 'faecie/peer (delivered)'], rows)
}

export function fanoutTargetRows(results: Results): TargetRow[] {
  const variants = [...new Set(results.of(WORKLOAD).map((m) => m.variant))]
  const rows: TargetRow[] = []
  for (const variant of variants) {
    const faecie = results.get(WORKLOAD, FAECIE, variant)
    const bare = results.get(WORKLOAD, BARE, variant)
    const nats = results.get(WORKLOAD, NATS, variant)
    const [rate, bareRate, natsRate] = [medianOf(faecie, 'recordsPerSec'), medianOf(bare, 'recordsPerSec'), medianOf(nats, 'recordsPerSec')]
    const [p99, bareP99] = [medianOf(faecie, 'p99Ms'), medianOf(bare, 'p99Ms')]
    const both = rate !== undefined && bareRate !== undefined
    rows.push({
      target: `fan-out, ${variant}: delivered rate within 1.5x of the bare fan-out`,
      measured: both ? `${formatCount(rate)} vs ${formatCount(bareRate)} records/s (${formatRatio(rate, bareRate)})` : '-',
      met: yes(both ? rate * 1.5 >= bareRate : undefined),
    })
    const p99Both = p99 !== undefined && bareP99 !== undefined
    rows.push({
      target: '... p99 within 1.5x of the bare fan-out\'s',
      measured: p99Both ? `${formatFigure(p99)} vs ${formatFigure(bareP99)} ms (${formatRatio(p99, bareP99)})` : '-',
      met: yes(p99Both ? p99 <= bareP99 * 1.5 : undefined),
    })
    const natsBoth = rate !== undefined && natsRate !== undefined
    rows.push({
      target: '... delivered rate at least NATS core\'s',
      measured: natsBoth ? `${formatCount(rate)} vs ${formatCount(natsRate)} records/s (${formatRatio(rate, natsRate)})` : '-',
      met: yes(natsBoth ? rate >= natsRate : undefined),
    })
    const subscribers = Number(/^([\d,]+) subscribers/.exec(variant)?.[1]?.replace(/,/g, '') ?? 0)
    if (subscribers >= 10_000) {
      const rss = results.facts.get(`fanout.${FAECIE}.${variant}.rssBytes`)
      rows.push({
        target: '... broker RSS <= 1 GB at 10,000 subscribers',
        measured: rss === undefined ? '-' : `${formatCount(rss / (1024 * 1024))} MB`,
        met: yes(rss === undefined ? undefined : rss <= GB),
      })
    }
  }
  return rows
}

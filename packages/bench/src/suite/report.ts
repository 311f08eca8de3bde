// Turns the suite's results into its sections of BENCHMARKS.md (one per workload, so a run of some
// workloads rewrites only theirs) and SVG charts under bench-results/. Every figure is the median of
// the runs with (min-max); ratios are faecie's median over the peer's.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Machine } from './machine.js'
import { machineLine } from './machine.js'
import { markdownTable, writeBenchmarkSection } from './benchmarks-md.js'
import type { Profile, Workload } from './profile.js'
import type { Figures, Measurement, Results } from './results.js'
import { formatFigure, formatRatio, formatSummary, formatCount, summarize } from './stats.js'
import { type KeptRun, savedRunOf } from './saved.js'
import { kafkaToolsIntro, kafkaToolsTable } from './kafka-tools-report.js'
import { replicationBody, replicationIntro } from './replication-report.js'
import { barChartSvg, lineChartSvg } from './svg.js'
import { targetsSection } from './targets.js'
import { latencyBody, latencyIntro } from './latency-report.js'
import { CEILING_INTRO, ceilingBody } from './client-report.js'
import { fanoutBody, fanoutIntro } from './fanout-report.js'
import { browserBody, browserIntro } from './browser-report.js'
import { quotaBody, quotaIntro } from './quota-report.js'

export interface ReportInput {
  results: Results
  profile: Profile
  machine: Machine
  workloads: ReadonlySet<Workload>
  command: string
  date: string
  benchmarksFile: string
  chartsDir: string
  /** Earlier runs whose figures this (partial) run kept, named in the report. */
  kept?: KeptRun[]
}

type Metric = keyof Figures

/** The median of one metric over a measurement's runs, or undefined when no run gave it. */
export function medianOf(m: Measurement | undefined, metric: Metric): number | undefined {
  const values = (m?.runs ?? []).map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
  return values.length === 0 ? undefined : summarize(values).median
}

function cell(m: Measurement, metric: Metric, format: (n: number) => string = formatFigure): string {
  const values = m.runs.map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
  return values.length === 0 ? '-' : formatSummary(summarize(values), format)
}

const FAECIE = 'faecie'

/** The rows of a workload's table: one per measurement, with faecie's ratio to it. */
function figuresTable(results: Results, workload: string, faecieVariant: (variant: string) => string | undefined, ratioMetric: Metric, lowerIsBetter = false): string {
  const measured = results.of(workload)
  const systems = [...new Set(measured.map((m) => m.system))]
  const order = (m: Measurement): number => systems.indexOf(m.system) * 2 + (m.variant.startsWith('consume') ? 1 : 0)
  const rows = [...measured].sort((a, b) => order(a) - order(b)).map((m) => {
    if (m.notMeasured !== undefined && m.runs.length === 0) return [m.system, m.variant, `not measured: ${m.notMeasured.slice(0, 160)}`, '', '', '', '', '', '', '']
    const ownVariant = faecieVariant(m.variant)
    const faecie = m.system === FAECIE || ownVariant === undefined ? undefined : medianOf(results.get(workload, FAECIE, ownVariant), ratioMetric)
    const peer = medianOf(m, ratioMetric)
    const ratio = faecie === undefined || peer === undefined ? '-' : lowerIsBetter ? formatRatio(peer, faecie) : formatRatio(faecie, peer)
    return [m.system, m.variant, cell(m, 'recordsPerSec', formatCount), cell(m, 'mbPerSec'), cell(m, 'p50Ms'), cell(m, 'p99Ms'), cell(m, 'p999Ms'), cell(m, 'maxMs'), String(m.runs.length), ratio]
  })
  // A system that could not be installed or started at all still gets its line in every table.
  for (const [system, why] of results.unavailable) rows.push([system, '-', `not measured: ${why.slice(0, 160)}`, '', '', '', '', '', '', ''])
  const ratioTitle = lowerIsBetter ? `peer p99 / faecie p99` : `faecie / peer (${ratioMetric})`
  return markdownTable(['system', 'case', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'runs', ratioTitle], rows)
}

function unavailableLines(results: Results): string {
  if (results.unavailable.size === 0) return ''
  return `\n\nNot measured:\n${[...results.unavailable].map(([system, why]) => `- **${system}**: not measured: ${why}`).join('\n')}`
}

function barChart(results: Results, workload: string, title: string, metric: Metric, unit: string): string {
  const ms = results.of(workload).filter((m) => m.runs.length > 0 && medianOf(m, metric) !== undefined)
  // Produce before consume, whatever order they were measured in.
  const variants = [...new Set(ms.map((m) => m.variant))].sort((a, b) => Number(a.startsWith('consume')) - Number(b.startsWith('consume')))
  const systems = [...new Set(ms.map((m) => m.system))]
  return barChartSvg({
    title, unit, categories: variants,
    series: systems.map((system) => ({ name: system, values: variants.map((v) => medianOf(results.get(workload, system, v), metric)) })),
  })
}

export function writeReport(input: ReportInput): void {
  const { results, profile, machine, workloads } = input
  mkdirSync(input.chartsDir, { recursive: true })
  // Every run's figures, as measured, beside the charts (the tables show only medians and ranges).
  writeFileSync(join(input.chartsDir, 'results.json'), `${JSON.stringify(savedRunOf(input), null, 1)}\n`)
  const chart = (name: string, svg: string): string => {
    writeFileSync(join(input.chartsDir, name), svg)
    return `![${name}](bench-results/${name})`
  }
  const header = (title: string, what: string): string => [
    `### ${title}`, '',
    `Command: \`${input.command}\` (profile ${profile.name}, ${profile.runs} run(s) per figure, median (min-max)); ${input.date}.`,
    `Machine: ${machineLine(machine)}.`, '', what, '', '',
  ].join('\n')
  const put = (name: string, markdown: string): void => writeBenchmarkSection(input.benchmarksFile, name, markdown)

  put('suite', targetsSection(input) + unavailableLines(results))
  if (workloads.has('throughput')) {
    put('suite-throughput', header('100-byte records, 1 partition, max throughput',
      `${formatCount(profile.smallRecords)} records of 100 random bytes to a topic of 1 partition (Redis: one stream; NATS: one stream), one producer, acks 1 (faecie flush \`never\`, as Kafka does not fsync), as fast as it goes; then the same records read back from the start by one consumer. The peers' Node clients send ${Math.round(profile.nodePeerShare * 100)}% as many records. Kafka's ProducerPerformance runs with \`batch.size=1048576 linger.ms=5\` (faecie's client defaults), its ConsumerPerformance figure is its fetch rate (without the group join). Latency: per send (a batch), from the call to its acknowledgement.`) +
      figuresTable(results, 'throughput', (v) => (v.startsWith('consume') ? 'consume' : 'produce'), 'recordsPerSec') + '\n\n' +
      chart('throughput.svg', barChart(results, 'throughput', '100-byte records, 1 partition: records/s (median)', 'recordsPerSec', 'records/s')))
  }
  if (workloads.has('kb16')) {
    put('suite-kb16', header(`1 KB records, ${profile.kbPartitions} partitions`,
      `${formatCount(profile.kbRecords)} records of 1024 bytes, keyless, to ${profile.kbPartitions} partitions (Redis: ${profile.kbPartitions} streams; NATS: one stream), one producer, acks 1, flush \`never\`.`) +
      figuresTable(results, 'kb16', () => 'produce', 'recordsPerSec') + '\n\n' +
      chart('kb16.svg', barChart(results, 'kb16', `1 KB records, ${profile.kbPartitions} partitions: MB/s (median)`, 'mbPerSec', 'MB/s')))
  }
  if (workloads.has('partitions')) put('suite-partitions', partitionsSection(results, profile, header, chart))
  if (workloads.has('latency')) {
    put('suite-latency', header(`End-to-end latency at ${profile.latencyRates.map((r) => formatCount(r)).join(' and ')} records/s`, latencyIntro(profile)) +
      latencyBody(results, (workload) => figuresTable(results, workload, () => 'flush never', 'p99Ms', true)) + '\n\n' +
      chart('latency.svg', latencyChart(results)))
  }
  if (workloads.has('durable')) {
    put('suite-durable', header('Durable acks at max throughput',
      `${formatCount(profile.durableRecords)} records of 100 bytes, 1 partition, an acknowledgement only once the record is on disk: faecie flush \`always\` (fdatasync before the high watermark moves); Redis \`appendonly yes\`, \`appendfsync always\`; NATS JetStream file storage with \`sync_interval: always\` (${formatCount(profile.durablePerRecordSyncRecords)} records only: it fsyncs each one on its own); Kafka acks=all (which on one broker does not fsync: the row with \`flush.messages=1\` does, with a tenth of the records).`) +
      figuresTable(results, 'durable', () => 'flush always, acks all', 'recordsPerSec') + '\n\n' +
      chart('durable.svg', barChart(results, 'durable', 'Durable acks: records/s (median)', 'recordsPerSec', 'records/s')))
  }
  if (workloads.has('replication')) {
    put('suite-replication', header('Replication: three brokers, RF 1 and 3, acks 1 and all; failover', replicationIntro(profile)) + replicationBody(results, profile, chart))
  }
  if (workloads.has('kafka-tools')) {
    put('suite-kafka-tools', header("Kafka's own perf tools: faecie's Kafka listener and Apache Kafka", kafkaToolsIntro(profile)) + kafkaToolsTable(results))
  }
  if (workloads.has('ceiling') || workloads.has('throughput') || workloads.has('durable')) {
    put('suite-ceiling', header('The raw ceiling', CEILING_INTRO) + ceilingBody(results))
  }
  if (workloads.has('fanout')) put('suite-fanout', header('Live fan-out to many WebSocket subscribers', fanoutIntro(profile)) + fanoutBody(results, profile))
  if (workloads.has('browser')) put('suite-browser', header('The client in a browser (headless Chromium)', browserIntro(profile)) + browserBody(results, profile))
  if (workloads.has('quota')) put('suite-quota', header('Client quotas: a producer and a consumer over their quota', quotaIntro(profile)) + quotaBody(results, profile))
  const rssRows = [...results.rssBytes].map(([system, bytes]) => [system, formatCount(bytes / (1024 * 1024))])
  // The memory figures come from each system's own broker: a run of the replication or kafka-tools workload alone keeps the earlier ones.
  if (rssRows.length > 0 && [...workloads].some((w) => w !== 'replication' && w !== 'kafka-tools' && w !== 'fanout' && w !== 'browser' && w !== 'quota')) {
    put('suite-memory', header('Broker memory', 'The largest resident set (VmRSS of the server process, sampled every 250 ms) over all the workloads each server ran in this run.') +
      markdownTable(['server', 'max RSS MB'], rssRows) + '\n\n' +
      chart('memory.svg', barChartSvg({ title: 'Max RSS over the run (MB)', unit: 'MB', categories: ['max RSS'], series: [...results.rssBytes].map(([name, b]) => ({ name, values: [b / (1024 * 1024)] })) })))
  }
  if (workloads.has('decay') && profile.decaySeconds > 0) {
    const first = results.facts.get('decay.firstRecordsPerSec')
    const last = results.facts.get('decay.lastRecordsPerSec')
    const window = results.facts.get('decay.windowSeconds')
    const failed = results.get('decay', FAECIE, 'produce')?.notMeasured
    put('suite-decay', header(`Throughput decay over ${profile.decaySeconds} s`,
      `faecie only: 100-byte records to one partition (flush \`never\`) for about ${profile.decaySeconds} s, the topic bounded by \`retention.bytes\` = ${formatCount(profile.decayRetentionBytes)} (16 MiB segments, so retention deletes as it goes); the rate of the first ${window ?? 10} s against the last ${window ?? 10} s.`) +
      (first === undefined || last === undefined ? `not measured: ${failed ?? 'no run'}` :
        markdownTable(['first window records/s', 'last window records/s', 'last / first'], [[formatCount(first), formatCount(last), `${Math.round((last / first) * 100)}%`]])))
  }
}

function latencyChart(results: Results): string {
  // The bare path and faecie's cases the targets judge (push, two processes): the other cases are in the tables.
  const ms = results.of('latency').filter((m) => m.runs.length > 0 && (m.system !== 'faecie' || m.variant.endsWith('push, flush never, 2 processes') || m.variant.endsWith('push, flush always, 2 processes')))
  return barChartSvg({
    title: 'End-to-end latency (ms, median of runs; log scale)', unit: 'ms', log: true, categories: ['p50', 'p99', 'p99.9'],
    series: ms.map((m) => ({ name: `${m.system}, ${m.variant}`, values: (['p50Ms', 'p99Ms', 'p999Ms'] as const).map((k) => medianOf(m, k)) })),
  })
}

function partitionsSection(results: Results, profile: Profile, header: (t: string, w: string) => string, chart: (name: string, svg: string) => string): string {
  const series = [...new Set(results.of('partitions').map((m) => `${m.system}|${m.variant.replace(/, \d+$/, '')}`))]
  const counts = profile.partitionCounts
  const at = (key: string, n: number): Measurement | undefined => {
    const [system, variant] = key.split('|') as [string, string]
    return results.get('partitions', system, `${variant}, ${n}`)
  }
  const rows = counts.map((n) => [String(n), ...series.map((key) => {
    const m = at(key, n)
    if (m === undefined) return '-'
    if (m.runs.length === 0) return `not measured: ${(m.notMeasured ?? '').slice(0, 80)}`
    const best = Math.max(...counts.map((c) => medianOf(at(key, c), 'recordsPerSec') ?? 0))
    const median = medianOf(m, 'recordsPerSec') ?? 0
    return `${cell(m, 'recordsPerSec', formatCount)} (${best > 0 ? Math.round((median / best) * 100) : 0}% of best)`
  })])
  const names = series.map((key) => key.replace('|', ', '))
  return header('Partition scaling',
    `${formatCount(profile.partitionRecords)} records of 100 bytes, one producer, acks 1, to a topic of 1 to ${counts[counts.length - 1]} partitions: keyless (the sticky partitioner fills whole batches) and with random keys (every partition gets records, batches stay small); faecie with flush \`never\` and \`always\`. Aggregate records/s, and each point as a share of its series' best.`) +
    markdownTable(['partitions', ...names], rows) + '\n\n' +
    chart('partitions.svg', lineChartSvg({
      title: 'Partition scaling: records/s (median)', unit: 'records/s', xTitle: 'partitions', xLabels: counts.map(String),
      series: series.map((key, i) => ({ name: names[i]!, values: counts.map((n) => medianOf(at(key, n), 'recordsPerSec')) })),
    }))
}

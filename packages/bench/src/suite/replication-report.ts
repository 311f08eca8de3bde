// The replication workload's part of the report: the RF / acks cases of faecie beside Kafka (both
// three-broker clusters, records/s and p99 per send, faecie / Kafka), the failover timings per
// session timeout with their target (the session timeout + 1 s), a chart, and the issue 13 rows of
// the targets table. Pure functions of the results (tested in replication-report.test.ts).
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import { CLUSTER_BROKERS, DEFAULT_SESSION_TIMEOUT_MS, FAILOVER, KAFKA_HEARTBEAT_MS_FOR_SHORT_SESSION, REPLICATION, REPLICATION_CASES, SESSION_CASES, caseVariant, failoverVariant, minInsyncOf, type SessionCase } from './replication.js'
import type { Measurement, Results } from './results.js'
import { formatCount, formatFigure, formatRatio, formatSummary, summarize } from './stats.js'
import { barChartSvg } from './svg.js'

const FAECIE = 'faecie'
/** faecie's failover target: within its session timeout plus this (issue 13). */
export const FAILOVER_TARGET_SLACK_MS = 1_000

type Metric = 'recordsPerSec' | 'p99Ms' | 'failoverMs'

function values(m: Measurement | undefined, metric: Metric): number[] {
  return (m?.runs ?? []).map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
}

function median(m: Measurement | undefined, metric: Metric): number | undefined {
  const vs = values(m, metric)
  return vs.length === 0 ? undefined : summarize(vs).median
}

function cell(m: Measurement | undefined, metric: Metric, format: (n: number) => string = formatFigure): string {
  const vs = values(m, metric)
  if (vs.length > 0) return formatSummary(summarize(vs), format)
  return m?.notMeasured === undefined ? '-' : `not measured: ${m.notMeasured.slice(0, 120)}`
}

/** The peers measured in the workload (every system but faecie), by variant kind. */
function peers(results: Results, failover: boolean): string[] {
  const ms = results.of(REPLICATION).filter((m) => m.system !== FAECIE && m.variant.startsWith('failover') === failover)
  return [...new Set(ms.map((m) => m.system))]
}

/** faecie's session timeout in a session case. */
const faecieSessionMs = (s: SessionCase): number => s.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS.faecie

/** The RF / acks table: one row per case, faecie and each peer side by side. */
export function replicationTable(results: Results): string {
  const others = peers(results, false)
  const header = ['case', 'min.insync.replicas', 'faecie records/s', 'faecie p99 ms', ...others.flatMap((p) => [`${p} records/s`, `${p} p99 ms`, `faecie / ${p}`])]
  const rows = REPLICATION_CASES.map((c) => {
    const variant = caseVariant(c)
    const own = results.get(REPLICATION, FAECIE, variant)
    const ownRate = median(own, 'recordsPerSec')
    return [variant, String(minInsyncOf(c.replicationFactor)), cell(own, 'recordsPerSec', formatCount), cell(own, 'p99Ms'), ...others.flatMap((p) => {
      const peer = results.get(REPLICATION, p, variant)
      const peerRate = median(peer, 'recordsPerSec')
      return [cell(peer, 'recordsPerSec', formatCount), cell(peer, 'p99Ms'), ownRate === undefined || peerRate === undefined ? '-' : formatRatio(ownRate, peerRate)]
    })]
  })
  return markdownTable(header, rows)
}

/** The failover table: per session case, faecie (with its target) and each peer. */
export function failoverTable(results: Results): string {
  const rows: string[][] = []
  for (const s of SESSION_CASES) {
    const variant = failoverVariant(s)
    const own = results.get(REPLICATION, FAECIE, variant)
    const ownMs = median(own, 'failoverMs')
    const targetMs = faecieSessionMs(s) + FAILOVER_TARGET_SLACK_MS
    rows.push([s.name, FAECIE, own?.note ?? '-', cell(own, 'failoverMs', formatCount), String(values(own, 'failoverMs').length),
      `<= ${formatCount(targetMs)}: ${ownMs === undefined ? 'not measured' : ownMs <= targetMs ? 'yes' : '**no**'}`])
    for (const p of peers(results, true)) {
      const peer = results.get(REPLICATION, p, variant)
      if (peer === undefined) continue
      rows.push([s.name, p, peer.note ?? '-', cell(peer, 'failoverMs', formatCount), String(values(peer, 'failoverMs').length), '-'])
    }
  }
  return markdownTable(['session timeout', 'system', 'setting', 'failover ms', 'runs', 'target ms: met?'], rows)
}

/** The section's first paragraph: what the RF / acks cases run. */
export function replicationIntro(profile: Profile): string {
  return `Three brokers per system on this one machine: faecie with its own etcd (\`--cluster\`), Apache Kafka in KRaft mode with one dedicated controller and three brokers (heaps of 512 MB). ` +
    `${formatCount(profile.replicationRecords)} records of 100 bytes to a topic of one partition, one producer, as fast as it goes (faecie: \`faecie perf produce\`'s workload through @faecie/client given all ${CLUSTER_BROKERS} URLs, idempotent with acks all; flush \`never\`; Kafka: ProducerPerformance with \`batch.size=1048576 linger.ms=5\`), ` +
    'replication factor 1 and 3 with acks 1 and all; min.insync.replicas 2 at RF 3. Latency: per send (a batch), from the call to its acknowledgement.'
}

/** The section after its header and intro: both tables and the chart (written by `chart`). */
export function replicationBody(results: Results, profile: Profile, chart: (name: string, svg: string) => string): string {
  const systems = [FAECIE, ...peers(results, false)]
  return [
    replicationTable(results),
    '',
    `Failover: a topic of one partition, RF 3, min.insync.replicas 2; one producer sends one 100-byte record at a time with acks all; after ${FAILOVER.warmSends} acknowledged sends the partition's leader gets kill -9, and the time runs from the kill to the acknowledgement of the first send after it (by then from the new leader), client retries every ${FAILOVER.clientRetryInitialMs}-${FAILOVER.clientRetryMaxMs} ms; the killed broker is restarted and back in the ISR before the next run; median of ${profile.failoverRuns} run(s) (min-max). ` +
      `faecie through @faecie/client, Kafka through kafkajs. Default session timeouts: faecie ${formatCount(DEFAULT_SESSION_TIMEOUT_MS.faecie)} ms (\`--broker-session-timeout-ms\`), Kafka ${formatCount(DEFAULT_SESSION_TIMEOUT_MS.kafka)} ms (\`broker.session.timeout.ms\`, with its brokers' heartbeat every 2 s; under the 2 s session their heartbeat is every ${KAFKA_HEARTBEAT_MS_FOR_SHORT_SESSION} ms). faecie's target: within its session timeout + ${FAILOVER_TARGET_SLACK_MS / 1000} s.`,
    '',
    failoverTable(results),
    '',
    chart('replication.svg', barChartSvg({
      title: 'Three brokers: records/s by replication factor and acks (median)', unit: 'records/s',
      categories: REPLICATION_CASES.map(caseVariant),
      series: systems.map((system) => ({ name: system, values: REPLICATION_CASES.map((c) => median(results.get(REPLICATION, system, caseVariant(c)), 'recordsPerSec')) })),
    })),
  ].join('\n')
}

/** The issue 13 rows of the targets table. */
export function replicationTargetRows(results: Results): Array<{ target: string; measured: string; met: string }> {
  const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')
  const variant = caseVariant({ replicationFactor: 3, acks: 'all' })
  const own = median(results.get(REPLICATION, FAECIE, variant), 'recordsPerSec')
  const kafkaSystem = peers(results, false).find((p) => p.startsWith('kafka'))
  const kafka = kafkaSystem === undefined ? undefined : median(results.get(REPLICATION, kafkaSystem, variant), 'recordsPerSec')
  const rows = [{
    target: 'three brokers, RF 3, acks all: ahead of Apache Kafka\'s three brokers, RF 3, acks all',
    measured: own === undefined || kafka === undefined ? '-' : `${formatRatio(own, kafka)} Kafka's ${formatCount(kafka)} (${formatCount(own)} records/s)`,
    met: yes(own === undefined || kafka === undefined ? undefined : own > kafka),
  }]
  for (const s of SESSION_CASES) {
    const ms = median(results.get(REPLICATION, FAECIE, failoverVariant(s)), 'failoverMs')
    const targetMs = faecieSessionMs(s) + FAILOVER_TARGET_SLACK_MS
    rows.push({
      target: `failover (kill -9 of the leader to the first ack at the new leader), session timeout ${formatFigure(faecieSessionMs(s) / 1000)} s: within ${formatFigure(targetMs / 1000)} s`,
      measured: ms === undefined ? '-' : `${formatCount(ms)} ms`,
      met: yes(ms === undefined ? undefined : ms <= targetMs),
    })
  }
  return rows
}

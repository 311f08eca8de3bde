// The `kafka-tools` workload's part of BENCHMARKS.md (issue 17): Kafka's own ProducerPerformance and
// ConsumerPerformance against faecie's Kafka listener and against Apache Kafka, one row per broker
// and case with every figure the tools print (median of the runs, with min-max), faecie's ratio to
// Kafka, and the targets: faecie ahead of Kafka at acks 1 and at acks all.
import { KAFKA_VERSION } from '../peers/kafka-server.js'
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import type { Figures, Measurement, Results } from './results.js'
import { medianOf } from './report.js'
import { formatCount, formatFigure, formatRatio, formatSummary, summarize } from './stats.js'

export const KAFKA_TOOLS_WORKLOAD = 'kafka-tools'
/** The two systems of the workload's table. */
export const FAECIE_KAFKA_LISTENER = 'faecie (Kafka listener)'
export const KAFKA_BROKER = `kafka ${KAFKA_VERSION}`
export const KAFKA_TOOLS_ACKS = ['1', 'all'] as const
export const produceVariant = (acks: string): string => `produce, acks ${acks}`
export const CONSUME_VARIANT = 'consume (group)'
/**
 * The producer's settings beside bootstrap.servers and acks: the suite's (batches as large as
 * faecie's client makes, 1 MiB, linger 5 ms), the same for both brokers.
 */
export const KAFKA_TOOLS_PRODUCER_PROPS = ['batch.size=1048576', 'linger.ms=5']

type Metric = keyof Figures

function cell(m: Measurement, metric: Metric, format: (n: number) => string = formatFigure): string {
  const values = m.runs.map((r) => r[metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
  return values.length === 0 ? '-' : formatSummary(summarize(values), format)
}

const VARIANTS = [...KAFKA_TOOLS_ACKS.map(produceVariant), CONSUME_VARIANT]
const SYSTEMS = [FAECIE_KAFKA_LISTENER, KAFKA_BROKER]

/** One row per case and broker (faecie first), the ratio on faecie's rows. */
export function kafkaToolsTable(results: Results): string {
  const rows: string[][] = []
  for (const variant of VARIANTS) {
    for (const system of SYSTEMS) {
      const m = results.get(KAFKA_TOOLS_WORKLOAD, system, variant)
      if (m === undefined) continue
      if (m.runs.length === 0) {
        rows.push([variant, system, `not measured: ${(m.notMeasured ?? '').replace(/\s+/g, ' ').slice(0, 200)}`, '', '', '', '', '', '', '', '', '', '', ''])
        continue
      }
      const faecie = medianOf(results.get(KAFKA_TOOLS_WORKLOAD, FAECIE_KAFKA_LISTENER, variant), 'recordsPerSec')
      const kafka = medianOf(results.get(KAFKA_TOOLS_WORKLOAD, KAFKA_BROKER, variant), 'recordsPerSec')
      const ratio = system === FAECIE_KAFKA_LISTENER && faecie !== undefined && kafka !== undefined ? formatRatio(faecie, kafka) : ''
      rows.push([variant, system, cell(m, 'recordsPerSec', formatCount), cell(m, 'mbPerSec'), cell(m, 'avgMs'), cell(m, 'p50Ms'), cell(m, 'p95Ms'),
        cell(m, 'p99Ms'), cell(m, 'p999Ms'), cell(m, 'maxMs'), cell(m, 'brokerCpuUsPerRecord'), String(m.runs.length), m.runs.map((r) => formatCount(r.recordsPerSec ?? 0)).join(', '), ratio])
    }
  }
  return markdownTable(['case', 'broker', 'records/s', 'MB/s', 'avg ms', 'p50 ms', 'p95 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'broker CPU µs/record', 'runs', 'records/s of each run', 'faecie / Kafka'], rows)
}

/** The issue 17 rows of the targets table: faecie's Kafka listener ahead of Kafka, acks 1 and all. */
export function kafkaToolsTargetRows(results: Results): { target: string; measured: string; met: string }[] {
  return KAFKA_TOOLS_ACKS.map((acks) => {
    const faecie = medianOf(results.get(KAFKA_TOOLS_WORKLOAD, FAECIE_KAFKA_LISTENER, produceVariant(acks)), 'recordsPerSec')
    const kafka = medianOf(results.get(KAFKA_TOOLS_WORKLOAD, KAFKA_BROKER, produceVariant(acks)), 'recordsPerSec')
    const both = faecie !== undefined && kafka !== undefined
    return {
      target: `Kafka's ProducerPerformance, 100-byte records, 1 partition, acks ${acks}: faecie's Kafka listener ahead of Kafka's broker`,
      measured: both ? `${formatCount(faecie)} against ${formatCount(kafka)} records/s (${formatRatio(faecie, kafka)})` : '-',
      met: !both ? 'not measured' : faecie > kafka ? 'yes' : '**no**',
    }
  })
}

/** What the section says before its table. */
export function kafkaToolsIntro(profile: Profile): string {
  return [
    `One client, two brokers: Kafka ${KAFKA_VERSION}'s own \`ProducerPerformance\` (kafka-producer-perf-test) sends ${formatCount(profile.kafkaToolsRecords)} records of 100 bytes`,
    `to a topic of 1 partition (\`--throughput -1\`, \`${KAFKA_TOOLS_PRODUCER_PROPS.join(' ')}\`, acks=1 or acks=all), first to faecie's Kafka listener, then to Apache Kafka (one KRaft broker),`,
    'both up for the whole workload, the runs interleaved (the order flips every run); then `ConsumerPerformance` (kafka-consumer-perf-test, a consumer group with the classic protocol, Kafka\'s default) reads the acks=1 records back (its rate is the fetch rate, without the group join).',
    'Topics are made and deleted with Kafka\'s `TopicCommand`. Both brokers run their defaults, which differ in durability: faecie\'s topics flush `always` (fdatasync before the acknowledgement, acks 1 and all alike);',
    'Kafka does not fsync on acknowledgement (`flush.messages` unset: the OS writes back), and with one broker acks=all waits for no other replica. Latency is ProducerPerformance\'s, per record from send to acknowledgement.',
    '*Broker CPU* is the CPU time (user + system, all threads, from /proc) the broker process used over the run, per record: on a shared machine it varies far less than the rate, which the client (a JVM on the same cores) and the other load also set.',
  ].join(' ')
}

// The head of the suite's part of BENCHMARKS.md: how to run it, what it measures, and the issue's
// targets for faecie with what this run measured against each (target / measured / met?).
import { markdownTable } from './benchmarks-md.js'
import { machineLine } from './machine.js'
import type { ReportInput } from './report.js'
import { medianOf } from './report.js'
import { kafkaToolsTargetRows } from './kafka-tools-report.js'
import { replicationTargetRows } from './replication-report.js'
import { clientTargetRows } from './client-report.js'
import { latencyTargetRows } from './latency-report.js'
import { fanoutTargetRows } from './fanout-report.js'
import { browserTargetRows } from './browser-report.js'
import { quotaTargetRows } from './quota-report.js'
import { formatCount, formatFigure } from './stats.js'

const FAECIE = 'faecie'

export interface TargetRow { target: string; measured: string; met: string }

const pct = (n: number): string => `${Math.round(n * 100)}%`
const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')

export function targetRows(input: Pick<ReportInput, 'results'>): TargetRow[] {
  const { results } = input
  const rate = (workload: string, system: string, variant: string): number | undefined => medianOf(results.get(workload, system, variant), 'recordsPerSec')
  const durable = results.get('durable', FAECIE, 'flush always, acks all')
  const durableRate = medianOf(durable, 'recordsPerSec')
  const durableP99 = medianOf(durable, 'p99Ms')
  const fsyncP99 = medianOf(results.get('ceiling', 'raw disk', 'write 4 KiB + fdatasync'), 'p99Ms')
  const keyless = results.of('partitions').filter((m) => m.system === FAECIE && m.variant.startsWith('keyless, flush never')).map((m) => medianOf(m, 'recordsPerSec')).filter((v): v is number => v !== undefined)
  const rss = results.rssBytes.get(FAECIE)
  const first = results.facts.get('decay.firstRecordsPerSec')
  const last = results.facts.get('decay.lastRecordsPerSec')
  const fmt = (n: number | undefined, unit = ''): string => (n === undefined ? '-' : `${formatCount(n)}${unit}`)
  const both = <T>(a: T | undefined, b: T | undefined): [T, T] | undefined => (a === undefined || b === undefined ? undefined : [a, b])
  const ratio = (pair: [number, number] | undefined): number | undefined => (pair === undefined ? undefined : pair[0] / pair[1])
  const produce = rate('throughput', FAECIE, 'produce')
  const durableShare = ratio(both(durableRate, produce))
  const fsyncShare = ratio(both(durableP99, fsyncP99))
  const worst = keyless.length === 0 ? undefined : Math.min(...keyless) / Math.max(...keyless)
  const decay = ratio(both(last, first))
  return [
    ...clientTargetRows(results),
    ...latencyTargetRows(results),
    { target: 'durable acks (flush always): >= 75% of the acks=1 rate', measured: durableShare === undefined ? '-' : `${pct(durableShare)} (${fmt(durableRate)} records/s)`, met: yes(durableShare === undefined ? undefined : durableShare >= 0.75) },
    { target: '... p99 ack latency <= 2x the fsync p99', measured: fsyncShare === undefined ? '-' : `${formatFigure(durableP99!)} ms = ${formatFigure(fsyncShare)}x fsync p99 ${formatFigure(fsyncP99!)} ms`, met: yes(fsyncShare === undefined ? undefined : fsyncShare <= 2) },
    { target: 'partitions 1-1000, keyless, flush never: every point >= 70% of the best', measured: worst === undefined ? '-' : `worst point ${pct(worst)} of the best`, met: yes(worst === undefined ? undefined : worst >= 0.7) },
    { target: 'broker RSS under all of the above <= 512 MB', measured: rss === undefined ? '-' : `${formatCount(rss / (1024 * 1024))} MB`, met: yes(rss === undefined ? undefined : rss <= 512 * 1024 * 1024) },
    { target: '60 s bounded by retention.bytes: last 10 s >= 85% of the first 10 s', measured: decay === undefined ? '-' : pct(decay), met: yes(decay === undefined ? undefined : decay >= 0.85) },
    ...replicationTargetRows(results),
    ...kafkaToolsTargetRows(results),
    ...fanoutTargetRows(results),
    ...browserTargetRows(results),
    ...quotaTargetRows(results),
  ]
}

export function targetsSection(input: ReportInput): string {
  const rows = targetRows(input).map((t) => [t.target, t.measured, t.met])
  return [
    '## faecie and its peers (`pnpm bench`)',
    '',
    `Last written by \`${input.command}\` (profile ${input.profile.name}) on ${input.date}.`,
    `Machine: ${machineLine(input.machine)}. Broker and load generators share it.`,
    ...(input.kept ?? []).map((k) => `Figures of ${k.workloads.join(', ')} (not in that run) are kept from \`${k.command}\` on ${k.date} (\`bench-results/results.json\`).`),
    '',
    'How to run: `pnpm bench` (the full profile, about 25 minutes on 2 cores; at least 3 runs per figure), `pnpm bench --quick` (every workload tiny, one run, partition scaling at 1, 8 and 64 only, no decay check: a smoke test of the whole suite in under 3 minutes; its figures say nothing), ' +
      '`--only faecie,raw,kafka,redis,nats` (systems), `--workloads throughput,kb16,partitions,latency,durable,decay,ceiling,replication,kafka-tools,fanout,browser,quota` (`replication`, only when named: three-broker clusters of faecie and Kafka, RF 1 and 3, acks 1 and all, and failover times; `kafka-tools`: Kafka\'s own ProducerPerformance / ConsumerPerformance against faecie\'s Kafka listener and against Kafka, runs interleaved; `fanout`: one producer, thousands of WebSocket subscribers, beside a bare `ws` fan-out, NATS core and Redis pub/sub; `browser`: the client in headless Chromium; `quota`: a producer and a consumer against a broker with client quotas), `--runs N`, `--scale F` (multiplies the record counts), `--decay-seconds S`. The figures of every run are also saved in \`bench-results/results.json\`. ' +
      'It builds, starts what it needs on 127.0.0.1 (a faecie broker with a temp data dir; Kafka\'s jars (the version the tests use, from their cache `~/.cache/faecie-test` when there, else fetched from Maven Central into `~/.cache/faecie-bench`); `redis-server` and `redis-tools` from Debian when missing; `nats-server` and `nats` built with `go install`), ' +
      'runs the same workloads against each, stops every process it started by PID (also on a failure or Ctrl-C), rewrites only the `bench:suite*` sections below and writes SVG charts to `bench-results/`. A peer that cannot be installed or started is reported as not measured and the run goes on.',
    '',
    'Systems: **faecie** (the broker as built, default settings, driven by `@faecie/bench`\'s own `perf` workloads and the real client); **raw ws (acks only)**: the same client against a bare `ws` server that decodes and acknowledges each frame and stores nothing (the ceiling of the client and the socket); **raw disk**: `fs` appends and `fdatasync` latency; ' +
      '**Apache Kafka** (one KRaft broker) driven by its own `ProducerPerformance` / `ConsumerPerformance` / `EndToEndLatency` and by **kafkajs**; **Redis Streams** through **ioredis** (XADD / XREAD pipelined) and **redis-benchmark** XADD `-P 64`; **NATS JetStream** through the **nats** npm client (async publish window, ordered consumer) and **`nats bench js pub async`**. The `replication` workload runs three-broker clusters instead: faecie with its own etcd, Kafka in KRaft mode with one controller and three brokers.',
    '',
    '### Targets (from issues 5, 13, 17, 18 and 19)',
    '',
    markdownTable(['target', 'measured', 'met?'], rows),
  ].join('\n')
}

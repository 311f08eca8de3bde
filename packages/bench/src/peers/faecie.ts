// faecie in the bench suite: a broker (the built packages/broker/dist/main.js, default settings, a
// temp data dir, 127.0.0.1, any free port) driven by @faecie/bench's own workloads (runProduce,
// runConsume: the real client, as `faecie perf` runs them, in this process; runLatency in a fresh
// process of its own, faecie-latency-peer.ts) and, for the random-key series, by the suite's
// produce loop through the same client. Each run gets a fresh topic, deleted
// after it (the broker caps partitions in all). The broker's RSS is sampled throughout. The
// replication workload runs on three-broker clusters of its own (replication-faecie.ts).
import { join } from 'node:path'
import { Faecie } from '@faecie/client'
import { Progress, type PerfResult, runConsume, runProduce, type WorkloadContext } from '../index.js'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, within } from '../suite/harness.js'
import { RssSampler, type Started, outputLine, peerScript, runToolOk, startProcess, tempDir } from '../suite/processes.js'
import { lastJsonLine } from '../suite/parsers.js'
import { OWN_BROKER_WORKLOADS } from '../suite/profile.js'
import type { Figures } from '../suite/results.js'
import { latencyRecordsAt, latencyVariant, latencyWarmupRecordsAt } from './bare-path.js'
import { keyedProduce } from './faecie-keyed.js'
import { benchFaecieReplication } from './replication-faecie.js'

export const FAECIE = 'faecie'
const START_TIMEOUT_MS = 30_000
const CONNECT_TIMEOUT_MS = 10_000

export interface FaecieBroker {
  url: string
  /** host:port of its Kafka listener (`--kafka-port 0`: the port its `kafka listening` line names). */
  kafkaBootstrap: string | undefined
  process: Started
  /** Its data dir (a suite temp dir, removed when the suite ends). */
  dataDir: string
}

/** Starts a broker (with `extraArgs` after the defaults) and waits for its `broker listening` log line. */
export async function startFaecieBroker(repoRoot: string, extraArgs: readonly string[] = []): Promise<FaecieBroker> {
  const dataDir = tempDir('faecie')
  const main = join(repoRoot, 'packages/broker/dist/main.js')
  const started = startProcess(process.execPath, [main, '--port', '0', '--kafka-port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: repoRoot,
    env: { ...process.env, FAECIE_LOG_LEVEL: 'info' },
  })
  try {
    const port = await outputLine(started, /"msg":"broker listening"[^\n]*?"port":(\d+)|"port":(\d+)[^\n]*?"msg":"broker listening"/, 'the faecie broker', START_TIMEOUT_MS)
    const k = /"port":(\d+)[^\n]*?"msg":"kafka listening"/.exec(started.output())
    return { url: `ws://127.0.0.1:${port}`, kafkaBootstrap: k === null ? undefined : `127.0.0.1:${k[1]}`, process: started, dataDir }
  } catch (err) {
    await started.stop()
    throw err
  }
}

export function workloadContext(url: string): WorkloadContext {
  return {
    newClient: () => new Faecie({ brokers: [url], clientId: 'faecie-bench', connectTimeoutMs: CONNECT_TIMEOUT_MS }),
    connected: (work) => within(CONNECT_TIMEOUT_MS, 'first contact with the broker', work),
  }
}

/** Time for a latency process to start and connect, past its own timeout. */
const LATENCY_PROCESS_SLACK_MS = 30_000

/**
 * One latency run in a fresh process (faecie-latency-peer.ts), as the bare path's producer and
 * subscriber run, not in this long-lived process that holds the run's figures. Its figures.
 */
export async function latencyInItsOwnProcess(
  brokerUrl: string,
  topic: string,
  run: { records: number; rate: number; mode: 'push' | 'fetch'; processes: 1 | 2; warmupRecords: number },
  timeoutMs: number,
): Promise<Figures> {
  const output = await runToolOk(process.execPath, [peerScript('faecie-latency-peer.js'), '--broker', brokerUrl, '--topic', topic,
    '--records', String(run.records), '--rate', String(run.rate), '--record-bytes', '100', '--mode', run.mode,
    '--processes', String(run.processes), '--warmup-records', String(run.warmupRecords), '--timeout-ms', String(timeoutMs)],
  timeoutMs + LATENCY_PROCESS_SLACK_MS)
  return figuresOf(lastJsonLine<PerfResult>(output, '{"records"', 'the latency process'))
}

/** Progress that also counts records per second of the run, for the decay check. */
class RateRecorder extends Progress {
  readonly perSecond: number[] = []
  private readonly started = performance.now()
  override add(count: number): void {
    super.add(count)
    const second = Math.floor((performance.now() - this.started) / 1000)
    while (this.perSecond.length <= second) this.perSecond.push(0)
    this.perSecond[second]! += count
  }
}

/** The single-broker workloads chosen (on one broker), then the replication workload (on clusters of its own). */
export async function benchFaecie(context: SuiteContext): Promise<void> {
  if (OWN_BROKER_WORKLOADS.some((w) => context.workloads.has(w))) await benchFaecieSingle(context)
  if (context.workloads.has('replication')) await benchFaecieReplication(context)
}

async function benchFaecieSingle(context: SuiteContext): Promise<void> {
  const { profile, workloads, results } = context
  const broker = await startFaecieBroker(context.repoRoot)
  const rss = new RssSampler(broker.process.pid)
  const wc = workloadContext(broker.url)
  const admin = wc.newClient().admin()
  let topicSeq = 0
  /** A fresh topic for one run, deleted after it. */
  const withTopic = async <T>(partitions: number, config: Record<string, string>, work: (topic: string) => Promise<T>): Promise<T> => {
    const topic = `bench-${++topicSeq}`
    await wc.connected(admin.createTopics({ topics: [{ topic, numPartitions: partitions, config }] }))
    try {
      return await work(topic)
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    }
  }
  const never = { flush: 'never' }
  const always = { flush: 'always' }
  const timeoutMs = profile.toolTimeoutMs
  try {
    // The client runs in this process: a first, unmeasured run warms its JIT for every figure after it.
    context.log(`  faecie: warm-up, ${profile.warmupRecords.toLocaleString('en-US')} records (not measured)`)
    const warm = await withTopic(1, never, (topic) => within(timeoutMs, 'warm-up', runProduce({ topic, records: profile.warmupRecords, recordBytes: 100, producers: 1, acks: 1, throughput: -1 }, wc)))
    results.facts.set('faecie.warmupRecordsPerSec', warm.recordsPerSec)
    if (workloads.has('throughput')) {
      // Produce, then read the same records back: one run gives both figures.
      const consumed: number[] = []
      await measure(context, { workload: 'throughput', system: FAECIE, variant: 'produce' }, () => withTopic(1, never, async (topic) => {
        const produced = await within(timeoutMs, 'produce', runProduce({ topic, records: profile.smallRecords, recordBytes: 100, producers: 1, acks: 1, throughput: -1 }, wc))
        try {
          const read = await runConsume({ topic, records: profile.smallRecords, partitions: [0], timeoutMs }, wc)
          results.add('throughput', FAECIE, 'consume', figuresOf(read))
          consumed.push(read.recordsPerSec)
        } catch (err) {
          results.fail('throughput', FAECIE, 'consume', String(err))
        }
        return figuresOf(produced)
      }))
    }
    if (workloads.has('kb16')) {
      await measure(context, { workload: 'kb16', system: FAECIE, variant: 'produce' }, () => withTopic(profile.kbPartitions, never, async (topic) =>
        figuresOf(await within(timeoutMs, 'produce', runProduce({ topic, records: profile.kbRecords, recordBytes: 1024, producers: 1, acks: 1, throughput: -1 }, wc)))))
    }
    if (workloads.has('partitions')) {
      // One topic per point for all its runs, keyless and keyed in turn: making and deleting a topic
      // of 1,000 partitions takes seconds, and the broker caps the partitions it holds in all.
      for (const flush of [never, always]) {
        for (const partitions of profile.partitionCounts) {
          await withTopic(partitions, flush, async (topic) => {
            for (let run = 0; run < profile.runs; run++) {
              await measure(context, { workload: 'partitions', system: FAECIE, variant: `keyless, flush ${flush.flush}, ${partitions}` }, async () =>
                figuresOf(await within(timeoutMs, 'produce', runProduce({ topic, records: profile.partitionRecords, recordBytes: 100, producers: 1, acks: 1, throughput: -1 }, wc))), 1)
              await measure(context, { workload: 'partitions', system: FAECIE, variant: `random keys, flush ${flush.flush}, ${partitions}` }, async () =>
                figuresOf(await within(timeoutMs, 'produce', keyedProduce(wc, topic, profile.partitionRecords, 100))), 1)
            }
          })
        }
      }
    }
    if (workloads.has('latency')) {
      // At each rate as long as the bare path runs (bare-path.ts); push and fetch, flush never and
      // always, the consumer in this process and in a child; the bare path's variants are `rate R`.
      for (const rate of profile.latencyRates) {
        const records = latencyRecordsAt(profile, rate)
        for (const flush of [never, always]) {
          for (const mode of ['push', 'fetch'] as const) {
            for (const processes of [1, 2] as const) {
              const variant = latencyVariant(rate, mode, `flush ${flush.flush}`, processes === 1 ? '1 process' : '2 processes')
              // The cases the targets judge (push, two processes) get every run; the others one, to keep the workload short.
              const runs = mode === 'push' && processes === 2 ? profile.runs : 1
              await measure(context, { workload: 'latency', system: FAECIE, variant }, () => withTopic(1, flush, async (topic) =>
                latencyInItsOwnProcess(broker.url, topic, { records, rate, mode, processes, warmupRecords: latencyWarmupRecordsAt(rate) }, timeoutMs)), runs)
            }
          }
        }
      }
    }
    if (workloads.has('durable')) {
      await measure(context, { workload: 'durable', system: FAECIE, variant: 'flush always, acks all' }, () => withTopic(1, always, async (topic) =>
        figuresOf(await within(timeoutMs, 'produce', runProduce({ topic, records: profile.durableRecords, recordBytes: 100, producers: 1, acks: 'all', throughput: -1 }, wc)))))
      await measure(context, { workload: 'durable', system: FAECIE, variant: 'flush always, acks 1' }, () => withTopic(1, always, async (topic) =>
        figuresOf(await within(timeoutMs, 'produce', runProduce({ topic, records: profile.durableRecords, recordBytes: 100, producers: 1, acks: 1, throughput: -1 }, wc)))))
    }
    if (workloads.has('decay') && profile.decaySeconds > 0) {
      await decayCheck(context, wc, withTopic)
    }
  } finally {
    results.rss(FAECIE, rss.stop())
    await admin.disconnect().catch(() => undefined)
    await broker.process.stop()
  }
}

/**
 * Produces for about `decaySeconds` into a topic bounded by retention.bytes (small segments so that
 * retention deletes as it goes) and compares the rate of the first 10 s with the last 10 s.
 */
async function decayCheck(
  context: SuiteContext,
  wc: WorkloadContext,
  withTopic: <T>(partitions: number, config: Record<string, string>, work: (topic: string) => Promise<T>) => Promise<T>,
): Promise<void> {
  const { profile, results } = context
  const measured = results.get('throughput', FAECIE, 'produce')?.runs.map((r) => r.recordsPerSec ?? 0) ?? []
  const rate = Math.max(100_000, results.facts.get('faecie.warmupRecordsPerSec') ?? 0, ...measured)
  const config = { flush: 'never', 'retention.bytes': String(profile.decayRetentionBytes), 'segment.bytes': String(16 * 1024 * 1024) }
  context.log(`  faecie / decay: ${profile.decaySeconds} s of produce, retention.bytes ${profile.decayRetentionBytes}`)
  try {
    await withTopic(1, config, async (topic) => {
      // Back-to-back runs of about 2 s each (the rate is not known ahead) until the time is up; the
      // recorder counts records per second across them.
      const recorder = new RateRecorder({ label: 'decay', total: Math.round(rate * profile.decaySeconds) })
      const chunk = Math.max(100_000, Math.round(rate * 2))
      const endMs = performance.now() + profile.decaySeconds * 1000
      try {
        while (performance.now() < endMs) {
          await within(profile.toolTimeoutMs, 'decay run', runProduce({ topic, records: chunk, recordBytes: 100, producers: 1, acks: 1, throughput: -1 }, { ...wc, progress: recorder }))
        }
      } finally {
        recorder.stop()
      }
      const seconds = recorder.perSecond.slice(0, -1) // the last second is partial
      const window = Math.min(10, Math.floor(seconds.length / 2))
      if (window < 1) throw new Error('the decay run was too short to compare')
      const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
      const first = sum(seconds.slice(0, window)) / window
      const last = sum(seconds.slice(-window)) / window
      results.facts.set('decay.firstRecordsPerSec', first)
      results.facts.set('decay.lastRecordsPerSec', last)
      results.facts.set('decay.seconds', seconds.length)
      results.facts.set('decay.windowSeconds', window)
      context.log(`    first ${window} s ${Math.round(first)} records/s, last ${window} s ${Math.round(last)} records/s`)
    })
  } catch (err) {
    results.fail('decay', FAECIE, 'produce', String(err))
  }
}

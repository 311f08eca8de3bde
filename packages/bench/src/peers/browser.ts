// The `browser` workload (issue 18): faecie's client in headless Chromium (Debian's, through
// playwright-core; browser/driver.ts) against a faecie broker of its own that allows the bench
// page's origin, beside the same workloads from Node against the same broker, runs interleaved
// (Node first in even runs, the browser first in odd ones). Both sides run the same code
// (produce.ts, consume.ts, latency.ts): produce N records of 100 B to one partition (acks 1, flush
// never) as fast as it goes, consume them back from one partition, and end-to-end latency at a
// fixed rate with producer and push consumer in the same page (process). The browser's latency runs
// twice: with timers of Node's resolution in the page (the client's figure: see browser/page.ts on
// Chromium's 4 ms clamp of the pacing loop's timers) and with the page's own timers. Each side's own
// ceiling is measured beside it, against a server that only acks (raw-server.ts): ready-made produce
// frames over that runtime's WebSocket with no client in the loop (pre-encoded.ts), and the client's
// producer against the same server. A lag that the pre-encoded frames show too is the runtime's
// WebSocket, not the client.
import { runConsume, runLatency, runProduce, type PerfResult, type WorkloadContext } from '../index.js'
import { findChromium, startBrowserBench, type BrowserBench } from '../browser/driver.js'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, within } from '../suite/harness.js'
import { removeTempDir } from '../suite/processes.js'
import type { Figures } from '../suite/results.js'
import { formatCount } from '../suite/stats.js'
import { startFaecieBroker, workloadContext, type FaecieBroker } from './faecie.js'
import { preEncodedFromNode, startRawServer } from './raw.js'

export const BROWSER_WORKLOAD = 'browser'
export const BROWSER_SYSTEM = 'faecie (browser)'
export const NODE_SYSTEM = 'faecie (node)'
const RECORD_BYTES = 100
/** The pre-encoded frames' batch and window, as the Node ceiling's (raw.ts). */
const PRE_ENCODED_BATCH_RECORDS = 1000
const PRE_ENCODED_IN_FLIGHT = 16
/** The variants measured against the server that only acks. */
export const PRE_ENCODED_VARIANT = 'pre-encoded frames, server that only acks'
export const ACKER_PRODUCE_VARIANT = 'produce, server that only acks'

/** The variant name of the latency case at `rate` records/s. */
export function latencyVariant(rate: number): string {
  return `latency at ${formatCount(rate)}/s`
}

/** The browser's latency case with the page's own timers (clamped to >= 4 ms when nested). */
export function clampedLatencyVariant(rate: number): string {
  return `${latencyVariant(rate)}, browser timers`
}

export interface BrowserBroker extends FaecieBroker {
  /** Stops the broker and removes its data dir. */
  stop(): Promise<void>
}

/** A faecie broker (startFaecieBroker) that also allows `origin`'s pages. */
export async function startBrowserBroker(repoRoot: string, origin: string): Promise<BrowserBroker> {
  const broker = await startFaecieBroker(repoRoot, ['--allowed-origins', origin])
  const stop = async (): Promise<void> => {
    await broker.process.stop()
    removeTempDir(broker.dataDir)
  }
  return { ...broker, stop }
}

/** One side's workloads: Node's (in this process) or the page's. */
interface Side {
  system: string
  produce(topic: string, records: number): Promise<PerfResult>
  consume(topic: string, records: number): Promise<PerfResult>
  latency(topic: string): Promise<PerfResult>
  /** Ready-made frames to the server that only acks: records/s and MB/s. */
  preEncoded(records: number): Promise<Figures>
  /** The client's producer against the server that only acks. */
  produceToAcker(records: number): Promise<PerfResult>
}

export async function benchBrowser(context: SuiteContext): Promise<void> {
  const { log } = context
  const executablePath = findChromium()
  if (executablePath === undefined) throw new Error('no Chromium found: install Debian\'s `chromium` (apt-get install chromium) or set FAECIE_CHROMIUM')
  const bench = await startBrowserBench(executablePath)
  let broker: BrowserBroker | undefined
  let acker: { url: string; stop(): Promise<void> } | undefined
  try {
    broker = await startBrowserBroker(context.repoRoot, bench.origin)
    acker = await startRawServer()
    log(`  Chromium ${bench.version} (${executablePath}), page at ${bench.origin}, broker at ${broker.url}, server that only acks at ${acker.url}`)
    await runInterleaved(context, bench, broker.url, acker.url)
  } finally {
    await bench.close()
    await broker?.stop()
    await acker?.stop()
  }
}

async function runInterleaved(context: SuiteContext, bench: BrowserBench, url: string, ackerUrl: string): Promise<void> {
  const { profile, results, log } = context
  const timeoutMs = profile.toolTimeoutMs
  const wc: WorkloadContext = workloadContext(url)
  const ackerContext: WorkloadContext = workloadContext(ackerUrl)
  const preEncodedOptions = (records: number) => ({ topic: 'bench-browser-frames', records, recordBytes: RECORD_BYTES, batchRecords: PRE_ENCODED_BATCH_RECORDS, inFlight: PRE_ENCODED_IN_FLIGHT })
  const admin = wc.newClient().admin()
  let topicSeq = 0
  const withTopic = async <T>(work: (topic: string) => Promise<T>): Promise<T> => {
    const topic = `bench-browser-${++topicSeq}`
    await wc.connected(admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { flush: 'never' } }] }))
    try {
      return await work(topic)
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    }
  }
  const latencyOptions = (topic: string) => ({ topic, records: profile.browserLatencyRecords, rate: profile.latencyRate, recordBytes: RECORD_BYTES, mode: 'push' as const, timeoutMs })
  const produceOptions = (topic: string, records: number) => ({ topic, records, recordBytes: RECORD_BYTES, producers: 1, acks: 1 as const, throughput: -1 })
  const consumeOptions = (topic: string, records: number) => ({ topic, records, partitions: [0], timeoutMs })
  const node: Side = {
    system: NODE_SYSTEM,
    produce: (topic, records) => within(timeoutMs, 'produce (node)', runProduce(produceOptions(topic, records), wc)),
    consume: (topic, records) => within(timeoutMs, 'consume (node)', runConsume(consumeOptions(topic, records), wc)),
    latency: (topic) => within(timeoutMs, 'latency (node)', runLatency(latencyOptions(topic), wc)),
    preEncoded: (records) => preEncodedFromNode(ackerUrl, records, timeoutMs),
    produceToAcker: (records) => within(timeoutMs, 'produce to the acker (node)', runProduce(produceOptions('bench-browser-acker', records), ackerContext)),
  }
  const browser: Side = {
    system: BROWSER_SYSTEM,
    produce: (topic, records) => within(timeoutMs, 'produce (browser)', bench.produce(url, produceOptions(topic, records))),
    consume: (topic, records) => within(timeoutMs, 'consume (browser)', bench.consume(url, consumeOptions(topic, records))),
    latency: (topic) => within(timeoutMs, 'latency (browser)', bench.latency(url, latencyOptions(topic), 'node')),
    preEncoded: async (records) => {
      const { recordsPerSec, mbPerSec } = await within(timeoutMs, 'pre-encoded frames (browser)', bench.preEncoded(ackerUrl, preEncodedOptions(records)))
      return { recordsPerSec, mbPerSec }
    },
    produceToAcker: (records) => within(timeoutMs, 'produce to the acker (browser)', bench.produce(ackerUrl, produceOptions('bench-browser-acker', records))),
  }
  const clamped = (topic: string): Promise<PerfResult> => within(timeoutMs, 'latency (browser timers)', bench.latency(url, latencyOptions(topic), 'browser'))
  const key = (side: Side, variant: string) => ({ workload: BROWSER_WORKLOAD, system: side.system, variant })
  try {
    // Both JITs warm up first, unmeasured: a produce and a consume of as many records as a run.
    const warmRecords = Math.min(profile.warmupRecords, profile.browserRecords)
    for (const side of [node, browser]) {
      log(`  ${side.system}: warm-up, ${formatCount(warmRecords)} records (not measured)`)
      await withTopic(async (topic) => {
        await side.produce(topic, warmRecords)
        await side.consume(topic, warmRecords)
      })
    }
    for (let run = 0; run < profile.runs; run++) {
      log(`  run ${run + 1} of ${profile.runs}`)
      for (const side of run % 2 === 0 ? [node, browser] : [browser, node]) {
        // Produce, then read the same records back.
        await withTopic(async (topic) => {
          let produced = false
          await measure(context, key(side, 'produce'), async () => {
            const figures = figuresOf(await side.produce(topic, profile.browserRecords))
            produced = true
            return figures
          }, 1)
          if (produced) await measure(context, key(side, 'consume'), async () => figuresOf(await side.consume(topic, profile.browserRecords)), 1)
          else results.fail(BROWSER_WORKLOAD, side.system, 'consume', 'the produce run before it failed')
        })
        // The same side's ceilings: its WebSocket with no client, then its client, to a server that only acks.
        await measure(context, key(side, PRE_ENCODED_VARIANT), () => side.preEncoded(profile.browserRecords), 1)
        await measure(context, key(side, ACKER_PRODUCE_VARIANT), async () => figuresOf(await side.produceToAcker(profile.browserRecords)), 1)
      }
      const latencies: [{ workload: string; system: string; variant: string }, (topic: string) => Promise<PerfResult>][] = [
        [key(node, latencyVariant(profile.latencyRate)), node.latency],
        [key(browser, latencyVariant(profile.latencyRate)), browser.latency],
        [key(browser, clampedLatencyVariant(profile.latencyRate)), clamped],
      ]
      for (const [which, latency] of run % 2 === 0 ? latencies : latencies.reverse()) {
        await withTopic((topic) => measure(context, which, async () => figuresOf(await latency(topic)), 1))
      }
    }
    for (const m of results.of(BROWSER_WORKLOAD)) {
      if (m.system === BROWSER_SYSTEM) results.annotate(BROWSER_WORKLOAD, m.system, m.variant, `Chromium ${bench.version}`)
    }
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

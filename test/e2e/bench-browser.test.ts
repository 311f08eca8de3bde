// The browser bench end to end, with a few hundred records: the page (bundle.ts) in headless Chromium
// (driver.ts) runs produce, consume and latency against a real broker started as peers/browser.ts
// starts it (built dist: `pnpm run build` first), and the results count every record; then the
// browser's ceiling, ready-made frames over the page's WebSocket to a server that only acks
// (raw-server.ts), is acknowledged in full. No timing is asserted. Debian's Chromium is installed when missing, as for the other e2e tests.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '@faecie/client'
import { startBrowserBroker, type BrowserBroker } from '../../packages/bench/src/peers/browser.js'
import { startBrowserBench, type BrowserBench } from '../../packages/bench/src/browser/driver.js'
import { startRawServer } from '../../packages/bench/src/peers/raw.js'
import { ensureChromium } from '../support/chromium.js'

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RECORDS = 300

let bench: BrowserBench | undefined
let broker: BrowserBroker | undefined

beforeAll(async () => {
  bench = await startBrowserBench(ensureChromium())
  broker = await startBrowserBroker(REPO_ROOT, bench.origin)
}, 120_000)

afterAll(async () => {
  await bench?.close()
  await broker?.stop()
})

async function createTopic(topic: string): Promise<void> {
  const admin = new Faecie({ brokers: [broker!.url], clientId: 'browser-bench-test' }).admin()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { flush: 'never' } }] })
  } finally {
    await admin.disconnect()
  }
}

describe('the browser bench page in headless Chromium', () => {
  it('produces, consumes and measures latency with the same workloads as Node', async () => {
    expect(bench!.version).toMatch(/^\d+\./)
    await createTopic('browser-bench')
    const produced = await bench!.produce(broker!.url, { topic: 'browser-bench', records: RECORDS, recordBytes: 100, producers: 1, acks: 1, throughput: -1 })
    expect(produced.records).toBe(RECORDS)
    expect(produced.recordsPerSec).toBeGreaterThan(0)
    const consumed = await bench!.consume(broker!.url, { topic: 'browser-bench', records: RECORDS, partitions: [0], timeoutMs: 30_000 })
    expect(consumed.records).toBe(RECORDS)
    expect(consumed.mbPerSec).toBeGreaterThan(0)
    for (const timers of ['node', 'browser'] as const) {
      const topic = `browser-latency-${timers}`
      await createTopic(topic)
      const latency = await bench!.latency(broker!.url, { topic, records: RECORDS, rate: 5_000, recordBytes: 100, mode: 'push', timeoutMs: 30_000 }, timers)
      expect(latency.records).toBe(RECORDS)
      expect(latency.p50Ms).toBeGreaterThan(0)
      expect(latency.maxMs).toBeGreaterThanOrEqual(latency.p99Ms)
    }
  })

  it('sends ready-made produce frames over the page\'s WebSocket until a server that only acks has acknowledged them all', async () => {
    const acker = await startRawServer()
    try {
      const sent = await bench!.preEncoded(acker.url, { topic: 'frames', records: 5_500, recordBytes: 100, batchRecords: 1_000, inFlight: 4 })
      expect(sent.records).toBe(6_000)
      expect(sent.frameBytes).toBeGreaterThan(100 * 1_000)
      expect(sent.recordsPerSec).toBeGreaterThan(0)
    } finally {
      await acker.stop()
    }
  })
})

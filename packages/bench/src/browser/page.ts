// The benchmark page's module, bundled for Chromium by bundle.ts: Node's own workloads (runProduce,
// runConsume, runLatency: the same source files, compiled for the browser) over @faecie/client's
// browser entry, which talks through the page's native WebSocket. driver.ts calls them through
// page.evaluate by name; each resolves with a plain PerfResult (no class, so it crosses unchanged).
// Runs in a browser: no `node:` imports here or in what it imports (bundle.ts shims node:crypto).
import { Faecie } from '@faecie/client'
import { runConsume, type ConsumeOptions } from '../consume.js'
import { runLatency, type LatencyOptions } from '../latency.js'
import { runProduce, type ProduceOptions } from '../produce.js'
import type { PerfResult } from '../result.js'
import type { WorkloadContext } from '../workload.js'

/** The first contact with the broker may take this long, as from Node (peers/faecie.ts). */
const CONNECT_TIMEOUT_MS = 10_000

/** What the page offers the driver, as `window.faecieBench`. */
export interface PageWorkloads {
  produce(brokerUrl: string, options: ProduceOptions): Promise<PerfResult>
  consume(brokerUrl: string, options: ConsumeOptions): Promise<PerfResult>
  latency(brokerUrl: string, options: LatencyOptions): Promise<PerfResult>
}

export type PageWorkload = keyof PageWorkloads

function pageContext(brokerUrl: string): WorkloadContext {
  return {
    newClient: () => new Faecie({ brokers: [brokerUrl], clientId: 'faecie-bench-browser', connectTimeoutMs: CONNECT_TIMEOUT_MS }),
    connected: async (work) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      try {
        return await Promise.race([work, new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`first contact with the broker took longer than ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS)
        })])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

const workloads: PageWorkloads = {
  produce: (brokerUrl, options) => runProduce(options, pageContext(brokerUrl)),
  consume: (brokerUrl, options) => runConsume(options, pageContext(brokerUrl)),
  latency: (brokerUrl, options) => runLatency(options, pageContext(brokerUrl)),
}

const page = globalThis as unknown as { faecieBench?: PageWorkloads; faecieBenchReady?: boolean }
page.faecieBench = workloads
page.faecieBenchReady = true

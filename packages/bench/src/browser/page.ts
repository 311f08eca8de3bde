// The benchmark page's module, bundled for Chromium by bundle.ts: Node's own workloads (runProduce,
// runConsume, runLatency: the same source files, compiled for the browser) over @faecie/client's
// browser entry, which talks through the page's native WebSocket, and the pre-encoded ceiling
// (pre-encoded.ts: ready-made frames over that WebSocket, no client). driver.ts calls them through
// page.evaluate by name; each resolves with a plain PerfResult (no class, so it crosses unchanged).
// Timers: Chromium clamps a setTimeout nested 5 deep or more to >= 4 ms, and latency.ts's pacing loop
// (await a 1 ms timeout, send what is due) nests without end, so it would tick every ~4.7 ms where
// Node's ticks every ~1.5 ms (measured here). With `timers: 'node'` the latency workload runs with
// timers under 4 ms going through scheduler.postTask({ delay }), which is not clamped (~1.7 ms a tick
// here) and does not spin; `'browser'` leaves the page's own timers.
// Runs in a browser: no `node:` imports here or in what it imports (bundle.ts shims node:crypto).
import { Faecie } from '@faecie/client'
import { runConsume, type ConsumeOptions } from '../consume.js'
import { runLatency, type LatencyOptions } from '../latency.js'
import { helloFrame, sendPreEncoded, type PreEncodedOptions, type PreEncodedResult } from '../pre-encoded.js'
import { runProduce, type ProduceOptions } from '../produce.js'
import type { PerfResult } from '../result.js'
import type { WorkloadContext } from '../workload.js'

/** The first contact with the broker may take this long, as from Node (peers/faecie.ts). */
const CONNECT_TIMEOUT_MS = 10_000

/** Chromium's clamp of nested timers: a delay at or above it is not changed by the clamp. */
const CLAMP_MS = 4

/** `node`: timers of at least 1 ms, unclamped, as Node's; `browser`: the page's own (clamped) timers. */
export type PageTimers = 'node' | 'browser'

/** What the page offers the driver, as `window.faecieBench`. */
export interface PageWorkloads {
  produce(brokerUrl: string, options: ProduceOptions): Promise<PerfResult>
  consume(brokerUrl: string, options: ConsumeOptions): Promise<PerfResult>
  latency(brokerUrl: string, options: LatencyOptions, timers: PageTimers): Promise<PerfResult>
  /** Ready-made produce frames over the page's WebSocket (pre-encoded.ts): the browser's ceiling. */
  preEncoded(serverUrl: string, options: PreEncodedOptions): Promise<PreEncodedResult>
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

type TimerCallback = (...args: unknown[]) => void
interface PostTaskScheduler {
  postTask(task: () => void, options: { delay: number; signal: AbortSignal }): Promise<unknown>
}
interface TimerGlobals {
  setTimeout(fn: TimerCallback, ms?: number, ...args: unknown[]): unknown
  clearTimeout(handle: unknown): void
  scheduler?: PostTaskScheduler
}

/** Runs `work` with Node-like timers: a delay under CLAMP_MS fires after max(1, delay) ms through scheduler.postTask. */
async function withNodeTimers<T>(work: () => Promise<T>): Promise<T> {
  const g = globalThis as unknown as TimerGlobals
  const scheduler = g.scheduler
  if (scheduler === undefined) throw new Error('this browser has no scheduler.postTask for unclamped timers')
  const nativeSet = g.setTimeout
  const nativeClear = g.clearTimeout
  g.setTimeout = (fn, ms = 0, ...args) => {
    if (typeof fn !== 'function' || ms >= CLAMP_MS) return nativeSet(fn, ms, ...args)
    const controller = new AbortController()
    scheduler.postTask(() => fn(...args), { delay: Math.max(1, ms), signal: controller.signal }).catch(() => undefined)
    return controller
  }
  g.clearTimeout = (handle) => (handle instanceof AbortController ? handle.abort() : nativeClear(handle))
  try {
    return await work()
  } finally {
    g.setTimeout = nativeSet
    g.clearTimeout = nativeClear
  }
}

/** pre-encoded.ts's run over the page's own WebSocket, after the hello is answered. */
async function preEncoded(serverUrl: string, options: PreEncodedOptions): Promise<PreEncodedResult> {
  const socket = new WebSocket(serverUrl.endsWith('/v1/ws') ? serverUrl : `${serverUrl}/v1/ws`)
  socket.binaryType = 'arraybuffer'
  try {
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve()
      socket.onerror = () => reject(new Error(`could not open ${serverUrl}`))
    })
    const hello = new Promise<void>((resolve) => {
      socket.onmessage = () => resolve()
    })
    socket.send(helloFrame('faecie-bench-browser-frames'))
    await hello
    return await sendPreEncoded({
      send: (frame) => socket.send(frame),
      onFrame: (listener) => {
        socket.onmessage = (event: MessageEvent) => listener(new Uint8Array(event.data as ArrayBuffer))
      },
      onClose: (listener) => {
        socket.onclose = () => listener()
      },
    }, options)
  } finally {
    socket.close()
  }
}

const workloads: PageWorkloads = {
  produce: (brokerUrl, options) => runProduce(options, pageContext(brokerUrl)),
  consume: (brokerUrl, options) => runConsume(options, pageContext(brokerUrl)),
  latency: (brokerUrl, options, timers) => (timers === 'node'
    ? withNodeTimers(() => runLatency(options, pageContext(brokerUrl)))
    : runLatency(options, pageContext(brokerUrl))),
  preEncoded,
}

const page = globalThis as unknown as { faecieBench?: PageWorkloads; faecieBenchReady?: boolean }
page.faecieBench = workloads
page.faecieBenchReady = true

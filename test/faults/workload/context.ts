// What every client of the workload shares: the options with their defaults, the op log, the stop
// signal, and how a client is made (a fresh @faecie/client on the bootstrap list as it is now: a
// restarted broker may listen elsewhere, so a client made again asks options.urls() again).
import { Faecie } from '@faecie/client'
import type { WorkloadOptions } from './workload.js'
import type { OpRecorder } from './recorder.js'

export interface ResolvedWorkloadOptions {
  urls: () => string[]
  topic: string
  partitions: number
  clock: () => number
  inFlightMax: number
  recordsPerSecMax: number
  requestTimeoutMs: number
  /** How long stop() waits for ops in flight before it closes them as unknown. */
  stopTimeoutMs: number
  /** How long readFinalLogs() waits for every partition's leader and full ISR, and for its records. */
  finalLogTimeoutMs: number
  /** How long stop() waits for each reader to reach the final high watermarks. */
  readerCatchUpTimeoutMs: number
}

export function resolveOptions(options: WorkloadOptions): ResolvedWorkloadOptions {
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`Workload: ${name} must be a number > 0, not ${String(v)}`)
    return v
  }
  if (typeof options.topic !== 'string' || options.topic === '') throw new TypeError('Workload: topic must be a non-empty string')
  if (!Number.isSafeInteger(options.partitions) || options.partitions < 1) throw new RangeError(`Workload: partitions must be an integer >= 1, not ${options.partitions}`)
  return {
    urls: options.urls,
    topic: options.topic,
    partitions: options.partitions,
    clock: options.clock,
    inFlightMax: Math.floor(positive('inFlightMax', options.inFlightMax, 8)),
    recordsPerSecMax: positive('recordsPerSecMax', options.recordsPerSecMax, 100),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 5_000),
    stopTimeoutMs: positive('stopTimeoutMs', options.stopTimeoutMs, 30_000),
    finalLogTimeoutMs: positive('finalLogTimeoutMs', options.finalLogTimeoutMs, 90_000),
    readerCatchUpTimeoutMs: positive('readerCatchUpTimeoutMs', options.readerCatchUpTimeoutMs, 30_000),
  }
}

/** A client that failed this many times in a row is made again (new connections, urls() asked again). */
export const FAILURES_BEFORE_RECREATE = 20
/** The pause before a crashed or unconnectable client is made again. */
export const RECREATE_BACKOFF_MS = 1_000
/** How long a client's disconnect() may take at the stop before it is left to finish alone. */
export const DISCONNECT_TIMEOUT_MS = 5_000

export class WorkloadContext {
  readonly stopper = new AbortController()

  constructor(readonly options: ResolvedWorkloadOptions, readonly recorder: OpRecorder) {}

  get stopping(): boolean {
    return this.stopper.signal.aborted
  }

  /** The bootstrap list now, as one string (to see that it changed). */
  urlsKey(): string {
    return this.options.urls().join(' ')
  }

  /** A new client on the bootstrap list as it is now. */
  client(clientId: string): Faecie {
    return new Faecie({
      clientId,
      brokers: this.options.urls(),
      requestTimeoutMs: this.options.requestTimeoutMs,
      connectTimeoutMs: Math.min(3_000, this.options.requestTimeoutMs),
    })
  }

  /** `promise`'s value, or undefined as soon as the workload stops. */
  untilStopped<T>(promise: Promise<T>): Promise<T | undefined> {
    const signal = this.stopper.signal
    if (signal.aborted) return Promise.resolve(undefined)
    let onAbort!: () => void
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined)
      signal.addEventListener('abort', onAbort, { once: true })
    })
    return Promise.race([promise, stopped]).finally(() => signal.removeEventListener('abort', onAbort))
  }

  /** Waits `ms`, or less if the workload stops meanwhile. */
  sleep(ms: number): Promise<void> {
    const signal = this.stopper.signal
    if (signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/** Runs a client's disconnect(), waiting for it at most DISCONNECT_TIMEOUT_MS; never throws. */
export async function disconnectWithin(part: { disconnect(): Promise<void> } | undefined): Promise<void> {
  if (part === undefined) return
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, DISCONNECT_TIMEOUT_MS) })
  await Promise.race([part.disconnect().catch(() => undefined), timeout])
  clearTimeout(timer)
}

// Load loops shared by the peers' Node clients (kafkajs, ioredis, nats.js) and faecie's keyed
// series, so that each system is driven the same way: values made before the clock starts (the
// package's Payloads), sends of `batchRecords` records with at most `windowBatches` in flight, each
// send's latency counted once per record it carries; and end-to-end latency at a fixed rate with
// the intended send time stamped in each value's first 8 bytes (corrected for coordinated omission,
// as `faecie perf latency` does).
import { Payloads, latencyHistogram, perfResult, type PerfResult } from '../index.js'
import { sendAtRate, stampOf } from '../latency.js'
import { elapsedUs } from '../result.js'
import { SendWindow } from '../send-window.js'
import type { Figures } from './results.js'

export interface ProduceLoopOptions {
  records: number
  recordBytes: number
  batchRecords: number
  windowBatches: number
  /** Sends the values; resolves once they are acknowledged. */
  send(values: Uint8Array[]): Promise<unknown>
}

/** Runs the loop and returns its figures (latency per send, counted per record). */
export async function produceLoop(options: ProduceLoopOptions): Promise<PerfResult> {
  const payloads = new Payloads(options.recordBytes)
  const latencies = latencyHistogram()
  const window = new SendWindow(options.windowBatches,
    (count, sentMs) => latencies.recordValueWithCount(elapsedUs(sentMs, performance.now()), count))
  let sent = 0
  const startMs = performance.now()
  while (sent < options.records && !window.failed) {
    const count = Math.min(options.batchRecords, options.records - sent)
    const values = new Array<Uint8Array>(count)
    for (let i = 0; i < count; i++) values[i] = payloads.take()
    const sentMs = performance.now()
    window.add(options.send(values), count, sentMs)
    sent += count
    await window.room()
  }
  await window.drain()
  const elapsedMs = performance.now() - startMs
  return perfResult(options.records, options.records * options.recordBytes, elapsedMs, latencies)
}

export interface LatencyLoopOptions {
  records: number
  rate: number
  recordBytes: number
  timeoutMs: number
  /** Sends values (each stamped with its intended send time); errors end the run. */
  send(values: Uint8Array[]): Promise<unknown>
}

/**
 * Sends `records` values at `rate`; `delivered(value)` (called by the peer's consumer for each value
 * that comes back) records its latency; `run()` sends and resolves when all came back.
 */
export function latencyLoop(options: LatencyLoopOptions): { delivered(value: Uint8Array): void; run(): Promise<PerfResult> } {
  const latencies = latencyHistogram()
  let received = 0
  let finish!: () => void
  let fail!: (err: unknown) => void
  const done = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject })
  const delivered = (value: Uint8Array): void => {
    if (received >= options.records || value.byteLength < 8) return
    latencies.recordValue(elapsedUs(stampOf(value), performance.now()))
    received++
    if (received >= options.records) finish()
  }
  const run = async (): Promise<PerfResult> => {
    const timer = setTimeout(() => fail(new Error(`only ${received} of ${options.records} records came back within ${options.timeoutMs} ms`)), options.timeoutMs)
    const startMs = performance.now()
    try {
      const sending = sendAtRate({ ...options, sendRecordsMax: SEND_RECORDS_MAX }, startMs, options.send).catch((err: unknown) => fail(err))
      await done
      await sending
    } finally {
      clearTimeout(timer)
    }
    return perfResult(received, received * options.recordBytes, performance.now() - startMs, latencies)
  }
  return { delivered, run }
}

/** The most records one send of the latency loop carries (when it has fallen behind, more are due). */
const SEND_RECORDS_MAX = 1000

/** The figures of a PerfResult, for Results. */
export function figuresOf(result: PerfResult): Figures {
  return { recordsPerSec: result.recordsPerSec, mbPerSec: result.mbPerSec, p50Ms: result.p50Ms, p99Ms: result.p99Ms, p999Ms: result.p999Ms, maxMs: result.maxMs }
}

/** Rejects with a clear message when `work` takes longer than `ms`. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

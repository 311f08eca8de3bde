// `faecie perf latency`: end-to-end latency, produce to delivery, at a fixed rate. One producer
// (lingerMs 0, acks 1) and one consumer in push mode by default (the broker pushes batches as they
// are appended; `fetch` long-polls instead), each on its own connection, in this one process, so
// both read the same clock. Record i is due at start + i / rate and carries that *intended* time in
// its first 8 bytes; its latency is delivery time minus intended time. So when the producer falls
// behind (a pause, a slow ack), the records that waited count their wait: the figures are corrected
// for coordinated omission without recordValueWithExpectedInterval (using both would count the
// wait twice). With `processes: 2` the consumer runs in a child process instead (latency-processes.ts),
// the shape of a real app; both then read the clock performance.timeOrigin + performance.now().
import type { ConsumerMode } from '@faecie/client'
import { Payloads } from './payload.js'
import { type PerfResult, elapsedUs, latencyHistogram, perfResult } from './result.js'
import { type WorkloadContext, deferred } from './workload.js'

export interface LatencyOptions {
  topic: string
  records: number
  /** Records per second. */
  rate: number
  /** At least TIMESTAMP_BYTES. */
  recordBytes: number
  mode: ConsumerMode
  timeoutMs: number
  /** 1 (default): producer and consumer in this process; 2: the consumer in a child process. */
  processes?: 1 | 2
  /** The brokers the child process connects to (required with processes 2). */
  brokers?: readonly string[]
  /**
   * Records sent first at the same rate and not counted (default 0): the JIT of a fresh consumer
   * process warms up on them, as the suite's own process warms up on its first unmeasured run.
   */
  warmupRecords?: number
}

/** The intended send time, a float64 of performance.now(), at the start of each value. */
export const TIMESTAMP_BYTES = 8
/** The producer sends what is due at least this often. */
const TICK_MS = 1

export async function runLatency(options: LatencyOptions, context: WorkloadContext): Promise<PerfResult> {
  if (options.recordBytes < TIMESTAMP_BYTES) throw new RangeError(`records need at least ${TIMESTAMP_BYTES} bytes`)
  if (options.processes === 2) {
    const { runLatencyInTwoProcesses } = await import('./latency-processes.js')
    return runLatencyInTwoProcesses(options, context)
  }
  const producerClient = context.newClient()
  const consumerClient = context.newClient()
  const producer = producerClient.producer({ acks: 1, idempotent: false, lingerMs: 0 })
  const consumer = consumerClient.consumer({ mode: options.mode, autoOffsetReset: 'latest', maxWaitMs: 100 })
  const admin = consumerClient.admin()
  const latencies = latencyHistogram()
  const done = deferred<void>()
  const warmupRecords = options.warmupRecords ?? 0
  let skipped = 0
  let received = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    // Reading starts at each partition's end as it is now, so no record of this run is missed.
    const ends = await context.connected(admin.fetchTopicOffsets(options.topic))
    await context.connected(consumer.connect())
    consumer.assign(ends.map(({ partition, offset }) => ({ topic: options.topic, partition, offset })))
    await context.connected(producer.connect())
    await context.connected(producer.send({ topic: options.topic, messages: [] }))
    consumer.on('crash', (err) => done.reject(err))
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const nowMs = performance.now()
        for (const m of batch.messages) {
          const value = m.value
          if (value === null || value.byteLength < TIMESTAMP_BYTES || received >= options.records) continue
          if (skipped < warmupRecords) {
            skipped++
            continue
          }
          latencies.recordValue(elapsedUs(stampOf(value), nowMs))
          received++
        }
        context.progress?.add(batch.messages.length)
        if (received >= options.records) done.resolve()
      },
    })
    timer = setTimeout(() => done.reject(new Error(`only ${received} of ${options.records} records came back within ${options.timeoutMs} ms (--timeout-ms)`)), options.timeoutMs)
    const startMs = performance.now()
    const send = (values: Uint8Array[]): Promise<unknown> => producer.send({ topic: options.topic, messages: values.map((value) => ({ value })) })
    const sending = sendAtRate({ ...options, records: warmupRecords + options.records }, startMs, send).catch((err: unknown) => done.reject(err))
    await done.promise
    await sending
    // From the first counted record's intended send time: the warm-up is not in the rate.
    const elapsedMs = performance.now() - (startMs + (warmupRecords * 1000) / options.rate)
    return perfResult(received, received * options.recordBytes, elapsedMs, latencies)
  } finally {
    clearTimeout(timer)
    await Promise.all([producer.disconnect(), consumer.disconnect(), admin.disconnect()].map((p) => p.catch(() => undefined)))
  }
}

export interface PacedSendOptions {
  records: number
  /** Records per second. */
  rate: number
  /** At least TIMESTAMP_BYTES. */
  recordBytes: number
  /** The most records one send carries when more are due (a peer may cap its request size). */
  sendRecordsMax?: number
  /** Added to each stamp (performance.timeOrigin: a clock another process shares); default 0. */
  stampOffsetMs?: number
}

/**
 * Sends record i at start + i / rate (or as soon after as it can), each value stamped with that
 * intended time in its first TIMESTAMP_BYTES; what is due goes out at least every TICK_MS. Resolves
 * when every send is acknowledged; throws the first failure.
 */
export async function sendAtRate(options: PacedSendOptions, startMs: number, send: (values: Uint8Array[]) => Promise<unknown>): Promise<void> {
  const intervalMs = 1000 / options.rate
  const sendRecordsMax = options.sendRecordsMax ?? Infinity
  const stampStartMs = startMs + (options.stampOffsetMs ?? 0)
  const payloads = new Payloads(options.recordBytes)
  const sends: Promise<unknown>[] = []
  let failure: unknown
  let next = 0
  while (next < options.records && failure === undefined) {
    const due = Math.min(options.records, Math.floor((performance.now() - startMs) / intervalMs) + 1)
    while (due > next) {
      const end = Math.min(due, next + sendRecordsMax)
      const values = new Array<Uint8Array>(end - next)
      for (let i = next; i < end; i++) {
        const value = payloads.take().slice()
        new DataView(value.buffer, value.byteOffset, TIMESTAMP_BYTES).setFloat64(0, stampStartMs + i * intervalMs, true)
        values[i - next] = value
      }
      sends.push(send(values).catch((err: unknown) => (failure ??= err)))
      next = end
    }
    const waitMs = Math.max(0, startMs + next * intervalMs - performance.now())
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(TICK_MS, waitMs)))
  }
  await Promise.all(sends)
  if (failure !== undefined) throw failure
}

/** The clock two processes share, in ms (stamps of runs in two processes, with stampOffsetMs performance.timeOrigin). */
export const sharedClockMs = (): number => performance.timeOrigin + performance.now()

/** The intended send time stamped in a value by sendAtRate. */
export function stampOf(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, TIMESTAMP_BYTES).getFloat64(0, true)
}

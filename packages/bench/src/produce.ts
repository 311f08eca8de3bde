// `faecie perf produce`: K producers, each on its own connection, send N records in all (keyless,
// so the sticky partitioner fills whole batches, as Kafka's ProducerPerformance does) of B random
// bytes made before the clock starts. Each producer calls sendValues() with BULK_SEND_RECORDS values
// at a time (the bulk path, what a tuned application does; `messages: true`: send() with
// SEND_RECORDS `{ value }` messages, kafkajs's shape) and keeps a bounded number of sends in flight; the latency of each send (call to
// acknowledgement, or to written out with acks 0) is recorded once for each record it carries. With
// a throughput R > 0, one token bucket shared by the producers holds them to R records/s in all.
import type { AcksOption, Producer } from '@faecie/client'
import { SendWindow } from './send-window.js'
import { Payloads } from './payload.js'
import { type Histogram, type PerfResult, elapsedUs, latencyHistogram, perfResult } from './result.js'
import { TokenBucket } from './token-bucket.js'
import type { WorkloadContext } from './workload.js'

export interface ProduceOptions {
  topic: string
  records: number
  recordBytes: number
  producers: number
  acks: AcksOption
  /** Records per second in all; 0 or less: as fast as the producers go. */
  throughput: number
  lingerMs?: number
  batchBytes?: number
  /** send() with a message object per record instead of sendValues(). */
  messages?: boolean
}

/** Records per send() call: enough to amortize a call, few enough to time sends finely. */
export const SEND_RECORDS = 64
/** Values per sendValues() call: about a batch's worth would do too; this keeps sends timed finely. */
export const BULK_SEND_RECORDS = 1000
/**
 * The bytes (records x size) one producer may have in flight, well under its buffer. Measured on
 * the 2-core machine, 1M records of 100 bytes: 16 MiB gave ~0.94 M records/s at p50 108 ms (the
 * sends only queued longer), 4 MiB ~1.04 M at p50 24 ms, 1 MiB ~0.5 M (batches left half empty).
 */
const IN_FLIGHT_BYTES_MAX = 4 * 1024 * 1024
const PRODUCER_BUFFER_BYTES = 64 * 1024 * 1024
/** What a record costs besides its value, by the producer's estimate. */
const RECORD_OVERHEAD_BYTES = 32

export async function runProduce(options: ProduceOptions, context: WorkloadContext): Promise<PerfResult> {
  const producers = Array.from({ length: options.producers }, () =>
    context.newClient().producer({
      acks: options.acks,
      idempotent: options.acks === 'all',
      bufferBytesMax: PRODUCER_BUFFER_BYTES,
      ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
      ...(options.batchBytes === undefined ? {} : { batchBytes: options.batchBytes }),
    }),
  )
  try {
    // Connected and the topic's metadata cached before the clock starts.
    await context.connected(Promise.all(producers.map(async (p) => {
      await p.connect()
      await p.send({ topic: options.topic, messages: [] })
    })))
    const payloads = new Payloads(options.recordBytes)
    const bucket = options.throughput > 0 ? new TokenBucket(options.throughput) : undefined
    const latencies = latencyHistogram()
    const shares = split(options.records, producers.length)
    const startMs = performance.now()
    await Promise.all(producers.map((producer, i) => sendShare(producer, shares[i]!, { options, payloads, bucket, latencies, context })))
    const elapsedMs = performance.now() - startMs
    return perfResult(options.records, options.records * options.recordBytes, elapsedMs, latencies)
  } finally {
    await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)))
  }
}

/** `total` split into `parts` shares that differ by at most one. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))
}

interface Shared {
  options: ProduceOptions
  payloads: Payloads
  bucket: TokenBucket | undefined
  latencies: Histogram
  context: WorkloadContext
}

/** One producer's part of the run; throws the first failed send. */
async function sendShare(producer: Producer, share: number, shared: Shared): Promise<void> {
  const { options, payloads, bucket, latencies, context } = shared
  const sendRecords = options.messages === true ? SEND_RECORDS : BULK_SEND_RECORDS
  const windowSends = Math.max(4, Math.floor(IN_FLIGHT_BYTES_MAX / (sendRecords * (options.recordBytes + RECORD_OVERHEAD_BYTES))))
  const window = new SendWindow(windowSends, (count, sentMs) => {
    latencies.recordValueWithCount(elapsedUs(sentMs, performance.now()), count)
    context.progress?.add(count)
  })
  // The bulk path's values array is reused: sendValues() is done with it when it returns.
  const values: Uint8Array[] = []
  let sent = 0
  while (sent < share && !window.failed) {
    const count = Math.min(sendRecords, share - sent)
    if (bucket !== undefined) await bucket.take(count)
    let sending: Promise<unknown>
    const sentMs = performance.now()
    if (options.messages === true) {
      const messages = new Array<{ value: Uint8Array }>(count)
      for (let i = 0; i < count; i++) messages[i] = { value: payloads.take() }
      sending = producer.send({ topic: options.topic, messages })
    } else {
      values.length = count
      for (let i = 0; i < count; i++) values[i] = payloads.take()
      sending = producer.sendValues({ topic: options.topic, values })
    }
    window.add(sending, count, sentMs)
    sent += count
    await window.room()
  }
  await window.drain()
}

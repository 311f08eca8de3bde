// The consumer side of `faecie perf latency --processes 2` (a child process forked by
// latency-processes.ts, talking over the IPC channel). Messages, parent -> child: one LatencyChildStart;
// child -> parent: `ready` once its consumer runs, then `done` with its HdrHistogram (compressed
// base64, microseconds) or `failed` with a message. Latency is the clock both processes share,
// performance.timeOrigin + performance.now(), minus the intended send time stamped in the record.
import { type ConsumerMode, Faecie } from '@faecie/client'
import hdr from 'hdr-histogram-js'
import { sharedClockMs, stampOf, TIMESTAMP_BYTES } from './latency.js'
import { elapsedUs, latencyHistogram } from './result.js'

export interface LatencyChildStart {
  brokers: string[]
  topic: string
  /** Where each partition's reading starts (its end before the producer began). */
  assignments: { partition: number; offset: number }[]
  mode: ConsumerMode
  records: number
  /** The first records received, not counted (LatencyOptions.warmupRecords). */
  warmupRecords: number
  connectTimeoutMs: number
}

export type LatencyChildMessage =
  | { kind: 'ready' }
  | { kind: 'done'; received: number; histogram: string }
  | { kind: 'failed'; message: string }

async function consume(start: LatencyChildStart, tell: (message: LatencyChildMessage) => void): Promise<void> {
  const client = new Faecie({ brokers: start.brokers, clientId: 'faecie-perf-latency-consumer', connectTimeoutMs: start.connectTimeoutMs })
  const consumer = client.consumer({ mode: start.mode, autoOffsetReset: 'latest', maxWaitMs: 100 })
  const latencies = latencyHistogram()
  let skipped = 0
  let received = 0
  let finished = false
  const finish = (message: LatencyChildMessage): void => {
    if (finished) return
    finished = true
    tell(message)
    void consumer.disconnect().catch(() => undefined).finally(() => process.disconnect?.())
  }
  consumer.on('crash', (err) => finish({ kind: 'failed', message: String(err) }))
  await consumer.connect()
  consumer.assign(start.assignments.map(({ partition, offset }) => ({ topic: start.topic, partition, offset })))
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const nowMs = sharedClockMs()
      for (const m of batch.messages) {
        const value = m.value
        if (value === null || value.byteLength < TIMESTAMP_BYTES || received >= start.records) continue
        if (skipped < start.warmupRecords) {
          skipped++
          continue
        }
        latencies.recordValue(elapsedUs(stampOf(value), nowMs))
        received++
      }
      if (received >= start.records) finish({ kind: 'done', received, histogram: hdr.encodeIntoCompressedBase64(latencies) })
    },
  })
  tell({ kind: 'ready' })
}

if (process.send !== undefined) {
  const tell = (message: LatencyChildMessage): void => { process.send?.(message) }
  process.once('message', (start: LatencyChildStart) => {
    consume(start, tell).catch((err: unknown) => {
      tell({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
      process.disconnect?.()
    })
  })
  // The parent gone (killed, or it disconnected): nothing left to report to.
  process.once('disconnect', () => setTimeout(() => process.exit(0), 1000).unref())
}

// faecie's random-key series of the partition-scaling workload: records with random keys (a pool
// of 4096 random 16-byte keys, one picked at random per record), so the default partitioner
// (murmur2 of the key) spreads them over every partition and batches stay small when partitions
// are many. Same producer settings as `faecie perf produce` (acks 1, a 64 MiB buffer).
import { randomFillSync } from 'node:crypto'
import { Payloads, type PerfResult, type WorkloadContext, latencyHistogram, perfResult } from '../index.js'

const KEYS = 4096
const KEY_BYTES = 16
const SEND_RECORDS = 64
const WINDOW_SENDS = 512
const BUFFER_BYTES = 64 * 1024 * 1024

export async function keyedProduce(wc: WorkloadContext, topic: string, records: number, recordBytes: number): Promise<PerfResult> {
  const producer = wc.newClient().producer({ acks: 1, idempotent: false, bufferBytesMax: BUFFER_BYTES })
  try {
    await wc.connected(producer.connect())
    await wc.connected(producer.send({ topic, messages: [] }))
    const pool = new Uint8Array(KEYS * KEY_BYTES)
    randomFillSync(pool)
    const keys = Array.from({ length: KEYS }, (_, i) => pool.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES))
    const payloads = new Payloads(recordBytes)
    const latencies = latencyHistogram()
    let inFlight = 0
    let failure: unknown
    let wake: (() => void) | undefined
    let sent = 0
    const startMs = performance.now()
    while (sent < records && failure === undefined) {
      const count = Math.min(SEND_RECORDS, records - sent)
      const messages = new Array<{ key: Uint8Array; value: Uint8Array }>(count)
      for (let i = 0; i < count; i++) messages[i] = { key: keys[(Math.random() * KEYS) | 0]!, value: payloads.take() }
      const sentMs = performance.now()
      inFlight++
      producer.send({ topic, messages }).then(
        () => latencies.recordValueWithCount(Math.max(1, Math.round((performance.now() - sentMs) * 1000)), count),
        (err: unknown) => { failure ??= err },
      ).finally(() => {
        inFlight--
        wake?.()
      })
      sent += count
      while (inFlight >= WINDOW_SENDS && failure === undefined) {
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    }
    while (inFlight > 0) {
      await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
    }
    if (failure !== undefined) throw failure
    return perfResult(records, records * recordBytes, performance.now() - startMs, latencies)
  } finally {
    await producer.disconnect().catch(() => undefined)
  }
}

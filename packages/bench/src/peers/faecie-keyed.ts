// faecie's random-key series of the partition-scaling workload: records with random keys (a pool
// of 4096 random 16-byte keys, one picked at random per record), so the default partitioner
// (murmur2 of the key) spreads them over every partition and batches stay small when partitions
// are many. Same producer settings as `faecie perf produce` (acks 1, a 64 MiB buffer), driven by the
// suite's produce loop (sends of 64 records, 512 in flight).
import { randomFillSync } from 'node:crypto'
import type { PerfResult, WorkloadContext } from '../index.js'
import { produceLoop } from '../suite/harness.js'

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
    return await produceLoop({
      records, recordBytes, batchRecords: SEND_RECORDS, windowBatches: WINDOW_SENDS,
      send: (values) => producer.send({ topic, messages: values.map((value) => ({ key: keys[(Math.random() * KEYS) | 0]!, value })) }),
    })
  } finally {
    await producer.disconnect().catch(() => undefined)
  }
}

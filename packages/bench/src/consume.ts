// `faecie perf consume`: one consumer reads N records from the earliest offset of every partition
// of a topic (or, with a group, as a member of it, from the group's committed offsets, else the
// earliest), through run({ eachBatch }) with the real client's lazy batch: records counted from the
// batch headers, bytes (key + value) from the record cursor (batch.records(): one flyweight moved
// over the records, no object or view made per record), as an application that reads its records
// in place would. The clock runs from just before the reading starts (for a group, before it
// joins) to the N-th record. The latency figures are the waits for each batch: from the end of the
// handling of one batch to the delivery of the next, recorded once per batch.
import type { Batch, Consumer, GroupConsumer } from '@faecie/client'
import { type PerfResult, elapsedUs, latencyHistogram, perfResult } from './result.js'
import { type WorkloadContext, deferred } from './workload.js'

export interface ConsumeOptions {
  topic: string
  records: number
  /** Read as a member of this group; else every partition is assigned from its earliest offset. */
  groupId?: string
  /** The topic's partitions (used without a group). */
  partitions: number[]
  /** Give up when fewer than N records came within this. */
  timeoutMs: number
}

export async function runConsume(options: ConsumeOptions, context: WorkloadContext): Promise<PerfResult> {
  const faecie = context.newClient()
  const consumer: Consumer | GroupConsumer = options.groupId === undefined
    ? faecie.consumer({ autoOffsetReset: 'earliest' })
    : faecie.consumer({ groupId: options.groupId, autoOffsetReset: 'earliest' })
  const latencies = latencyHistogram()
  const done = deferred<void>()
  let records = 0
  let bytes = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    consumer.on('crash', (err) => done.reject(err))
    const startMs = performance.now()
    if (options.groupId === undefined) {
      await context.connected((consumer as Consumer).connect())
      ;(consumer as Consumer).assign(options.partitions.map((partition) => ({ topic: options.topic, partition })))
    } else {
      await context.connected((consumer as GroupConsumer).subscribe({ topics: [options.topic] }))
    }
    let waitFromMs = performance.now()
    const eachBatch = async ({ batch }: { batch: Batch }): Promise<void> => {
      if (records >= options.records) return
      latencies.recordValue(elapsedUs(waitFromMs, performance.now()))
      const taken = Math.min(batch.count, options.records - records)
      let left = taken
      for (const record of batch.records()) {
        if (left-- === 0) break
        bytes += record.keySizeBytes + record.valueSizeBytes
      }
      records += taken
      context.progress?.add(taken)
      if (records >= options.records) done.resolve()
      waitFromMs = performance.now()
    }
    timer = setTimeout(() => done.reject(new Error(`only ${records} of ${options.records} records came within ${options.timeoutMs} ms (--timeout-ms)`)), options.timeoutMs)
    await consumer.run({ eachBatch })
    await done.promise
    const elapsedMs = performance.now() - startMs
    return perfResult(records, bytes, elapsedMs, latencies)
  } finally {
    clearTimeout(timer)
    await consumer.disconnect().catch(() => undefined)
  }
}

// The fetch reader's read-ahead (packages/client/src/consumer/fetch.ts) against a real broker: a
// consumer catching up on a backlog in many small chunks gets every record once, in order, whether
// it reads fast (read-ahead on) or stalls its handler (the buffer bound holds it back), and a seek
// in the middle of a read-ahead drops the answer that was under way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Connection } from '../../packages/client/src/connection.js'
import { Faecie, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer
const RECORDS = 3000

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'client-read-ahead' })
  producer = faecie.producer({ acks: 1, idempotent: false, batchBytes: 4096 })
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic: 'backlog', numPartitions: 1 }] })
  await admin.disconnect()
  const messages = Array.from({ length: RECORDS }, (_, i) => ({ value: `record-${i}` }))
  for (let i = 0; i < RECORDS; i += 500) await producer.send({ topic: 'backlog', messages: messages.slice(i, i + 500) })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes!)

/** Fetches in flight at once, at most, while `work` runs (read-ahead makes it 2 for one partition). */
async function fetchesInFlightMax<T>(work: () => Promise<T>): Promise<{ result: T; inFlightMax: number }> {
  const request = Connection.prototype.request
  let inFlight = 0
  let inFlightMax = 0
  Connection.prototype.request = function (this: Connection, ...args: Parameters<typeof request>) {
    if (args[0] !== 'fetch') return request.apply(this, args)
    inFlightMax = Math.max(inFlightMax, ++inFlight)
    const answer = request.apply(this, args)
    // Counted out just after the reader's own handler of the answer has run (it was queued after
    // this one): a fetch sent from within that handler is one sent before this answer was done.
    const done = (): void => queueMicrotask(() => inFlight--)
    answer.then(done, done)
    return answer
  } as typeof request
  try {
    return { result: await work(), inFlightMax }
  } finally {
    Connection.prototype.request = request
  }
}

async function readAll(options: { stallMs: number; seekAt?: number }): Promise<{ offsets: number[]; values: string[]; chunks: number }> {
  // Small fetches: the backlog comes in many chunks, so reading ahead happens many times.
  const consumer = faecie.consumer({ autoOffsetReset: 'earliest', maxBytesPerPartition: 1024, bufferBytesMax: 64 * 1024 })
  await consumer.connect()
  consumer.assign([{ topic: 'backlog', partition: 0 }])
  const offsets: number[] = []
  const values: string[] = []
  let chunks = 0
  let sought = false
  const done = new Promise<void>((resolve, reject) => {
    consumer.on('crash', reject)
    void consumer.run({
      eachBatch: async ({ batch, isStale }) => {
        chunks++
        for (const m of batch.messages) {
          if (isStale()) return
          offsets.push(m.offset)
          values.push(text(m.value))
          if (options.seekAt !== undefined && !sought && m.offset === options.seekAt) {
            sought = true
            consumer.seek({ topic: 'backlog', partition: 0, offset: 100 })
            return
          }
        }
        if (options.stallMs > 0) await new Promise((r) => setTimeout(r, options.stallMs))
        if (offsets[offsets.length - 1] === RECORDS - 1) resolve()
      },
    })
  })
  await done
  await consumer.disconnect()
  return { offsets, values, chunks }
}

describe('fetch read-ahead', () => {
  it('delivers a backlog read in many chunks once each, in order', async () => {
    const { result: { offsets, values, chunks }, inFlightMax } = await fetchesInFlightMax(() => readAll({ stallMs: 0 }))
    expect(chunks).toBeGreaterThan(10)
    expect(inFlightMax).toBe(2) // the next chunk was asked for while one was being handled
    expect(offsets).toEqual(Array.from({ length: RECORDS }, (_, i) => i))
    expect(values[RECORDS - 1]).toBe(`record-${RECORDS - 1}`)
  })

  it('delivers the same with a slow handler', async () => {
    const { offsets } = await readAll({ stallMs: 2 })
    expect(offsets).toEqual(Array.from({ length: RECORDS }, (_, i) => i))
  })

  it('after a seek, goes on from the new position only (what was read ahead is dropped)', async () => {
    const { offsets } = await readAll({ stallMs: 0, seekAt: 2000 })
    const expected = [...Array.from({ length: 2001 }, (_, i) => i), ...Array.from({ length: RECORDS - 100 }, (_, i) => 100 + i)]
    expect(offsets).toEqual(expected)
  })
})

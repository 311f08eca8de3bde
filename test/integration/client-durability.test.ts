// The idempotent producer and the consumer across a broker killed with SIGKILL and restarted on the
// same data dir: the producer keeps many batches in flight per partition while the broker dies under
// it; every send must still resolve, and reading the topic back must give every record exactly once,
// each key's records in the order they were sent. A consumer tailing the topic through it all must
// see the same, without duplicates, once the broker is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type ConsumedMessage, type RecordMetadata } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
})

const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array())

const RECORDS = 3_000
const PER_SEND = 10
const KEYS = 30
const SENDS_OUTSTANDING = 40

function checkExactlyOnceInOrder(messages: ConsumedMessage[]): void {
  const values = messages.map((m) => Number(text(m.value)))
  const seen = new Set(values)
  expect(values.length - seen.size).toBe(0) // no duplicates
  const missing = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => !seen.has(i))
  expect(missing).toEqual([]) // no loss
  const byKey = new Map<string, number[]>()
  for (const m of messages) byKey.set(text(m.key), [...(byKey.get(text(m.key)) ?? []), Number(text(m.value))])
  for (const [key, list] of byKey) expect({ key, sorted: list.every((v, i) => i === 0 || list[i - 1]! < v) }).toEqual({ key, sorted: true })
}

describe('across kill -9 and restart', () => {
  it('the idempotent producer loses nothing, duplicates nothing and keeps each key in order', async () => {
    const faecie = new Faecie({ brokers: [broker.url], clientId: 'client-durability', retry: { retries: 30, maxRetryTimeMs: 2_000 } })
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 3 }] })

    // A consumer tails the topic the whole time.
    const tail = faecie.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 200 })
    tail.assign([0, 1, 2].map((partition) => ({ topic: 'durable', partition, offset: 0 })))
    const tailed: ConsumedMessage[] = []
    const tailing = (async () => {
      for await (const message of tail.stream()) {
        tailed.push(message)
        if (tailed.length >= RECORDS) break
      }
    })()

    const producer = faecie.producer({ lingerMs: 2, batchBytes: 2_048 })
    const outstanding = new Set<Promise<RecordMetadata[]>>()
    const failures: unknown[] = []
    let killed = false
    let outstandingAtKill = 0
    let restarted: Promise<void> | undefined
    for (let start = 0; start < RECORDS; start += PER_SEND) {
      const messages = Array.from({ length: PER_SEND }, (_, j) => ({ key: `k${(start + j) % KEYS}`, value: String(start + j) }))
      const send = producer.send({ topic: 'durable', messages })
      outstanding.add(send)
      send.catch((err: unknown) => failures.push(err)).finally(() => outstanding.delete(send))
      // The kill comes right after a send, before anything is awaited: that send at least is in flight.
      if (!killed && start >= RECORDS / 3) {
        killed = true
        outstandingAtKill = outstanding.size
        await broker.kill()
      }
      // Sends keep coming while it is down; they queue and wait. Once as many are waiting as the
      // test keeps outstanding, the broker comes back (none of them can be answered before).
      if (killed && restarted === undefined && outstanding.size >= SENDS_OUTSTANDING) restarted = broker.restart()
      if (outstanding.size >= SENDS_OUTSTANDING) await Promise.race(outstanding).catch(() => undefined)
    }
    await restarted
    await producer.flush()
    await Promise.allSettled([...outstanding])
    expect(failures).toEqual([])
    expect(outstandingAtKill).toBeGreaterThan(0) // sends were in flight when the broker died
    await producer.disconnect()

    // Read it all back from the start with a fresh consumer.
    const reader = faecie.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 200 })
    reader.assign([0, 1, 2].map((partition) => ({ topic: 'durable', partition, offset: 0 })))
    const all: ConsumedMessage[] = []
    for await (const message of reader.stream()) {
      all.push(message)
      if (all.length >= RECORDS) break
    }
    checkExactlyOnceInOrder(all)
    const offsets = await admin.fetchTopicOffsets('durable')
    expect(offsets.reduce((sum, p) => sum + p.high, 0)).toBe(RECORDS)
    await reader.disconnect()

    // A tail that never gets everything is reported by the check, naming what it missed.
    await waitFor('the tail to read every record', () => tailed.length >= RECORDS, { timeoutMs: 30_000 }).catch(() => undefined)
    if (tailed.length >= RECORDS) await tailing
    checkExactlyOnceInOrder(tailed)
    await tail.disconnect()
    await admin.disconnect()
  }, 180_000)
})

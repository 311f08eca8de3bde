// Data moving to consumers as it arrives: long-poll fetches that wake on produce (and wait out
// maxWaitMs when nothing comes), and live subscriptions whose pushes stay within the credit the
// client grants, resume on more credit, stop on unsubscribe and end with an error push.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, offsetsOf, produceFrame, RawClient, valuesOf } from '../support/broker-raw-client.js'

let broker: BrokerProcess
let consumer: RawClient
let producer: RawClient

beforeAll(async () => {
  broker = await startBrokerProcess()
  consumer = await RawClient.connect(broker.url)
  producer = await RawClient.connect(broker.url)
  await producer.request('createTopics', { topics: [{ topic: 'poll' }, { topic: 'live' }, { topic: 'doomed' }] })
})

afterAll(async () => {
  await consumer?.close()
  await producer?.close()
  await broker?.stop()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('long-poll fetch', () => {
  it('wakes when a produce lands, long before maxWaitMs', async () => {
    const started = Date.now()
    const waiting = consumer.request('fetch', fetchFrame('poll', 0, 0, { maxWaitMs: 25_000, minBytes: 1 }))
    await sleep(300)
    await producer.request('produce', produceFrame('poll', 0, batchOf('woke', 2)))
    const answer = firstPartition(await waiting)
    expect(valuesOf(answer.records)).toEqual(['woke-0', 'woke-1'])
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('wakes every long poll on the same partition, on one socket and on several', async () => {
    await producer.request('createTopics', { topics: [{ topic: 'crowd' }] })
    const other = await RawClient.connect(broker.url)
    const polls = [consumer, consumer, other, other].map((c) =>
      c.request('fetch', fetchFrame('crowd', 0, 0, { maxWaitMs: 25_000, minBytes: 1 })))
    await sleep(300)
    await producer.request('produce', produceFrame('crowd', 0, batchOf('all', 2)))
    for (const answer of await Promise.all(polls)) {
      const p = firstPartition(answer)
      expect(p.error).toBeUndefined()
      expect(valuesOf(p.records)).toEqual(['all-0', 'all-1'])
    }
    await other.close()
  })

  it('answers immediate fetches of several empty partitions at once (empty reads in one thread tick)', async () => {
    await producer.request('createTopics', { topics: [{ topic: 'ends', numPartitions: 6 }] })
    const partitions = Array.from({ length: 6 }, (_, partition) => ({ partition, offset: 0 }))
    for (let round = 0; round < 3; round++) {
      const answer = await consumer.request('fetch', { maxWaitMs: 0, minBytes: 0, maxBytes: 1000, topics: [{ topic: 'ends', partitions }] })
      for (const p of answer.topics[0].partitions) {
        expect(p.error, `round ${round} partition ${p.partition}`).toBeUndefined()
        expect(p.records.length).toBe(0)
      }
    }
  })

  it('waits for minBytes across several produces', async () => {
    const one = batchOf('m', 1).length
    const waiting = consumer.request('fetch', fetchFrame('poll', 0, 2, { maxWaitMs: 25_000, minBytes: one * 3 }))
    let settled = false
    void waiting.then(() => { settled = true })
    for (let i = 0; i < 3; i++) {
      await sleep(100)
      expect(settled).toBe(false)
      await producer.request('produce', produceFrame('poll', 0, batchOf(`m${i}`, 1)))
    }
    const answer = firstPartition(await waiting)
    expect(valuesOf(answer.records)).toEqual(['m0-0', 'm1-0', 'm2-0'])
  })

  it('answers empty after maxWaitMs when nothing arrives', async () => {
    const started = Date.now()
    const answer = firstPartition(await consumer.request('fetch', fetchFrame('poll', 0, 5, { maxWaitMs: 600, minBytes: 1 })))
    expect(answer.records.length).toBe(0)
    expect(answer.highWatermark).toBe(5)
    expect(Date.now() - started).toBeGreaterThanOrEqual(550)
  })
})

describe('subscriptions', () => {
  it('pushes within credit, resumes on credit, and stops on unsubscribe', async () => {
    const size = batchOf('c00', 4).length
    const answer = await consumer.request('subscribe', { topic: 'live', partition: 0, offset: 0, creditBytes: size * 2 })
    expect(answer.error).toBeUndefined()
    const sub = answer.sub
    for (let i = 0; i < 10; i++) await producer.request('produce', produceFrame('live', 0, batchOf(`c${String(i).padStart(2, '0')}`, 4)))
    await consumer.waitPushes(1)
    await sleep(500)
    const pushedBytes = (): number => consumer.pushes.filter((p) => p.sub === sub).reduce((n, p) => n + p.records.length, 0)
    // The credit may be overshot by less than one batch, never more.
    expect(pushedBytes()).toBeGreaterThanOrEqual(size * 2)
    expect(pushedBytes()).toBeLessThan(size * 3)
    const credited = await consumer.request('credit', { sub, bytes: size * 8 })
    expect(credited.error).toBeUndefined()
    const deadline = Date.now() + 10_000
    while (pushedBytes() < size * 10 && Date.now() < deadline) await sleep(50)
    const pushes = consumer.pushes.filter((p) => p.sub === sub)
    const values = pushes.flatMap((p) => valuesOf(p.records))
    const offsets = pushes.flatMap((p) => offsetsOf(p.records))
    expect(offsets).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect(values[39]).toBe('c09-3')
    expect(pushes.at(-1)!.highWatermark).toBe(40)

    expect((await consumer.request('unsubscribe', { sub })).error).toBeUndefined()
    // Ended subscriptions take credit and unsubscribe quietly: the client may not know yet.
    expect((await consumer.request('credit', { sub, bytes: 10 })).error).toBeUndefined()
    expect((await consumer.request('unsubscribe', { sub })).error).toBeUndefined()
    const before = consumer.pushes.length
    await producer.request('produce', produceFrame('live', 0, batchOf('after', 1)))
    await sleep(300)
    expect(consumer.pushes.length).toBe(before)
  })

  it('refuses subscriptions out of range, to missing partitions, and past subscriptionsMax', async () => {
    const past = await consumer.request('subscribe', { topic: 'live', partition: 0, offset: 1000, creditBytes: 1000 })
    expect(past.error.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    const missing = await consumer.request('subscribe', { topic: 'nope', partition: 0, offset: 0, creditBytes: 1000 })
    expect(missing.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const unknownSub = await consumer.request('credit', { sub: 9999, bytes: 1 })
    expect(unknownSub.error.code).toBe(ErrorCode.INVALID_REQUEST)
    const many = await RawClient.connect(broker.url)
    const hello = await many.request('hello', { protocolVersion: 1 })
    const max = hello.limits.subscriptionsMax
    for (let i = 0; i < max; i++) {
      const ok = await many.request('subscribe', { topic: 'poll', partition: 0, offset: 0, creditBytes: 0 })
      expect(ok.error).toBeUndefined()
    }
    const over = await many.request('subscribe', { topic: 'poll', partition: 0, offset: 0, creditBytes: 0 })
    expect(over.error.code).toBe(ErrorCode.TOO_MANY_SUBSCRIPTIONS)
    await many.close()
  })

  it('ends a subscription with an error push when its topic is deleted', async () => {
    await producer.request('produce', produceFrame('doomed', 0, batchOf('d', 1)))
    const sub = (await consumer.request('subscribe', { topic: 'doomed', partition: 0, offset: 1, creditBytes: 100_000 })).sub
    await producer.request('deleteTopics', { topics: ['doomed'] })
    await producer.request('createTopics', { topics: [{ topic: 'doomed' }] })
    await producer.request('produce', produceFrame('doomed', 0, batchOf('reborn', 2)))
    const deadline = Date.now() + 10_000
    let end
    while ((end = consumer.pushes.find((p) => p.sub === sub && p.error !== undefined)) === undefined && Date.now() < deadline) await sleep(50)
    expect(end?.error.code).toBeOneOf([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_OUT_OF_RANGE])
    expect(consumer.pushes.some((p) => p.sub === sub && p.records !== undefined)).toBe(false)
  })
})

describe('a consumer that stops reading', () => {
  it('holds pushes while the socket is backed up, and loses nothing when it reads again', { timeout: 120_000 }, async () => {
    const MiB = 1024 * 1024
    const limits = { frameBytesMax: 2 * MiB, batchBytesMax: MiB, fetchBytesMax: 2 * MiB, pushBufferedBytesMax: MiB }
    const dir = mkdtempSync(join(tmpdir(), 'faecie-config-'))
    writeFileSync(join(dir, 'broker.json'), JSON.stringify({ limits }))
    const slow = await startBrokerProcess({ args: ['--config', join(dir, 'broker.json')] })
    try {
      const writer = await RawClient.connect(slow.url)
      const reader = await RawClient.connect(slow.url)
      await writer.request('createTopics', { topics: [{ topic: 'flood', config: { flush: 'never' } }] })
      const sub = (await reader.request('subscribe', { topic: 'flood', partition: 0, offset: 0, creditBytes: 1024 * MiB })).sub
      reader.socket.pause()
      const value = 'v'.repeat(1000)
      const batches = 32
      for (let i = 0; i < batches; i++) {
        const records = batchOf(`${i}-${value}`, 1000)
        expect(firstPartition(await writer.request('produce', produceFrame('flood', 0, records))).error).toBeUndefined()
      }
      await sleep(500)
      const health = await (await fetch(`http://127.0.0.1:${slow.port}/health`)).json() as { bufferedBytes: number }
      // Held at pushBufferedBytesMax plus at most one push (fetchBytesMax and a batch), not the ~32 MiB produced.
      expect(health.bufferedBytes).toBeLessThan(limits.pushBufferedBytesMax + limits.fetchBytesMax + limits.batchBytesMax)
      reader.socket.resume()
      const deadline = Date.now() + 60_000
      const count = (): number => reader.pushes.filter((p) => p.sub === sub).reduce((n, p) => n + offsetsOf(p.records).length, 0)
      while (count() < batches * 1000 && Date.now() < deadline) await sleep(100)
      const offsets = reader.pushes.filter((p) => p.sub === sub).flatMap((p) => offsetsOf(p.records))
      expect(offsets).toEqual(Array.from({ length: batches * 1000 }, (_, i) => i))
      await writer.close()
      await reader.close()
    } finally {
      await slow.stop()
    }
  })
})

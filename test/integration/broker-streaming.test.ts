// Data moving to consumers as it arrives: long-poll fetches that wake on produce (and wait out
// maxWaitMs when nothing comes), and live subscriptions whose pushes stay within the credit the
// client grants, resume on more credit, stop on unsubscribe and end with an error push.
//
// A long poll is shown to wait by a barrier, not a sleep: after the fetch, the same socket sends an
// immediate fetch of the same partition; the partition's thread serves reads in order, so once that
// one is answered the long poll has read the partition and is waiting. Only then is the produce sent
// that the long poll's answer must carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, offsetsOf, produceFrame, RawClient, valuesOf, type Frame } from '../support/broker-raw-client.js'
import { writeTempFile } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

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

interface Pending {
  answer: Promise<Frame>
  settled(): boolean
}

/** Sends `frame` (a long-poll fetch of topic-partition) and resolves once the broker is seen waiting on it. */
async function longPoll(client: RawClient, topic: string, partition: number, frame: Frame): Promise<Pending> {
  let settled = false
  const answer = client.request('fetch', frame)
  void answer.then(() => (settled = true), () => (settled = true))
  // The barrier: an immediate fetch behind it on the same socket and partition.
  await client.request('fetch', fetchFrame(topic, partition, 0, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 }))
  expect(settled, 'the long poll answered before anything was produced').toBe(false)
  return { answer, settled: () => settled }
}

describe('long-poll fetch', () => {
  it('waits, and wakes when a produce lands, long before maxWaitMs', async () => {
    // Seen waiting before the produce, answered with what the produce wrote: the produce woke it.
    const pending = await longPoll(consumer, 'poll', 0, fetchFrame('poll', 0, 0, { maxWaitMs: 30_000, minBytes: 1 }))
    await producer.request('produce', produceFrame('poll', 0, batchOf('woke', 2)))
    const answer = firstPartition(await pending.answer)
    expect(valuesOf(answer.records)).toEqual(['woke-0', 'woke-1'])
  })

  it('wakes every long poll on the same partition, on one socket and on several', async () => {
    await producer.request('createTopics', { topics: [{ topic: 'crowd' }] })
    const other = await RawClient.connect(broker.url)
    const polls: Pending[] = []
    for (const c of [consumer, consumer, other, other]) polls.push(await longPoll(c, 'crowd', 0, fetchFrame('crowd', 0, 0, { maxWaitMs: 30_000, minBytes: 1 })))
    expect(polls.map((poll) => poll.settled())).toEqual([false, false, false, false])
    await producer.request('produce', produceFrame('crowd', 0, batchOf('all', 2)))
    for (const answer of await Promise.all(polls.map((poll) => poll.answer))) {
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
    const pending = await longPoll(consumer, 'poll', 0, fetchFrame('poll', 0, 2, { maxWaitMs: 30_000, minBytes: one * 3 }))
    for (let i = 0; i < 3; i++) {
      await producer.request('produce', produceFrame('poll', 0, batchOf(`m${i}`, 1)))
      if (i === 2) break
      // The produce woke the poll (if at all) before a read behind it on the same socket and
      // partition that already sees the new record is answered: still short of minBytes, it waits on.
      const behind = firstPartition(await consumer.request('fetch', fetchFrame('poll', 0, 2 + i, { maxWaitMs: 0, minBytes: 0 })))
      expect(valuesOf(behind.records)).toEqual([`m${i}-0`])
      expect(pending.settled(), `answered after ${i + 1} of 3 produces`).toBe(false)
    }
    const answer = firstPartition(await pending.answer)
    expect(valuesOf(answer.records)).toEqual(['m0-0', 'm1-0', 'm2-0'])
  })

  it('answers empty after maxWaitMs when nothing arrives', async () => {
    const startedMs = Date.now()
    const answer = firstPartition(await consumer.request('fetch', fetchFrame('poll', 0, 5, { maxWaitMs: 600, minBytes: 1 })))
    expect(answer.records.length).toBe(0)
    expect(answer.highWatermark).toBe(5)
    // A lower bound the broker guarantees (its 600 ms start after this clock reading; load only
    // lengthens it), so it cannot fail on a busy machine; no upper bound.
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(550)
  })
})

describe('subscriptions', () => {
  it('pushes within credit, resumes on credit, and stops on unsubscribe', async () => {
    const size = batchOf('c00', 4).length
    const answer = await consumer.request('subscribe', { topic: 'live', partition: 0, offset: 0, creditBytes: size * 2 })
    expect(answer.error).toBeUndefined()
    const sub = answer.sub
    for (let i = 0; i < 10; i++) await producer.request('produce', produceFrame('live', 0, batchOf(`c${String(i).padStart(2, '0')}`, 4)))
    const pushedBytes = (): number => consumer.pushes.filter((p) => p.sub === sub).reduce((n, p) => n + p.records.length, 0)
    await waitFor('pushes up to the credit', () => pushedBytes() >= size * 2)
    // The credit may be overshot by less than one batch, never more. Nothing tells "the broker will
    // push no more": a bounded window, after the credit was seen used up, gives an overshoot its chance.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(pushedBytes()).toBeLessThan(size * 3)
    const credited = await consumer.request('credit', { sub, bytes: size * 8 })
    expect(credited.error).toBeUndefined()
    await waitFor('the rest of the ten batches pushed', () => pushedBytes() >= size * 10)
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
    await producer.request('produce', produceFrame('live', 0, batchOf('after', 1)))
    // A new subscription on the same socket gets the new record: the old one, woken by the same
    // append, would have had its push by then.
    const witness = (await consumer.request('subscribe', { topic: 'live', partition: 0, offset: 40, creditBytes: 100_000 })).sub
    await waitFor('the witness subscription pushes the new record', () => consumer.pushes.some((p) => p.sub === witness && p.records !== undefined))
    expect(consumer.pushes.filter((p) => p.sub === sub).flatMap((p) => offsetsOf(p.records))).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect((await consumer.request('unsubscribe', { sub: witness })).error).toBeUndefined()
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
    const end = await waitFor('the error push that ends the subscription', () => consumer.pushes.find((p) => p.sub === sub && p.error !== undefined))
    expect(end.error.code).toBeOneOf([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_OUT_OF_RANGE])
    expect(consumer.pushes.some((p) => p.sub === sub && p.records !== undefined)).toBe(false)
  })
})

describe('a consumer that stops reading', () => {
  it('holds pushes while the socket is backed up, and loses nothing when it reads again', { timeout: 120_000 }, async () => {
    const MiB = 1024 * 1024
    const limits = { frameBytesMax: 2 * MiB, batchBytesMax: MiB, fetchBytesMax: 2 * MiB, pushBufferedBytesMax: MiB }
    const slow = await startBrokerProcess({ args: ['--config', writeTempFile('config', 'broker.json', { limits })] })
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
      // The broker pushes until its buffer for the socket reaches pushBufferedBytesMax and then holds
      // the rest: once seen there, the buffer grows no more.
      const bufferedBytes = async (): Promise<number> => ((await (await fetch(`http://127.0.0.1:${slow.port}/health`)).json()) as { bufferedBytes: number }).bufferedBytes
      const held = await waitFor('the push buffer filled to its limit', async () => {
        const bytes = await bufferedBytes()
        return bytes >= limits.pushBufferedBytesMax ? bytes : undefined
      }, { timeoutMs: 60_000 })
      // Held at pushBufferedBytesMax plus at most one push (fetchBytesMax and a batch), not the ~32 MiB produced.
      expect(held).toBeLessThan(limits.pushBufferedBytesMax + limits.fetchBytesMax + limits.batchBytesMax)
      reader.socket.resume()
      const count = (): number => reader.pushes.filter((p) => p.sub === sub).reduce((n, p) => n + offsetsOf(p.records).length, 0)
      await waitFor('every record pushed once the reader reads again', () => count() >= batches * 1000, { timeoutMs: 60_000 })
      const offsets = reader.pushes.filter((p) => p.sub === sub).flatMap((p) => offsetsOf(p.records))
      expect(offsets).toEqual(Array.from({ length: batches * 1000 }, (_, i) => i))
      await writer.close()
      await reader.close()
    } finally {
      await slow.stop()
    }
  })
})

// The consumer without a group against a real broker, in both reading modes (long-poll fetch and
// subscribe + credit): autoOffsetReset earliest / latest / none, seek, pause and resume, stream()
// reading ahead only as far as its buffer allows, run() with eachMessage and eachBatch (a failing
// handler gets its message again), and a live tail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { Faecie, type Consumer, type ConsumedMessage, type ConsumerMode, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'client-consumer' })
  producer = faecie.producer({ lingerMs: 1 })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function topicWith(topic: string, partitions: number, values: string[][]): Promise<void> {
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] })
  await admin.disconnect()
  for (let p = 0; p < values.length; p++) {
    if (values[p]!.length > 0) await producer.send({ topic, messages: values[p]!.map((value) => ({ value, partition: p })) })
  }
}

/** The next `count` messages of a stream, or fails after `timeoutMs`. */
async function take(iterator: AsyncIterator<ConsumedMessage>, count: number, timeoutMs = 20_000): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = []
  const deadline = Date.now() + timeoutMs
  while (out.length < count) {
    const next = await Promise.race([iterator.next(), sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout' as const)])
    if (next === 'timeout') throw new Error(`only ${out.length} of ${count} messages within ${timeoutMs} ms`)
    if (next.done === true) break
    out.push(next.value)
  }
  return out
}

/** Starts the iterator reading: its first next() is kept waiting for the next take(). */
function begin(iterator: AsyncIterator<ConsumedMessage>): void {
  pending.set(iterator, iterator.next())
}
const pending = new Map<AsyncIterator<ConsumedMessage>, Promise<IteratorResult<ConsumedMessage>>>()

/** An iterator over consumer.stream() that keeps a next() left waiting by begin(). */
function reader(consumer: Consumer): AsyncIterator<ConsumedMessage> {
  const stream = consumer.stream()
  const iterator: AsyncIterator<ConsumedMessage> = {
    next: () => {
      const waiting = pending.get(iterator)
      pending.delete(iterator)
      return waiting ?? stream.next()
    },
  }
  return iterator
}

describe.each(['fetch', 'push'] as ConsumerMode[])('consumer in %s mode', (mode) => {
  const consumers: Consumer[] = []
  const consumer = (config: Parameters<Faecie['consumer']>[0] = {}): Consumer => {
    const c = faecie.consumer({ mode, maxWaitMs: 200, ...config })
    consumers.push(c)
    return c
  }
  afterAll(async () => {
    for (const c of consumers) await c.disconnect()
  })

  it('autoOffsetReset earliest reads from the start; latest only what comes next', async () => {
    const topic = `reset-${mode}`
    await topicWith(topic, 1, [['a', 'b', 'c']])
    const early = reader(consumer({ autoOffsetReset: 'earliest' }))
    const late = consumer({ autoOffsetReset: 'latest' })
    consumers.at(-2)!.assign([{ topic, partition: 0 }])
    late.assign([{ topic, partition: 0 }])
    const lateReader = reader(late)
    expect((await take(early, 3)).map((m) => text(m.value))).toEqual(['a', 'b', 'c'])
    // 'latest' is where the log ends once looked up: produce only after that. The first record the
    // late reader gets is then the new one, not a, b or c.
    begin(lateReader)
    await waitFor('the late consumer to look up the end of the log', () => late.position({ topic, partition: 0 }) !== undefined)
    expect(late.position({ topic, partition: 0 })).toBe(3)
    await producer.send({ topic, messages: [{ value: 'd' }] })
    expect((await take(lateReader, 1)).map((m) => [m.offset, text(m.value)])).toEqual([[3, 'd']])
    expect((await take(early, 1)).map((m) => m.offset)).toEqual([3])
  })

  it('an offset out of range resets by autoOffsetReset, and surfaces with none', async () => {
    const topic = `range-${mode}`
    await topicWith(topic, 1, [['a', 'b']])
    const resetting = consumer({ autoOffsetReset: 'earliest' })
    resetting.assign([{ topic, partition: 0, offset: 1000 }])
    expect((await take(reader(resetting), 2)).map((m) => m.offset)).toEqual([0, 1])

    const strict = consumer({ autoOffsetReset: 'none' })
    expect(() => strict.assign([{ topic, partition: 0 }])).toThrow(/needs an offset/)
    strict.assign([{ topic, partition: 0, offset: 1000 }])
    await expect(take(reader(strict), 1)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE })
  })

  it('seek moves the position and drops what was read ahead', async () => {
    const topic = `seek-${mode}`
    await topicWith(topic, 1, [Array.from({ length: 20 }, (_, i) => `m${i}`)])
    const c = consumer()
    c.assign([{ topic, partition: 0, offset: 0 }])
    const it = reader(c)
    expect((await take(it, 3)).map((m) => m.offset)).toEqual([0, 1, 2])
    c.seek({ topic, partition: 0, offset: 15 })
    expect((await take(it, 2)).map((m) => m.offset)).toEqual([15, 16])
    c.seek({ topic, partition: 0, offset: 1 })
    expect((await take(it, 2)).map((m) => m.offset)).toEqual([1, 2])
  })

  it('pause holds a partition back and resume lets it go on', async () => {
    const topic = `pause-${mode}`
    await topicWith(topic, 2, [['a0', 'a1'], ['b0', 'b1']])
    const c = consumer()
    c.assign([{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }])
    c.pause([{ topic, partition: 0 }])
    expect(c.paused()).toEqual([{ topic, partition: 0 }])
    const it = reader(c)
    expect((await take(it, 2)).map((m) => text(m.value))).toEqual(['b0', 'b1'])
    // a0 and a1 were written before b0: a record written on partition 1 after them comes first.
    await producer.send({ topic, messages: [{ value: 'b2', partition: 1 }] })
    expect((await take(it, 1)).map((m) => text(m.value))).toEqual(['b2'])
    c.resume([{ topic, partitions: [0] }])
    expect((await take(it, 2)).map((m) => text(m.value))).toEqual(['a0', 'a1'])
  })

  it('stream() reads ahead only as far as its buffer allows', async () => {
    const topic = `bounded-${mode}`
    const value = 'x'.repeat(1000)
    await topicWith(topic, 1, [[]])
    for (let i = 0; i < 10; i++) await producer.send({ topic, messages: Array.from({ length: 50 }, () => ({ value })) })
    const limits = { bufferBytesMax: 32 * 1024, maxBytesPerPartition: 16 * 1024, maxBytes: 16 * 1024 }
    const c = consumer(limits)
    c.assign([{ topic, partition: 0, offset: 0 }])
    const it = reader(c)
    let seen = 0
    let bufferedMax = 0
    while (seen < 500) {
      seen += (await take(it, 1)).length
      bufferedMax = Math.max(bufferedMax, c.buffer.bytes)
      if (seen % 100 === 0) await sleep(50) // a slow application: the reading must wait for it
    }
    // At most one answer past the per-partition limit (a batch of 50 records is ~51 KB).
    expect(bufferedMax).toBeLessThanOrEqual(limits.maxBytesPerPartition + 60 * 1024)
  })

  it('run() calls eachMessage in order and gives a failed message again', async () => {
    const topic = `run-${mode}`
    await topicWith(topic, 1, [['a', 'b', 'c']])
    const c = consumer({ retry: { retries: 3, initialRetryTimeMs: 10, maxRetryTimeMs: 20 } })
    c.assign([{ topic, partition: 0, offset: 0 }])
    const seen: string[] = []
    let failed = false
    const done = new Promise<void>((resolve) => {
      void c.run({
        eachMessage: async ({ topic: t, partition, message }) => {
          expect([t, partition]).toEqual([topic, 0])
          if (text(message.value) === 'b' && !failed) {
            failed = true
            throw new Error('handler failed once')
          }
          seen.push(text(message.value)!)
          if (seen.length === 3) resolve()
        },
      })
    })
    await done
    await c.stop()
    expect(seen).toEqual(['a', 'b', 'c'])
  })

  it('run() with eachBatch hands over whole batches of one partition', async () => {
    const topic = `batch-${mode}`
    await topicWith(topic, 2, [['a0', 'a1', 'a2'], ['b0']])
    const c = consumer()
    c.assign([{ topic, partition: 0, offset: 1 }, { topic, partition: 1, offset: 0 }])
    const got = new Map<number, string[]>()
    await new Promise<void>((resolve) => {
      void c.run({
        eachBatch: async ({ batch, isStale }) => {
          expect(isStale()).toBe(false)
          got.set(batch.partition, [...(got.get(batch.partition) ?? []), ...batch.messages.map((m) => text(m.value)!)])
          if ((got.get(0)?.length ?? 0) + (got.get(1)?.length ?? 0) === 3) resolve()
        },
      })
    })
    await c.stop()
    expect(got.get(0)).toEqual(['a1', 'a2'])
    expect(got.get(1)).toEqual(['b0'])
  })

  it('tails a partition live', async () => {
    const topic = `live-${mode}`
    await topicWith(topic, 1, [[]])
    const c = consumer({ autoOffsetReset: 'latest' })
    c.assign([{ topic, partition: 0 }])
    const it = reader(c)
    begin(it)
    // 'latest' is where the log ends once looked up: produce only after that.
    await waitFor('the consumer to look up the end of the log', () => c.position({ topic, partition: 0 }) !== undefined)
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic, messages: [{ value: `live ${i}` }] })
      const got = await take(it, 1)
      expect(got.map((m) => text(m.value))).toEqual([`live ${i}`])
    }
  })
})

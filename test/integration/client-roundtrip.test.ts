// @faecie/client against a real broker process: the admin ops, produce and consume round trips with
// keys and headers, Kafka's partitioner (same key, same partition, same order; keyless records in
// sticky batches), every compression codec, and acks 0 / 1 / all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, partitionForKey } from '@faecie/protocol'
import { Faecie, type Admin, type ConsumedMessage } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { readMessages } from '../support/client-read.js'

let broker: BrokerProcess
let faecie: Faecie
let admin: Admin

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'client-roundtrip' })
  admin = faecie.admin()
})

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

/** Reads `count` messages from the start of every partition of a topic. */
function readAll(topic: string, count: number, partitions: number): Promise<ConsumedMessage[]> {
  return readMessages(faecie, topic, count, Array.from({ length: partitions }, (_, partition) => partition))
}

describe('admin', () => {
  it('creates, lists, describes, alters, grows and deletes topics', async () => {
    const [created] = await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 2, config: { 'retention.ms': 3_600_000 } }] })
    expect(created!.topicId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await admin.listTopics()).toContain('adm')
    await expect(admin.createTopics({ topics: [{ topic: 'adm' }] })).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS })
    await admin.createTopics({ topics: [{ topic: 'adm' }], ifNotExists: true })
    await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toMatchObject({ code: ErrorCode.INVALID_TOPIC_EXCEPTION })

    const [described] = await admin.describeTopics({ topics: ['adm'] })
    expect(described!.config!['retention.ms']).toBe('3600000')
    expect(described!.partitions!.map((p) => p.partition)).toEqual([0, 1])

    const config = await admin.alterTopicConfig({ topic: 'adm', config: { 'retention.ms': 60_000 } })
    expect(config['retention.ms']).toBe('60000')
    await admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 4 }] })
    expect((await admin.fetchTopicOffsets('adm')).map((p) => p.partition)).toEqual([0, 1, 2, 3])

    await admin.deleteTopics({ topics: ['adm'] })
    expect(await admin.listTopics()).not.toContain('adm')
    await expect(admin.describeTopics({ topics: ['adm'] })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })
  })

  it('answers offsets: low and high watermarks, and by timestamp', async () => {
    await admin.createTopics({ topics: [{ topic: 'offs', numPartitions: 1 }] })
    const producer = faecie.producer()
    await producer.send({ topic: 'offs', messages: [{ value: 'a', timestamp: 1_000 }, { value: 'b', timestamp: 2_000 }] })
    await producer.send({ topic: 'offs', messages: [{ value: 'c', timestamp: 5_000 }] })
    await producer.disconnect()
    expect(await admin.fetchTopicOffsets('offs')).toEqual([{ partition: 0, offset: 3, high: 3, low: 0 }])
    expect(await admin.fetchTopicOffsetsByTimestamp('offs', 3_000)).toEqual([{ partition: 0, offset: 2 }])
    expect(await admin.fetchTopicOffsetsByTimestamp('offs', 9_000)).toEqual([{ partition: 0, offset: 3 }])
  })
})

describe('produce and consume', () => {
  it('round-trips keys, values, headers and timestamps, and reports first offsets per partition', async () => {
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })
    const producer = faecie.producer({ lingerMs: 2 })
    const bytes = new Uint8Array([0, 1, 2, 255])
    const results = await producer.send({
      topic: 'orders',
      messages: [
        { key: 'o-1', value: '{"total":3}', headers: { source: 'web', tag: ['a', 'b'] }, timestamp: 1_700_000_000_000 },
        { key: bytes, value: bytes, partition: 1 },
        { key: 'o-2', value: null },
      ],
    })
    await producer.disconnect()
    const expected = new Set([partitionForKey('o-1', 3), 1, partitionForKey('o-2', 3)])
    expect(new Set(results.map((r) => r.partition))).toEqual(expected)
    for (const r of results) expect(r.baseOffset).toBe(0)

    const messages = await readAll('orders', 3, 3)
    const byKey = new Map(messages.map((m) => [m.key === null ? null : m.key.length === 4 ? 'bytes' : text(m.key), m]))
    const o1 = byKey.get('o-1')!
    expect(o1).toMatchObject({ topic: 'orders', partition: partitionForKey('o-1', 3), offset: 0, timestamp: 1_700_000_000_000 })
    expect(text(o1.value)).toBe('{"total":3}')
    expect(text(o1.headers.source as Uint8Array)).toBe('web')
    expect((o1.headers.tag as Uint8Array[]).map(text)).toEqual(['a', 'b'])
    expect(byKey.get('bytes')!.partition).toBe(1)
    expect([...byKey.get('bytes')!.value!]).toEqual([0, 1, 2, 255])
    expect(byKey.get('o-2')!.value).toBe(null)
  })

  it('sends the same key to the same partition, in order, as Kafka would', async () => {
    await admin.createTopics({ topics: [{ topic: 'keyed', numPartitions: 4 }] })
    const producer = faecie.producer({ lingerMs: 1, batchBytes: 2_000 })
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon']
    const sends = []
    for (let i = 0; i < 200; i++) sends.push(producer.send({ topic: 'keyed', messages: [{ key: keys[i % keys.length]!, value: String(i) }] }))
    await Promise.all(sends)
    await producer.disconnect()
    const messages = await readAll('keyed', 200, 4)
    for (const key of keys) {
      const mine = messages.filter((m) => text(m.key) === key)
      expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionForKey(key, 4)]))
      const values = mine.map((m) => Number(text(m.value)))
      expect(values).toEqual([...values].sort((a, b) => a - b))
      expect(values).toHaveLength(40)
    }
  })

  it('puts keyless records in sticky batches that move between partitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'keyless', numPartitions: 4 }] })
    const producer = faecie.producer({ lingerMs: 50, batchBytes: 1_000 })
    const one = await producer.send({ topic: 'keyless', messages: Array.from({ length: 5 }, (_, i) => ({ value: `small ${i}` })) })
    expect(one).toHaveLength(1) // five small records fit one batch: one partition
    const many = await producer.send({ topic: 'keyless', messages: Array.from({ length: 60 }, (_, i) => ({ value: `record ${i} `.padEnd(60, '.') })) })
    await producer.disconnect()
    expect(new Set(many.map((r) => r.partition)).size).toBeGreaterThan(1)
    expect((await readAll('keyless', 65, 4)).length).toBe(65)
  })

  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`round-trips ${compression} batches`, async () => {
      const topic = `codec-${compression}`
      await admin.createTopics({ topics: [{ topic }] })
      const producer = faecie.producer({ compression, lingerMs: 5 })
      const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `${compression} value ${i} `.repeat(10) }))
      await producer.send({ topic, messages })
      await producer.disconnect()
      const read = await readAll(topic, 300, 1)
      expect(read.map((m) => text(m.value))).toEqual(messages.map((m) => m.value))
      const [described] = await admin.describeTopics({ topics: [topic] })
      expect(described!.partitions![0]!.sizeBytes).toBeLessThan(300 * 100)
    })
  }

  for (const acks of [0, 1, 'all'] as const) {
    it(`acks ${acks}: every record arrives`, async () => {
      const topic = `acks-${acks}`
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
      const producer = faecie.producer({ acks, lingerMs: 1 })
      const results = await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
      for (const r of results) expect(r.baseOffset).toBe(acks === 0 ? -1 : 0)
      await producer.disconnect()
      expect((await readAll(topic, 50, 2)).length).toBe(50)
    })
  }

  it('refuses a send to a topic that does not exist, and to a partition it does not have', async () => {
    const producer = faecie.producer({ retry: { retries: 1, initialRetryTimeMs: 10, maxRetryTimeMs: 20 } })
    await expect(producer.send({ topic: 'nowhere', messages: [{ value: 'x' }] })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })
    await expect(producer.send({ topic: 'orders', messages: [{ value: 'x', partition: 7 }] })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })
    await producer.disconnect()
  })

  it('flush() waits for everything sent so far, even sends still connecting or looking up the topic', async () => {
    await admin.createTopics({ topics: [{ topic: 'flushed' }] })
    const producer = faecie.producer({ lingerMs: 60_000 })
    // A cold producer: the send still connects and learns the topic's partitions when flush() is called.
    const first = producer.send({ topic: 'flushed', messages: [{ value: 'first' }] })
    await producer.flush()
    expect((await admin.fetchTopicOffsets('flushed')).map((p) => p.high)).toEqual([1])
    await first
    // A warm producer: the record is in the buffer when send() returns, and lingers there until flushed.
    let acked = false
    const sent = producer.send({ topic: 'flushed', messages: [{ value: 'x' }] }).then(() => (acked = true))
    // Lingering: a request the broker answers after the send was made finds only the first record.
    expect((await admin.fetchTopicOffsets('flushed')).map((p) => p.high)).toEqual([1])
    expect(acked).toBe(false)
    await producer.flush()
    expect((await admin.fetchTopicOffsets('flushed')).map((p) => p.high)).toEqual([2])
    await sent
    expect(acked).toBe(true)
    await producer.disconnect()
  })
})

describe('ordering', () => {
  it('keeps call order for one key across concurrent send() calls on a cold producer', async () => {
    await admin.createTopics({ topics: [{ topic: 'order-cold', numPartitions: 3 }] })
    // A fresh producer with no cached metadata and a small buffer: every send waits for something
    // (connecting, the partition count, room), and must still append in call order.
    const producer = faecie.producer({ acks: -1, lingerMs: 1, bufferBytesMax: 64 * 1024 })
    const sends = Array.from({ length: 2000 }, (_, i) =>
      producer.send({ topic: 'order-cold', messages: [{ key: 'same', value: String(i).padStart(6, '0') + 'x'.repeat(100) }] }))
    await Promise.all(sends)
    await producer.disconnect()
    const messages = await readAll('order-cold', 2000, 3)
    const values = messages.map((m) => Number(text(m.value)!.slice(0, 6)))
    expect(values).toEqual(Array.from({ length: 2000 }, (_, i) => i))
  })
})

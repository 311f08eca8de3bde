// The client following partition leaders (src/cluster.ts, leaders.ts and their users) against a
// cluster of brokers in memory (fake-cluster.ts): produce, fetch, listOffsets and subscribe go to
// each partition's leader over one connection per broker; a leader that moves answers
// NOT_LEADER_OR_FOLLOWER and the client asks metadata again and retries at the new leader; a
// broker that goes away is routed around; the idempotent producer keeps its id and sequences across
// the move (the new leader dedupes a retried batch); consumers resume from their positions with no
// record skipped or read twice. And with a single broker the requests are exactly those of before.
import { ErrorCode } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Admin } from '../src/admin.js'
import { resolveConfig } from '../src/config.js'
import { Consumer } from '../src/consumer/consumer.js'
import type { ConsumerConfig } from '../src/consumer/config.js'
import type { ConsumedMessage } from '../src/consumer/message.js'
import { Producer } from '../src/producer/producer.js'
import { waitFor } from '../../../test/support/wait-for.js'
import { FakeCluster, urlOf } from './fake-cluster.js'

const RETRY = { retries: 8, initialRetryTimeMs: 1, maxRetryTimeMs: 20 }
const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

function clientOf(cluster: FakeCluster, brokers: number[]) {
  return resolveConfig({ brokers: brokers.map(urlOf), transport: cluster.transport, retry: RETRY })
}

function producerOf(cluster: FakeCluster, brokers: number[]): Producer {
  const producer = new Producer(clientOf(cluster, brokers), { lingerMs: 0 })
  closers.push(() => producer.disconnect())
  return producer
}

function consumerOf(cluster: FakeCluster, brokers: number[], config: ConsumerConfig = {}): Consumer {
  const consumer = new Consumer(clientOf(cluster, brokers), { maxWaitMs: 5, ...config })
  closers.push(() => consumer.disconnect())
  return consumer
}

/** Produce frames' (topic, partition, baseSequence, producerId) as each broker got them. */
function producedAt(cluster: FakeCluster, brokerId: number): Array<{ partition: number }> {
  return cluster.frames.filter((f) => f.brokerId === brokerId && f.op === 'produce')
    .flatMap((f) => (f.frame.topics as Array<{ partitions: Array<{ partition: number }> }>).flatMap((t) => t.partitions.map((p) => ({ partition: p.partition }))))
}

async function take(stream: AsyncGenerator<ConsumedMessage>, n: number): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = []
  while (out.length < n) {
    const next = await stream.next()
    if (next.done === true) break
    out.push(next.value)
  }
  return out
}

const text = (m: ConsumedMessage): string => new TextDecoder().decode(m.value!)

describe('routing to partition leaders', () => {
  it('sends each partition to its leader, one connection per broker, and follows a leader that moves', async () => {
    const cluster = new FakeCluster([1, 2])
    cluster.createTopic('t', [1, 2])
    const producer = producerOf(cluster, [1])
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] })
    expect(producedAt(cluster, 1)).toEqual([{ partition: 0 }])
    expect(producedAt(cluster, 2)).toEqual([{ partition: 1 }])
    expect(cluster.ops(1).filter((op) => op === 'hello')).toHaveLength(1)
    expect(cluster.ops(2).filter((op) => op === 'hello')).toHaveLength(1)

    cluster.moveLeader('t', 0, 2)
    const [moved] = await producer.send({ topic: 't', messages: [{ value: 'c', partition: 0 }] })
    expect(moved).toMatchObject({ partition: 0, baseOffset: 1 })
    // Refused by the old leader, then sent to the new one after a metadata refresh.
    expect(producedAt(cluster, 1)).toEqual([{ partition: 0 }, { partition: 0 }])
    expect(producedAt(cluster, 2)).toEqual([{ partition: 1 }, { partition: 0 }])
    expect(cluster.ops().filter((op) => op === 'metadata').length).toBeGreaterThanOrEqual(2)
    expect(cluster.values('t', 0)).toEqual(['a', 'c'])
  })

  it('keeps the idempotent producer id and sequences across the move: the new leader dedupes the retry', async () => {
    const cluster = new FakeCluster([1, 2])
    cluster.createTopic('t', [1])
    const producer = producerOf(cluster, [1, 2])
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }] })
    // Broker 1 writes the next batch, then dies before answering; the controller makes 2 the leader.
    cluster.intercept = (brokerId, frame) => {
      if (brokerId !== 1 || frame.op !== 'produce') return false
      cluster.answer(brokerId, frame, undefined as never)
      cluster.moveLeader('t', 0, 2)
      cluster.kill(1)
      return true
    }
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'x', partition: 0 }] })
    expect(result).toMatchObject({ partition: 0, baseOffset: 1 })
    expect(cluster.values('t', 0)).toEqual(['a', 'x'])
    const sent = cluster.frames.filter((f) => f.op === 'produce').map((f) => {
      const records = (f.frame.topics as Array<{ partitions: Array<{ records: Uint8Array }> }>)[0]!.partitions[0]!.records
      const view = new DataView(records.buffer, records.byteOffset)
      return { brokerId: f.brokerId, producerId: Number(view.getBigInt64(43)), baseSequence: view.getInt32(53) }
    })
    expect(sent).toEqual([
      { brokerId: 1, producerId: 1000, baseSequence: 0 },
      { brokerId: 1, producerId: 1000, baseSequence: 1 },
      { brokerId: 2, producerId: 1000, baseSequence: 1 },
    ])
    expect(cluster.ops().filter((op) => op === 'initProducerId')).toHaveLength(1)
  })

  for (const mode of ['fetch', 'push'] as const) {
    it(`reads on from the new leader (${mode}), nothing skipped or read twice`, async () => {
      const cluster = new FakeCluster([1, 2])
      cluster.createTopic('t', [1])
      const producer = producerOf(cluster, [1])
      for (const v of ['0', '1', '2']) await producer.send({ topic: 't', messages: [{ value: v, partition: 0 }] })
      const consumer = consumerOf(cluster, [1], { mode })
      consumer.assign([{ topic: 't', partition: 0, offset: 0 }])
      const stream = consumer.stream()
      expect((await take(stream, 3)).map(text)).toEqual(['0', '1', '2'])
      cluster.moveLeader('t', 0, 2)
      for (const v of ['3', '4']) await producer.send({ topic: 't', messages: [{ value: v, partition: 0 }] })
      const rest = await take(stream, 2)
      expect(rest.map((m) => [m.offset, text(m)])).toEqual([[3, '3'], [4, '4']])
      const op = mode === 'fetch' ? 'fetch' : 'subscribe'
      expect(cluster.ops(2)).toContain(op)
      if (mode === 'push') {
        const resubscribed = cluster.frames.find((f) => f.brokerId === 2 && f.op === 'subscribe')!
        expect(resubscribed.frame.offset).toBe(3)
      }
    })
  }

  it('asks metadata once for many partitions that lost their leader together', async () => {
    const cluster = new FakeCluster([1, 2])
    const partitions = 8
    cluster.createTopic('t', Array.from({ length: partitions }, () => 1))
    const producer = producerOf(cluster, [1])
    for (let p = 0; p < partitions; p++) await producer.send({ topic: 't', messages: [{ value: `a${p}`, partition: p }] })
    const consumer = consumerOf(cluster, [1])
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: 't', partition, offset: 0 })))
    const stream = consumer.stream()
    expect(await take(stream, partitions)).toHaveLength(partitions)
    const before = cluster.ops().filter((op) => op === 'metadata').length
    for (let p = 0; p < partitions; p++) cluster.moveLeader('t', p, 2)
    const producing = producer.send({ topic: 't', messages: Array.from({ length: partitions }, (_, p) => ({ value: `b${p}`, partition: p })) })
    const read = await take(stream, partitions)
    await producing
    expect(read.map((m) => [m.partition, m.offset, text(m)]).sort()).toEqual(Array.from({ length: partitions }, (_, p) => [p, 1, `b${p}`]).sort())
    // The producer's and the consumer's clients each refresh the topic once (not once per partition).
    expect(cluster.ops().filter((op) => op === 'metadata').length - before).toBeLessThanOrEqual(4)
  })

  it('does not take a broker whose URL now reaches another broker for the leader', async () => {
    const cluster = new FakeCluster([1, 2])
    cluster.createTopic('t', [2])
    // Broker 2's URL answers as broker 1 (a stale advertised address): the partition cannot be reached.
    const transport = cluster.transport
    const config = resolveConfig({
      brokers: [urlOf(1)], retry: RETRY,
      transport: (url, handlers, options) => transport(url.replace('b2:', 'b1:'), handlers, options),
    })
    const producer = new Producer(config, { lingerMs: 0, deliveryTimeoutMs: 200 })
    closers.push(() => producer.disconnect())
    await expect(producer.send({ topic: 't', messages: [{ value: 'a' }] })).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT })
    expect(cluster.values('t', 0)).toEqual([])
    // Paced: each refused session is followed by a backoff, not a spin.
    expect(cluster.ops(1).filter((op) => op === 'hello').length).toBeLessThan(40)
  })

  it('routes around a broker that goes away, and listOffsets asks each leader', async () => {
    const cluster = new FakeCluster([1, 2, 3])
    cluster.createTopic('t', [1, 2])
    const producer = producerOf(cluster, [1, 3])
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] })
    const consumer = consumerOf(cluster, [3])
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }, { topic: 't', partition: 1, offset: 0 }])
    const stream = consumer.stream()
    // Fetched first from broker 3 (no metadata yet: refused there), then from the leaders.
    expect((await take(stream, 2)).map(text).sort()).toEqual(['a', 'b'])
    cluster.moveLeader('t', 0, 3)
    cluster.kill(1)
    await producer.send({ topic: 't', messages: [{ value: 'c', partition: 0 }] })
    expect((await take(stream, 1)).map((m) => [m.partition, m.offset, text(m)])).toEqual([[0, 1, 'c']])

    const admin = new Admin(clientOf(cluster, [2]))
    closers.push(() => admin.disconnect())
    expect(await admin.fetchTopicOffsets('t')).toEqual([{ partition: 0, offset: 2, high: 2, low: 0 }, { partition: 1, offset: 1, high: 1, low: 0 }])
    const asked = cluster.frames.filter((f) => f.op === 'listOffsets').map((f) => f.brokerId)
    expect(new Set(asked)).toEqual(new Set([2, 3]))
  })

  for (const mode of ['fetch', 'push'] as const) {
    it(`rides out a leader that refuses its partition for longer than the retry budget (${mode}), as Kafka's consumer does`, async () => {
      const cluster = new FakeCluster([1])
      cluster.createTopic('t', [1])
      const producer = producerOf(cluster, [1])
      await producer.send({ topic: 't', messages: [{ value: '0', partition: 0 }] })
      const consumer = consumerOf(cluster, [1], { mode })
      const crashes: unknown[] = []
      consumer.on('crash', (err) => crashes.push(err))
      consumer.assign([{ topic: 't', partition: 0, offset: 0 }])
      const stream = consumer.stream()
      expect((await take(stream, 1)).map(text)).toEqual(['0'])
      cluster.stall('t', 0)
      const op = mode === 'fetch' ? 'fetch' : 'subscribe'
      const before = cluster.ops(1).filter((o) => o === op).length
      // Refused more times than the budget has retries: a consumer with a budget would have given up.
      await waitFor(`${RETRY.retries * 3} refused ${op} requests, or a crash`, () => crashes.length > 0 || cluster.ops(1).filter((o) => o === op).length - before > RETRY.retries * 3)
      expect(crashes).toEqual([])
      cluster.stall('t', 0, false)
      await producer.send({ topic: 't', messages: [{ value: '1', partition: 0 }] })
      expect((await take(stream, 1)).map((m) => [m.offset, text(m)])).toEqual([[1, '1']])
      expect(crashes).toEqual([])
    })
  }

  it('backs off while a partition\'s leader is gone, and a batch that finds none expires', async () => {
    const cluster = new FakeCluster([1, 2])
    cluster.createTopic('t', [1])
    const producer = new Producer(clientOf(cluster, [2]), { lingerMs: 0, deliveryTimeoutMs: 300 })
    closers.push(() => producer.disconnect())
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }] })
    cluster.kill(1) // metadata still names broker 1 (no election), but not among the live brokers
    const metadataBefore = cluster.ops(2).filter((op) => op === 'metadata').length
    await expect(producer.send({ topic: 't', messages: [{ value: 'b', partition: 0 }] })).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT })
    const refreshes = cluster.ops(2).filter((op) => op === 'metadata').length - metadataBefore
    // Paced by the backoff (at most 20 ms apart after the first few), not a spin: a few dozen at most.
    expect(refreshes).toBeGreaterThanOrEqual(2)
    expect(refreshes).toBeLessThan(100)
    expect(cluster.values('t', 0)).toEqual(['a'])
  })
})

describe('admin in a cluster', () => {
  it('bootstraps from the first broker of the list that answers, and sends admin ops there', async () => {
    const cluster = new FakeCluster([2, 3])
    const admin = new Admin(clientOf(cluster, [1, 2, 3]))
    closers.push(() => admin.disconnect())
    await admin.createTopics({ topics: [{ topic: 'r', numPartitions: 3, replicationFactor: 2 }] })
    const created = cluster.frames.find((f) => f.op === 'createTopics')!
    expect(created.brokerId).toBe(2)
    expect(created.frame.topics).toEqual([{ topic: 'r', numPartitions: 3, replicationFactor: 2 }])
    expect(await admin.describeCluster()).toEqual({
      mode: 'cluster', clusterId: 'fake', controllerId: 2, etcd: ['http://etcd:2379'],
      brokers: [{ brokerId: 2, url: 'ws://b2:1', rack: 'r2' }, { brokerId: 3, url: 'ws://b3:1', rack: 'r3' }],
    })
    expect(cluster.ops(2).filter((op) => op === 'hello')).toHaveLength(1)
  })

  it('describes topics with each partition\'s leader, replicas and ISR', async () => {
    const cluster = new FakeCluster([1, 2])
    cluster.createTopic('t', [2, 1])
    const admin = new Admin(clientOf(cluster, [1]))
    closers.push(() => admin.disconnect())
    cluster.moveLeader('t', 1, 2)
    const [described] = await admin.describeTopics({ topics: ['t'], includeReplicas: true })
    expect(described!.partitions).toEqual([
      { partition: 0, leader: 2, leaderEpoch: 0, replicas: [1, 2], isr: [1, 2], logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0 },
      { partition: 1, leader: 2, leaderEpoch: 1, replicas: [1, 2], isr: [1, 2], logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0 },
    ])
    const [plain] = await admin.describeTopics({ topics: ['t'] })
    expect(plain!.partitions![0]).not.toHaveProperty('leader')
  })

  it('takes each partition\'s offsets and size from its leader, not from the broker asked; -1 with no leader', async () => {
    const cluster = new FakeCluster([1, 2, 3])
    cluster.createTopic('t', [1, 2, 3, 2])
    cluster.appendValues('t', 0, ['a'])
    cluster.appendValues('t', 1, ['a', 'b'])
    cluster.appendValues('t', 2, ['a', 'b', 'c'])
    const admin = new Admin(clientOf(cluster, [1]))
    closers.push(() => admin.disconnect())
    cluster.moveLeader('t', 3, -1)
    const [described] = await admin.describeTopics({ topics: ['t'], includeReplicas: true })
    expect(described!.partitions!.map((p) => [p.partition, p.leader, p.highWatermark, p.logEndOffset, p.sizeBytes])).toEqual([
      [0, 1, 1, 1, 10], [1, 2, 2, 2, 20], [2, 3, 3, 3, 30], [3, -1, -1, -1, 0],
    ])
    // One describeTopics per leading broker.
    expect([1, 2, 3].map((id) => cluster.ops(id).filter((op) => op === 'describeTopics').length)).toEqual([1, 1, 1])
  })

  it('describes an internal topic named explicitly from its metadata', async () => {
    const cluster = new FakeCluster([1, 2])
    cluster.createInternalTopic('__consumer_offsets', [1, 2])
    const admin = new Admin(clientOf(cluster, [1]))
    closers.push(() => admin.disconnect())
    const [described] = await admin.describeTopics({ topics: ['__consumer_offsets'], includeReplicas: true })
    expect(described).toMatchObject({ topic: '__consumer_offsets', topicId: 'id-__consumer_offsets' })
    expect(described!.partitions!.map((p) => [p.partition, p.leader, p.highWatermark])).toEqual([[0, 1, -1], [1, 2, -1]])
    await expect(admin.describeTopics({ topics: ['nope'] })).rejects.toThrow(/nope/)
  })
})

describe('a single broker', () => {
  it('gets exactly the requests it got before clusters: one session, metadata once', async () => {
    const cluster = new FakeCluster([0])
    cluster.createTopic('t', [0, 0])
    const producer = producerOf(cluster, [0])
    for (const v of ['a', 'b', 'c']) await producer.send({ topic: 't', messages: [{ value: v, partition: v === 'b' ? 1 : 0 }] })
    expect(cluster.ops()).toEqual(['hello', 'initProducerId', 'metadata', 'produce', 'produce', 'produce'])
  })

  it('a consumer with assign() asks no metadata', async () => {
    const cluster = new FakeCluster([0])
    cluster.createTopic('t', [0])
    const producer = producerOf(cluster, [0])
    await producer.send({ topic: 't', messages: [{ value: 'a' }] })
    const seenBefore = cluster.frames.length
    const consumer = consumerOf(cluster, [0])
    consumer.assign([{ topic: 't', partition: 0 }])
    const stream = consumer.stream()
    const first = take(stream, 1)
    await waitFor('the consumer\'s first fetch', () => cluster.ops().slice(seenBefore).includes('fetch'))
    await producer.send({ topic: 't', messages: [{ value: 'b' }] })
    expect((await first).map(text)).toEqual(['b'])
    const consumerOps = cluster.frames.slice(seenBefore).filter((f) => f.op !== 'produce').map((f) => f.op)
    expect(new Set(consumerOps)).toEqual(new Set(['hello', 'listOffsets', 'fetch']))
    expect(consumerOps.filter((op) => op === 'hello')).toHaveLength(1)
  })
})

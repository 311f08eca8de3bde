// Every op of docs/protocol.md against a real broker process, spoken with raw frames: hello first,
// topics admin (create, describe, alter, grow, delete), producer ids, produce with every acks,
// fetch and listOffsets, and answers overtaking each other on one socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, PROTOCOL_VERSION } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient, readAll, valuesOf } from '../support/broker-raw-client.js'

let broker: BrokerProcess
let client: RawClient

beforeAll(async () => {
  broker = await startBrokerProcess()
  client = await RawClient.connect(broker.url)
})

afterAll(async () => {
  await client?.close()
  await broker?.stop()
  expect(broker.exitCode).toBe(0)
})

describe('hello', () => {
  it('is required first, checks the version, and announces the limits', async () => {
    const fresh = await RawClient.connect(broker.url, { hello: false })
    const early = await fresh.request('metadata', {})
    expect(early.error.code).toBe(ErrorCode.HELLO_REQUIRED)
    const wrong = await fresh.request('hello', { protocolVersion: PROTOCOL_VERSION + 1 })
    expect(wrong.error.code).toBe(ErrorCode.UNSUPPORTED_VERSION)
    const hello = await fresh.request('hello', { protocolVersion: PROTOCOL_VERSION, clientId: 'ops-test' })
    expect(hello.error).toBeUndefined()
    expect(hello.protocolVersion).toBe(PROTOCOL_VERSION)
    expect(hello.brokerId).toBe(0)
    expect(typeof hello.serverVersion).toBe('string')
    for (const key of ['frameBytesMax', 'batchBytesMax', 'inFlightMax', 'subscriptionsMax', 'maxWaitMsMax', 'sessionsMax', 'partitionsPerTopicMax']) {
      expect(hello.limits[key], key).toBeGreaterThan(0)
    }
    expect(hello.limits.frameBytesMax).toBeGreaterThan(hello.limits.batchBytesMax)
    await fresh.close()
  })
})

describe('topic admin', () => {
  it('creates topics, refusing bad names, bad configs and bad partition counts per topic', async () => {
    const answer = await client.request('createTopics', {
      topics: [
        { topic: 'orders', numPartitions: 3, config: { 'retention.ms': '3600000' } },
        { topic: 'bad name!' },
        { topic: '__mine' },
        { topic: '..' },
        { topic: 'x'.repeat(250) },
        { topic: 'unknown-key', config: { 'no.such.key': '1' } },
        { topic: 'bad-value', config: { 'retention.ms': 'soon' } },
        { topic: 'bad-flush', config: { flush: 'sometimes' } },
        { topic: 'compacted', config: { 'cleanup.policy': 'compacted' } },
        { topic: 'zero-partitions', numPartitions: 0 },
        { topic: 'too-many-partitions', numPartitions: 100_000 },
      ],
    })
    const byTopic = new Map<string, any>(answer.topics.map((t: any) => [t.topic, t]))
    expect(byTopic.get('orders').error).toBeUndefined()
    expect(byTopic.get('orders').topicId).toMatch(/^[0-9a-f-]{36}$/)
    const code = (topic: string): number => byTopic.get(topic).error?.code
    expect(code('bad name!')).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(code('__mine')).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(code('..')).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(code('x'.repeat(250))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(code('unknown-key')).toBe(ErrorCode.INVALID_CONFIG)
    expect(code('bad-value')).toBe(ErrorCode.INVALID_CONFIG)
    expect(code('bad-flush')).toBe(ErrorCode.INVALID_CONFIG)
    expect(code('compacted')).toBe(ErrorCode.INVALID_CONFIG)
    expect(code('zero-partitions')).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(code('too-many-partitions')).toBe(ErrorCode.INVALID_PARTITIONS)
  })

  it('answers TOPIC_ALREADY_EXISTS, unless ifNotExists; validateOnly creates nothing', async () => {
    const again = await client.request('createTopics', { topics: [{ topic: 'orders' }] })
    expect(again.topics[0].error.code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    const meta = await client.request('metadata', { topics: ['orders'] })
    const quiet = await client.request('createTopics', { topics: [{ topic: 'orders' }], ifNotExists: true })
    expect(quiet.topics[0].error).toBeUndefined()
    expect(quiet.topics[0].topicId).toBe(meta.topics[0].topicId)
    const dry = await client.request('createTopics', { topics: [{ topic: 'dry-run', numPartitions: 2 }], validateOnly: true })
    expect(dry.topics[0].error).toBeUndefined()
    const after = await client.request('metadata', { topics: ['dry-run'] })
    expect(after.topics[0].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('refuses a replication factor above 1: a single broker holds one replica', async () => {
    const answer = await client.request('createTopics', { topics: [
      { topic: 'replicated', replicationFactor: 3 }, { topic: 'replicated-dry', replicationFactor: 2 }, { topic: 'one-replica', replicationFactor: 1 },
    ] })
    expect(answer.topics.map((t: any) => t.error?.code)).toEqual([ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_REPLICATION_FACTOR, undefined])
    const meta = await client.request('metadata', { topics: ['replicated', 'one-replica'] })
    expect(meta.topics.map((t: any) => t.error?.code)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined])
  })

  it('describes the cluster: a single broker is its only broker and its controller, without etcd', async () => {
    const answer = await client.request('describeCluster', {})
    expect(answer).toMatchObject({ mode: 'single', controllerId: 0, brokers: [{ brokerId: 0, url: broker.url, rack: null }], etcd: [] })
    expect(answer.clusterId).toBe((await client.request('metadata', {})).clusterId)
  })

  it('lists topics in metadata with partitions, leaders, replicas and ISR: a single broker is all of them, at epoch 0', async () => {
    const all = await client.request('metadata', {})
    expect(all.brokers).toEqual([{ brokerId: 0, url: broker.url, rack: null }])
    const fresh = await RawClient.connect(broker.url, { hello: false })
    const hello = await fresh.request('hello', { protocolVersion: PROTOCOL_VERSION })
    await fresh.close()
    expect(all.clusterId).toMatch(/^[0-9a-f-]{36}$/)
    expect(all.clusterId).toBe(hello.clusterId)
    expect(all.controllerId).toBe(0)
    const orders = all.topics.find((t: any) => t.topic === 'orders')
    expect(orders.internal).toBe(false)
    expect(orders.partitions).toEqual([0, 1, 2].map((partition) => ({ partition, leader: 0, leaderEpoch: 0, replicas: [0], isr: [0] })))
    expect(all.topics.some((t: any) => t.topic.startsWith('__'))).toBe(false)
  })

  it('describes topics: effective config and per-partition offsets', async () => {
    const answer = await client.request('describeTopics', { topics: ['orders', 'missing'] })
    const [orders, missing] = answer.topics
    expect(orders.config['retention.ms']).toBe('3600000')
    expect(orders.config.flush).toBe('always')
    expect(orders.config['cleanup.policy']).toBe('delete')
    expect(orders.partitions).toHaveLength(3)
    expect(orders.partitions[0]).toEqual({ partition: 0, logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0 })
    expect(missing.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('alters config (nil resets a key) and refuses bad changes as a whole', async () => {
    const altered = await client.request('alterTopicConfig', { topic: 'orders', config: { 'retention.ms': null, flush: 'interval', 'flush.ms': '50' } })
    expect(altered.error).toBeUndefined()
    expect(altered.config['retention.ms']).toBe(String(7 * 24 * 3600 * 1000))
    expect(altered.config.flush).toBe('interval')
    const bad = await client.request('alterTopicConfig', { topic: 'orders', config: { 'segment.bytes': '-5' } })
    expect(bad.error.code).toBe(ErrorCode.INVALID_CONFIG)
    const unknown = await client.request('alterTopicConfig', { topic: 'nope', config: { flush: 'never' } })
    expect(unknown.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const back = await client.request('alterTopicConfig', { topic: 'orders', config: { flush: null, 'flush.ms': null } })
    expect(back.config.flush).toBe('always')
  })

  it('grows partitions but never shrinks them', async () => {
    const grown = await client.request('createPartitions', { topic: 'orders', count: 4 })
    expect(grown).toMatchObject({ topic: 'orders', count: 4 })
    const shrink = await client.request('createPartitions', { topic: 'orders', count: 2 })
    expect(shrink.error.code).toBe(ErrorCode.INVALID_PARTITIONS)
    const produced = await client.request('produce', produceFrame('orders', 3, batchOf('new-partition')))
    expect(firstPartition(produced).error).toBeUndefined()
  })

  it('hands out distinct producer ids', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => client.request('initProducerId', {})))
    expect(new Set(ids.map((a) => a.producerId)).size).toBe(5)
    for (const a of ids) expect(a.producerEpoch).toBe(0)
  })
})

describe('produce, fetch, listOffsets', () => {
  it('produces to several partitions in one request, answered per partition', async () => {
    await client.request('createTopics', { topics: [{ topic: 'multi', numPartitions: 2 }] })
    const answer = await client.request('produce', {
      acks: -1,
      topics: [
        { topic: 'multi', partitions: [{ partition: 0, records: batchOf('p0') }, { partition: 1, records: batchOf('p1', 2) }, { partition: 7, records: batchOf('p7') }] },
        { topic: 'nowhere', partitions: [{ partition: 0, records: batchOf('x') }] },
      ],
    })
    const [multi, nowhere] = answer.topics
    expect(multi.partitions[0]).toMatchObject({ partition: 0, baseOffset: 0, logAppendTime: -1, logStartOffset: 0 })
    expect(multi.partitions[1]).toMatchObject({ partition: 1, baseOffset: 0 })
    expect(multi.partitions[2].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(nowhere.partitions[0].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const second = await client.request('produce', produceFrame('multi', 0, batchOf('p0-again'), 1))
    expect(firstPartition(second).baseOffset).toBe(3)
  })

  it('acks 0 gets no answer, and the records land', async () => {
    client.fireAndForget('produce', produceFrame('multi', 1, batchOf('quiet', 4), 0))
    const marker = await client.request('produce', produceFrame('multi', 1, batchOf('after-quiet', 1)))
    expect(firstPartition(marker).baseOffset).toBe(6)
    const { values } = await readAll(client, 'multi', 1)
    expect(values).toEqual(['p1-0', 'p1-1', 'quiet-0', 'quiet-1', 'quiet-2', 'quiet-3', 'after-quiet-0'])
    expect(client.stray).toEqual([])
  })

  it('fetches whole batches, at least one even past maxBytes, and refuses offsets out of range', async () => {
    const one = firstPartition(await client.request('fetch', fetchFrame('multi', 0, 0, { maxBytes: 1 })))
    expect(valuesOf(one.records)).toEqual(['p0-0', 'p0-1', 'p0-2'])
    expect(one.highWatermark).toBe(6)
    const both = firstPartition(await client.request('fetch', fetchFrame('multi', 0, 0)))
    expect(valuesOf(both.records)).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-again-0', 'p0-again-1', 'p0-again-2'])
    const atEnd = firstPartition(await client.request('fetch', fetchFrame('multi', 0, 6)))
    expect(atEnd.records.length).toBe(0)
    expect(atEnd.error).toBeUndefined()
    const past = firstPartition(await client.request('fetch', fetchFrame('multi', 0, 7)))
    expect(past.error.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    const missing = firstPartition(await client.request('fetch', fetchFrame('multi', 9, 0)))
    expect(missing.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('lists earliest, latest and by-timestamp offsets', async () => {
    await client.request('createTopics', { topics: [{ topic: 'timed' }] })
    await client.request('produce', produceFrame('timed', 0, batchOf('old', 2, { timestamp: 1_000_000 })))
    await client.request('produce', produceFrame('timed', 0, batchOf('new', 2, { timestamp: 2_000_000 })))
    const answer = await client.request('listOffsets', {
      topics: [{ topic: 'timed', partitions: [-2, -1, 1_500_000, 3_000_000].map((timestamp) => ({ partition: 0, timestamp })) }],
    })
    expect(answer.topics[0].partitions.map((p: any) => p.offset)).toEqual([0, 4, 2, -1])
    const missing = await client.request('listOffsets', { topics: [{ topic: 'timed', partitions: [{ partition: 5, timestamp: -1 }] }] })
    expect(firstPartition(missing).error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('stamps LogAppendTime batches with the broker time', async () => {
    await client.request('createTopics', { topics: [{ topic: 'stamped', config: { 'message.timestamp.type': 'LogAppendTime' } }] })
    const before = Date.now()
    const produced = firstPartition(await client.request('produce', produceFrame('stamped', 0, batchOf('s', 2, { timestamp: 5 }))))
    expect(produced.logAppendTime).toBeGreaterThanOrEqual(before - 1000)
    const fetched = firstPartition(await client.request('fetch', fetchFrame('stamped', 0, 0)))
    expect(valuesOf(fetched.records)).toEqual(['s-0', 's-1'])
  })

  it('refuses bad fields with INVALID_REQUEST naming the field', async () => {
    const answer = await client.request('produce', { acks: 2, topics: [] })
    expect(answer.error.code).toBe(ErrorCode.INVALID_REQUEST)
    expect(answer.error.message).toContain('acks')
  })

  it('answers out of order: a long poll does not hold up a later request', async () => {
    await client.request('createTopics', { topics: [{ topic: 'idle' }] })
    const slow = client.request('fetch', fetchFrame('idle', 0, 0, { maxWaitMs: 30_000, minBytes: 1 }))
    const order: string[] = []
    void slow.then(() => order.push('fetch'))
    await client.request('metadata', { topics: ['idle'] }).then(() => order.push('metadata'))
    expect(order).toEqual(['metadata'])
    // The poll is answered by a produce that came after the metadata answer: it was still waiting then.
    await client.request('produce', produceFrame('idle', 0, batchOf('late', 1)))
    const answer = firstPartition(await slow)
    expect(order).toEqual(['metadata', 'fetch'])
    expect(valuesOf(answer.records)).toEqual(['late-0'])
  })

  it('deletes topics; their data is gone and the name can be reused with a new id', async () => {
    const before = await client.request('metadata', { topics: ['multi'] })
    const deleted = await client.request('deleteTopics', { topics: ['multi', 'never-was'] })
    expect(deleted.topics[0].error).toBeUndefined()
    expect(deleted.topics[1].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const produce = await client.request('produce', produceFrame('multi', 0, batchOf('late')))
    expect(firstPartition(produce).error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const recreated = await client.request('createTopics', { topics: [{ topic: 'multi' }] })
    expect(recreated.topics[0].topicId).not.toBe(before.topics[0].topicId)
    const empty = firstPartition(await client.request('fetch', fetchFrame('multi', 0, 0)))
    expect(empty.highWatermark).toBe(0)
  })
})

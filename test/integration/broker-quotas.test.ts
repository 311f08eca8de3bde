// Client quotas on a real broker process (security.quotas, KIP-219): an answer over the quota comes
// at once carrying throttleTimeMs, the session is not read until the throttle has passed (the
// request sent meanwhile is answered only after the broker counted the throttle's end), the
// throttle time is counted per principal in /metrics, and @faecie/client's producer and consumer,
// throttled over and over, still deliver every record exactly once and in order. The Kafka listener
// the same, with Produce's throttle_time_ms. Windows of 100 ms (security.limits) keep the run to
// seconds; the rates themselves are measured by `pnpm bench --workloads quota`, never here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type ConsumedMessage } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, firstPartition, produceFrame, RawClient } from '../support/broker-raw-client.js'
import { kafkaPortOf } from '../support/kafka-protocol.js'
import { KafkaRawClient } from '../support/kafka-raw-client.js'
import { writeTempFile } from '../support/temp-dir.js'

const THROTTLE_MS_MAX = 1500
const CONFIG = {
  security: {
    limits: { quotaWindowMs: 100, quotaThrottleTimeMsMax: THROTTLE_MS_MAX },
    quotas: {
      // RawClient says hello as raw-test: 1 KB/s, so one 20 KB produce earns the longest throttle.
      clientIds: { 'raw-test': { produceBytesPerSec: 1000 }, 'kafka-raw-client': { produceBytesPerSec: 1000 }, 'quota-client': { produceBytesPerSec: 40_000, fetchBytesPerSec: 40_000 } },
    },
  },
}

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess({ args: ['--config', writeTempFile('quotas', 'broker.json', CONFIG)] })
})

afterAll(async () => {
  await broker?.stop()
})

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${broker.port}/metrics`)
  expect(response.status).toBe(200)
  return response.text()
}

/** The value of `name{labels}` (labels exactly, in any order), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    if ((match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter((s) => s !== '').sort().join(',') === wanted) return Number(match[3])
  }
  return 0
}

describe('client quotas', () => {
  it('answers over the quota at once with throttleTimeMs, then does not read the session until it has passed', async () => {
    const client = await RawClient.connect(broker.url)
    try {
      expect((await client.request('createTopics', { topics: [{ topic: 'throttled', numPartitions: 1 }] })).topics[0].error).toBeUndefined()
      const before = await scrape()
      const endedBefore = sample(before, 'faecie_quota_throttles_ended_total')
      const records = batchOf('x'.repeat(2000), 10)
      const answer = await client.request('produce', produceFrame('throttled', 0, records))
      // The produce succeeded: nothing fails over a quota.
      expect(firstPartition(answer).error).toBeUndefined()
      expect(firstPartition(answer).baseOffset).toBe(0)
      expect(answer.throttleTimeMs).toBe(THROTTLE_MS_MAX)
      // Sent while the session is muted: read, and so answered, only once the throttle has ended,
      // which the broker counts before it reads again.
      const next = await client.request('metadata', { topics: ['throttled'] })
      expect(next.error).toBeUndefined()
      const after = await scrape()
      expect(sample(after, 'faecie_quota_throttles_ended_total')).toBeGreaterThan(endedBefore)
      expect(sample(after, 'faecie_quota_throttle_time_ms_total', { principal: 'User:ANONYMOUS', quota: 'produce' }) -
        sample(before, 'faecie_quota_throttle_time_ms_total', { principal: 'User:ANONYMOUS', quota: 'produce' })).toBe(THROTTLE_MS_MAX)
    } finally {
      await client.close()
    }
  })

  it('keeps the first hello\'s client id: a second hello naming another buys no fresh quota', async () => {
    const client = await RawClient.connect(broker.url) // hello as raw-test: 1 KB/s
    try {
      const again = await client.request('hello', { protocolVersion: 1, clientId: 'no-quota-here' })
      expect(again.error).toBeUndefined()
      expect((await client.request('createTopics', { topics: [{ topic: 'rehello', numPartitions: 1 }] })).topics[0].error).toBeUndefined()
      const answer = await client.request('produce', produceFrame('rehello', 0, batchOf('x'.repeat(2000), 10)))
      expect(firstPartition(answer).error).toBeUndefined()
      expect(answer.throttleTimeMs).toBe(THROTTLE_MS_MAX)
    } finally {
      await client.close()
    }
  })

  it('on the Kafka listener, sets throttle_time_ms of the Produce response and mutes the connection the same way', async () => {
    const admin = await RawClient.connect(broker.url)
    expect((await admin.request('createTopics', { topics: [{ topic: 'kafka-throttled', numPartitions: 1 }] })).topics[0].error).toBeUndefined()
    await admin.close()
    const client = await KafkaRawClient.connect(await kafkaPortOf(broker))
    try {
      const before = await scrape()
      const response = await client.call('Produce', 9, {
        transactionalId: null, acks: 1, timeoutMs: 30_000,
        topicData: [{ name: 'kafka-throttled', partitionData: [{ index: 0, records: batchOf('k'.repeat(2000), 10) }] }],
      })
      expect(response.responses[0].partitionResponses[0].errorCode).toBe(0)
      expect(response.throttleTimeMs).toBe(THROTTLE_MS_MAX)
      const metadata = await client.call('Metadata', 9, { topics: [{ name: 'kafka-throttled' }] })
      expect(metadata.topics[0].errorCode).toBe(0)
      const after = await scrape()
      expect(sample(after, 'faecie_quota_throttles_ended_total')).toBeGreaterThan(sample(before, 'faecie_quota_throttles_ended_total'))
    } finally {
      client.close()
    }
  })

  it('a throttled producer and consumer still deliver every record exactly once, in order', async () => {
    const faecie = new Faecie({ brokers: [broker.url], clientId: 'quota-client' })
    const admin = faecie.admin()
    const producer = faecie.producer({ lingerMs: 5 })
    const consumer = faecie.consumer({ maxWaitMs: 200, autoOffsetReset: 'earliest', maxBytesPerPartition: 8 * 1024 })
    try {
      await admin.createTopics({ topics: [{ topic: 'quota-roundtrip', numPartitions: 1 }] })
      // 100 KB against 40 KB/s of produce quota and 40 KB/s of fetch quota, one send (and one fetch
      // of at most 8 KB) at a time: once past the first second's worth, nearly every answer throttles.
      const values = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(4, '0')}-${'v'.repeat(1000)}`)
      const before = await scrape()
      for (const value of values) await producer.send({ topic: 'quota-roundtrip', messages: [{ value }] })
      consumer.assign([{ topic: 'quota-roundtrip', partition: 0 }])
      const got: ConsumedMessage[] = []
      const stream = consumer.stream()
      while (got.length < values.length) got.push((await stream.next()).value as ConsumedMessage)
      expect(got.map((m) => new TextDecoder().decode(m.value!))).toEqual(values)
      expect(got.map((m) => m.offset)).toEqual(values.map((_v, i) => i))
      // Nothing after them either: the log ends at 100 (no resend was appended twice).
      const raw = await RawClient.connect(broker.url)
      const end = await raw.request('listOffsets', { topics: [{ topic: 'quota-roundtrip', partitions: [{ partition: 0, timestamp: -1 }] }] })
      await raw.close()
      expect(firstPartition(end).offset).toBe(values.length)
      const after = await scrape()
      for (const quota of ['produce', 'fetch']) {
        const labels = { principal: 'User:ANONYMOUS', quota }
        expect(sample(after, 'faecie_quota_throttle_time_ms_total', labels), quota).toBeGreaterThan(sample(before, 'faecie_quota_throttle_time_ms_total', labels))
      }
    } finally {
      await consumer.disconnect()
      await producer.disconnect()
      await admin.disconnect()
    }
  })
})

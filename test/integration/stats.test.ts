// The `stats` op through @faecie/client's admin.stats() against a real broker process: the shape of
// docs/protocol.md, user topics counted (internal ones not), and the rate series moving by exactly the
// records produced and consumed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { Faecie, type Admin, type BrokerStats, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { RawClient } from '../support/broker-raw-client.js'

let broker: BrokerProcess
let faecie: Faecie
let admin: Admin
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'stats-test' })
  admin = faecie.admin()
  producer = faecie.producer({ lingerMs: 0 })
})

afterAll(async () => {
  await producer?.disconnect()
  await admin?.disconnect()
  await broker?.stop()
})

const sum = (stats: BrokerStats, field: 'recordsIn' | 'recordsOut' | 'bytesIn'): number =>
  stats.series.reduce((n, p) => n + p[field], 0)

describe('stats', () => {
  it('answers the broker figures in the documented shape', async () => {
    const askedMs = Date.now()
    const stats = await admin.stats()
    expect(Object.keys(stats).sort()).toEqual(['brokerId', 'heapUsedBytes', 'intervalMs', 'partitions', 'rssBytes', 'series', 'serverVersion',
      'sessions', 'sizeBytes', 'topics', 'uptimeMs', 'url'])
    expect(stats.url).toBe(broker.url)
    expect(stats.intervalMs).toBe(10_000)
    expect(stats.uptimeMs).toBeGreaterThan(0)
    expect(stats.rssBytes).toBeGreaterThan(stats.heapUsedBytes)
    expect(stats.sessions).toBeGreaterThanOrEqual(1)
    expect(stats.series.length).toBeGreaterThanOrEqual(1)
    expect(stats.series.length).toBeLessThanOrEqual(30)
    const last = stats.series[stats.series.length - 1]!
    // The current point: the interval holding the moment of the answer, which came after askedMs.
    expect(last.atMs).toBeLessThanOrEqual(Date.now())
    expect(last.atMs).toBeGreaterThan(askedMs - stats.intervalMs)
    stats.series.slice(1).forEach((p, i) => expect(p.atMs - stats.series[i]!.atMs).toBe(10_000))
  })

  it('counts user topics and partitions, and the series grows by the records produced and consumed', async () => {
    const before = await admin.stats()
    await admin.createTopics({ topics: [{ topic: 'st-a', numPartitions: 2 }, { topic: 'st-b', numPartitions: 1 }] })
    await producer.send({ topic: 'st-a', messages: Array.from({ length: 7 }, (_, i) => ({ value: `v${i}`, partition: 0 })) })

    const consumer = faecie.consumer({ autoOffsetReset: 'earliest' })
    consumer.assign([{ topic: 'st-a', partition: 0, offset: 0 }])
    let seen = 0
    for await (const _ of consumer.stream()) if (++seen === 7) break
    await consumer.disconnect()

    const after = await admin.stats()
    expect(after.topics).toBe(before.topics + 2)
    expect(after.partitions).toBe(before.partitions + 3)
    expect(sum(after, 'recordsIn') - sum(before, 'recordsIn')).toBe(7)
    expect(sum(after, 'recordsOut') - sum(before, 'recordsOut')).toBe(7)
    expect(sum(after, 'bytesIn')).toBeGreaterThan(sum(before, 'bytesIn'))
    // The size is refreshed at most every 5 s: it catches up.
    const grown = await waitFor('the size to catch up', async () => {
      const stats = await admin.stats()
      return stats.sizeBytes !== before.sizeBytes ? stats : undefined
    }, { intervalMs: 250 })
    expect(grown.sizeBytes).toBeGreaterThan(before.sizeBytes)
  })

  it('refuses a stats request before hello, like every op', async () => {
    const raw = await RawClient.connect(broker.url, { hello: false })
    try {
      const answer = await raw.request('stats')
      expect(answer.error.code).toBe(ErrorCode.HELLO_REQUIRED)
    } finally {
      await raw.close()
    }
  })
})

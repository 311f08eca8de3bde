// GET /metrics of a real broker process: the per-topic counters move by exactly what a produce and a
// fetch carried, the request latency histogram counts each op, fsyncs are timed under flush=always
// (reported from the partition thread about once a second), a committed group's lag shows, and the
// gauges (sessions, partitions, log size, mailbox depth, event-loop delay) are there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient } from '../support/broker-raw-client.js'

let broker: BrokerProcess
let client: RawClient
let admin: Admin

beforeAll(async () => {
  broker = await startBrokerProcess()
  client = await RawClient.connect(broker.url)
  admin = new Faecie({ brokers: [broker.url], clientId: 'metrics-test' }).admin()
})

afterAll(async () => {
  await admin?.disconnect()
  await client?.close()
  await broker?.stop()
})


async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${broker.port}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  return response.text()
}

/** The value of the sample `name{labels}` (labels matched exactly, in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const got = (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter((s) => s !== '').sort().join(',')
    if (got === wanted) return Number(match[3])
  }
  return undefined
}

/** Scrapes until `check` holds (values computed at scrape time are cached for 5 s; fsyncs come each second). */
async function scrapeUntil(check: (text: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(what, async () => {
    const text = await scrape()
    return check(text) ? text : undefined
  }, { timeoutMs, intervalMs: 250 })
}

async function createTopic(topic: string, config: Record<string, string> = {}): Promise<void> {
  const answer = await client.request('createTopics', { topics: [{ topic, numPartitions: 1, config }] })
  expect(answer.topics[0].error).toBeUndefined()
}

describe('GET /metrics', () => {
  it('counts records and bytes in and out per topic, and each op in the latency histogram', async () => {
    await createTopic('m-counts')
    const before = await scrape()
    expect(sample(before, 'faecie_records_in_total', { topic: 'm-counts' }) ?? 0).toBe(0)
    const producesBefore = sample(before, 'faecie_request_duration_seconds_count', { op: 'produce' }) ?? 0
    const fetchesBefore = sample(before, 'faecie_request_duration_seconds_count', { op: 'fetch' }) ?? 0

    const first = batchOf('a', 5)
    const second = batchOf('b', 3)
    for (const batch of [first, second]) {
      const answer = await client.request('produce', produceFrame('m-counts', 0, batch))
      expect(firstPartition(answer).error).toBeUndefined()
    }
    const fetched = firstPartition(await client.request('fetch', fetchFrame('m-counts', 0, 0)))
    expect(fetched.records.length).toBe(first.length + second.length)

    const after = await scrape()
    expect(sample(after, 'faecie_records_in_total', { topic: 'm-counts' })).toBe(8)
    expect(sample(after, 'faecie_bytes_in_total', { topic: 'm-counts' })).toBe(first.length + second.length)
    expect(sample(after, 'faecie_records_out_total', { topic: 'm-counts' })).toBe(8)
    expect(sample(after, 'faecie_bytes_out_total', { topic: 'm-counts' })).toBe(first.length + second.length)
    expect(sample(after, 'faecie_request_duration_seconds_count', { op: 'produce' })).toBe(producesBefore + 2)
    expect(sample(after, 'faecie_request_duration_seconds_count', { op: 'fetch' })).toBe(fetchesBefore + 1)
    // An empty fetch moves nothing.
    await client.request('fetch', fetchFrame('m-counts', 0, 8))
    expect(sample(await scrape(), 'faecie_records_out_total', { topic: 'm-counts' })).toBe(8)
  })

  it('counts records pushed to live subscriptions as records out', async () => {
    await createTopic('m-push')
    const sub = await client.request('subscribe', { topic: 'm-push', partition: 0, offset: 0, creditBytes: 1024 * 1024 })
    expect(sub.error).toBeUndefined()
    const batch = batchOf('p', 4)
    await client.request('produce', produceFrame('m-push', 0, batch))
    await client.waitPushes(1)
    const text = await scrapeUntil((t) => sample(t, 'faecie_records_out_total', { topic: 'm-push' }) === 4, 'the pushed records')
    expect(sample(text, 'faecie_bytes_out_total', { topic: 'm-push' })).toBe(batch.length)
  })

  it('times fsyncs on the partition thread under flush=always', async () => {
    await createTopic('m-sync', { flush: 'always' })
    const countBefore = sample(await scrape(), 'faecie_fsync_duration_seconds_count') ?? 0
    for (let i = 0; i < 3; i++) await client.request('produce', produceFrame('m-sync', 0, batchOf(`s${i}`, 2)))
    const text = await scrapeUntil((t) => (sample(t, 'faecie_fsync_duration_seconds_count') ?? 0) >= countBefore + 3, 'three more fsyncs')
    expect(sample(text, 'faecie_fsync_duration_seconds_sum')).toBeGreaterThan(0)
    expect(sample(text, 'faecie_fsync_duration_seconds_bucket', { le: '+Inf' })).toBe(sample(text, 'faecie_fsync_duration_seconds_count'))
  })

  it("shows a committed group's lag", async () => {
    await createTopic('m-lag')
    await client.request('produce', produceFrame('m-lag', 0, batchOf('l', 10)))
    await admin.setOffsets({ groupId: 'm-lagger', topic: 'm-lag', partitions: [{ partition: 0, offset: 4 }] })
    await scrapeUntil((t) => sample(t, 'faecie_consumer_group_lag', { group: 'm-lagger', topic: 'm-lag', partition: '0' }) === 6, 'lag 6')
    await admin.setOffsets({ groupId: 'm-lagger', topic: 'm-lag', partitions: [{ partition: 0, offset: 10 }] })
    await scrapeUntil((t) => sample(t, 'faecie_consumer_group_lag', { group: 'm-lagger', topic: 'm-lag', partition: '0' }) === 0, 'lag 0')
  })

  it('has the gauges: sessions, partitions, log size, thread mailbox depth, event-loop delay', async () => {
    await createTopic('m-size')
    await client.request('produce', produceFrame('m-size', 0, batchOf('z', 3)))
    const text = await scrapeUntil((t) => (sample(t, 'faecie_log_size_bytes', { topic: 'm-size', partition: '0' }) ?? 0) > 0, 'the log size of m-size')
    expect(sample(text, 'faecie_sessions')).toBeGreaterThanOrEqual(2) // the raw client and the admin
    const topics = (await admin.listTopics()).length
    expect(sample(text, 'faecie_partitions')).toBe(topics) // one partition each
    expect(sample(text, 'faecie_log_size_bytes_all')).toBeGreaterThanOrEqual(sample(text, 'faecie_log_size_bytes', { topic: 'm-size', partition: '0' })!)
    expect(sample(text, 'faecie_log_size_partitions_omitted')).toBe(0)
    expect(sample(text, 'faecie_partition_thread_mailbox_depth', { thread: '0' })).toBeGreaterThanOrEqual(0)
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0)
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0)
  })
})

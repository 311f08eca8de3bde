// HTTP reads that never read their response (issue 10): a read's JSON is capped by its encoded size
// (`maxBytes`) and streamed with back-pressure, its record bytes held in the broker's read budget and
// given back when the answer ends, and a client that stops reading is cut off after
// sessionQueuedMsMax. Two dozen such reads of 10 KB binary records as base64 (each would be ~22 MB of
// JSON built whole) run against a real broker while its RSS and /health are watched and an ordinary
// client produces and consumes over WebSocket and HTTP.
import { randomBytes } from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import { RecordBatchEncoder } from '@faecie/protocol'
import {
  brokerRssBytes, health, openNonReadingHttp, ordinaryTraffic, roundTrip, scrapeSample, startWithLimits, stopStartedBrokers, watchBroker,
} from '../support/abusive-clients.js'
import { firstPartition, produceFrame, RawClient, readAll } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const MiB = 1024 * 1024
const RSS_MARGIN_BYTES = 160 * MiB
const LIMITS = {
  frameBytesMax: 2 * MiB, batchBytesMax: MiB, fetchBytesMax: 16 * MiB, pushBufferedBytesMax: MiB,
  sessionQueuedBytesMax: 20 * MiB, sessionQueuedBytesHardMax: 24 * MiB, queuedBytesMax: 48 * MiB,
  readBytesInFlightMax: 48 * MiB, sessionQueuedMsMax: 1000,
}

afterEach(stopStartedBrokers)

it('bounds HTTP reads whose client never reads the response', { timeout: 120_000 }, async () => {
  const broker = await startWithLimits(LIMITS)
  const base = `http://127.0.0.1:${broker.port}`
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 'bin' }, { topic: 'steady' }] })
  const encoder = new RecordBatchEncoder()
  for (let i = 0; i < 16; i++) {
    const batch = encoder.encode(Array.from({ length: 100 }, () => ({ value: randomBytes(10_000) }))).slice()
    expect(firstPartition(await client.request('produce', produceFrame('bin', 0, batch))).error).toBeUndefined()
  }
  await roundTrip(client, 'steady', 'warm')

  // maxBytes counts JSON: a reading client gets at most that much (and at least one record).
  const capped = await fetch(`${base}/v1/topics/bin/partitions/0/records?offset=0&maxRecords=10000&maxBytes=100000&encoding=base64`)
  expect(capped.status).toBe(200)
  const cappedText = await capped.text()
  const cappedBody = JSON.parse(cappedText) as { records: Array<{ offset: number }>; nextOffset: number }
  expect(cappedBody.records.length).toBeGreaterThan(0)
  expect(Buffer.byteLength(cappedText)).toBeLessThan(100_000 + 1024)
  expect(cappedBody.nextOffset).toBe(cappedBody.records.at(-1)!.offset + 1)
  const one = JSON.parse(await (await fetch(`${base}/v1/topics/bin/partitions/0/records?offset=5&maxBytes=1&encoding=base64`)).text()) as
    { records: Array<{ offset: number }>; nextOffset: number }
  expect(one.records.map((r) => r.offset)).toEqual([5])
  expect(one.nextOffset).toBe(6)

  const rssMax = brokerRssBytes(broker.pid) + LIMITS.queuedBytesMax + LIMITS.readBytesInFlightMax + RSS_MARGIN_BYTES
  const watch = watchBroker(broker, rssMax)
  const READS = 24
  const path = `/v1/topics/bin/partitions/0/records?offset=0&maxRecords=10000&maxBytes=${16 * MiB}&encoding=base64`
  const stalled = async (): Promise<number> => await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'http_read_stalled' }) ?? 0
  const abuse = (async () => {
    const sockets = await Promise.all(Array.from({ length: READS }, () => openNonReadingHttp(broker.port, path)))
    await waitFor('every non-reading HTTP read cut off', async () => await stalled() >= READS, { timeoutMs: 90_000 })
    for (const socket of sockets) socket.destroy()
  })()
  // Alongside the WebSocket round trips, an ordinary HTTP reader reads the steady topic.
  const httpReads = (async () => {
    let finished = false
    void abuse.finally(() => { finished = true })
    let count = 0
    while (!finished) {
      const response = await fetch(`${base}/v1/topics/steady/partitions/0/records?offset=0&maxRecords=5`)
      expect(response.status).toBe(200)
      expect(((await response.json()) as { records: unknown[] }).records.length).toBeGreaterThan(0)
      count++
    }
    return count
  })()
  const [rounds, reads] = await Promise.all([ordinaryTraffic(client, 'steady', abuse), httpReads, abuse])
  const { rssPeakBytes, problems } = await watch.stop()
  expect(problems).toEqual([])
  expect(rssPeakBytes).toBeLessThanOrEqual(rssMax)
  expect(rounds).toBeGreaterThan(0)
  expect(reads).toBeGreaterThan(0)
  expect(await stalled()).toBe(READS)
  await waitFor('the read budget given back', async () => (await health(broker.port)).readBudgetBytesInUse === 0)

  // After the abuse: a whole read still works, and the ordinary client goes on.
  const after = await fetch(`${base}/v1/topics/bin/partitions/0/records?offset=0&maxRecords=10000&maxBytes=${16 * MiB}&encoding=base64`)
  expect(after.status).toBe(200)
  const afterBody = await after.json() as { records: unknown[]; nextOffset: number }
  expect(afterBody.records.length).toBeGreaterThan(1000)
  await roundTrip(client, 'steady', 'after')
  expect((await readAll(client, 'steady', 0)).values.filter((v) => v.startsWith('ordinary'))).toHaveLength(rounds)
  await client.close()
})

it('answers JSON nested 100,000 deep with 400, not 500', { timeout: 60_000 }, async () => {
  const broker = await startWithLimits(LIMITS)
  const base = `http://127.0.0.1:${broker.port}`
  const created = await fetch(`${base}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'deep', partitions: 1 }) })
  expect(created.status).toBe(201)
  const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`
  const response = await fetch(`${base}/v1/topics/deep/records`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"valueEncoding":"json","records":[{"value":${deep}}]}`,
  })
  expect(response.status).toBe(400)
  expect(((await response.json()) as { error: { name: string; message: string } }).error).toMatchObject({ name: 'INVALID_REQUEST' })
  const health200 = await fetch(`${base}/health`)
  expect(health200.status).toBe(200)
})

it('cuts off live tails whose client stopped reading, so they cannot hold every tail slot', { timeout: 90_000 }, async () => {
  const TAILS = 4
  const broker = await startWithLimits(LIMITS, { tailStreamsMax: TAILS })
  const base = `http://127.0.0.1:${broker.port}`
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 'bin' }] })
  const encoder = new RecordBatchEncoder()
  for (let i = 0; i < 16; i++) {
    const batch = encoder.encode(Array.from({ length: 100 }, () => ({ value: randomBytes(10_000) }))).slice()
    expect(firstPartition(await client.request('produce', produceFrame('bin', 0, batch))).error).toBeUndefined()
  }
  const stalled = async (): Promise<number> => await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'http_tail_stalled' }) ?? 0
  // Every slot taken by a tail from the start of ~22 MB of base64 that nobody reads.
  const sockets = await Promise.all(Array.from({ length: TAILS }, () =>
    openNonReadingHttp(broker.port, '/v1/topics/bin/partitions/0/tail?offset=0&encoding=base64')))
  // A reading client gets a slot once they are cut off (429 TOO_MANY_SUBSCRIPTIONS until then).
  const response = await waitFor('a live tail slot for a reading client', async () => {
    const r = await fetch(`${base}/v1/topics/bin/partitions/0/tail?offset=latest`)
    if (r.status === 200) return r
    expect(r.status).toBe(429)
    await r.body?.cancel()
    return undefined
  }, { timeoutMs: 60_000 })
  const reader = response.body!.getReader()
  const first = new TextDecoder().decode((await reader.read()).value)
  expect(first).toContain('event: open')
  await reader.cancel()
  await waitFor('every non-reading tail cut off', async () => await stalled() === TAILS)
  for (const socket of sockets) socket.destroy()
  await waitFor('the read budget given back', async () => (await health(broker.port)).readBudgetBytesInUse === 0)
  await client.close()
})

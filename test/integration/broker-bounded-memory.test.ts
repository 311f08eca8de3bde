// Every byte a client makes the broker hold is bounded (issue 10): real broker processes with small
// limits, each abused one way while its RSS (/proc/PID/status) and /health are watched and an
// ordinary client produces and consumes all along:
//   - WebSocket sessions that pipeline large fetches and never read their socket: their reads stop,
//     then they are closed (4005), and what they held is freed;
//   - HTTP reads of large records that never read their response (broker-bounded-http.test.ts);
//   - sockets that never say hello, and sessions that go idle: closed on their timeouts, and past
//     the per-address cap refused, so a client from another address is never locked out.
// RSS must stay within the configured bounds plus a fixed margin (for the runtime's own garbage).
import { randomBytes } from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import { encodeFrame, PROTOCOL_VERSION, RecordBatchEncoder } from '@faecie/protocol'
import {
  brokerRssBytes, health, openNonReadingWebSocket, ordinaryTraffic, roundTrip, scrapeSample, startWithLimits, stopStartedBrokers, watchBroker,
} from '../support/abusive-clients.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient, readAll, valuesOf, WebSocketClass } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const MiB = 1024 * 1024
/** What the runtime may hold beyond the configured bounds: heap growth, garbage not yet collected. */
const RSS_MARGIN_BYTES = 160 * MiB

const SMALL_LIMITS = {
  frameBytesMax: 2 * MiB, batchBytesMax: MiB, fetchBytesMax: 2 * MiB, pushBufferedBytesMax: MiB,
  sessionQueuedBytesMax: 4 * MiB, sessionQueuedBytesHardMax: 8 * MiB, queuedBytesMax: 24 * MiB,
  readBytesInFlightMax: 16 * MiB, sessionQueuedMsMax: 2000, sessionsMax: 64,
}

afterEach(stopStartedBrokers)

it('bounds sessions that pipeline large fetches and never read their socket', { timeout: 120_000 }, async () => {
  const broker = await startWithLimits(SMALL_LIMITS)
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 'big' }, { topic: 'steady' }] })
  // Twelve batches of one ~1 MB record each: every fetch answer is 1-2 MiB of incompressible bytes.
  const encoder = new RecordBatchEncoder()
  for (let i = 0; i < 12; i++) {
    const batch = encoder.encode([{ value: randomBytes(MiB - 4096) }]).slice()
    expect(firstPartition(await client.request('produce', produceFrame('big', 0, batch))).error).toBeUndefined()
  }
  await roundTrip(client, 'steady', 'warm')
  const rssMax = brokerRssBytes(broker.pid) + SMALL_LIMITS.queuedBytesMax + SMALL_LIMITS.readBytesInFlightMax + RSS_MARGIN_BYTES
  const watch = watchBroker(broker, rssMax)

  const ABUSERS = 8
  const FETCHES = 120
  const frames = [encodeFrame({ id: 0, op: 'hello', protocolVersion: PROTOCOL_VERSION }).slice()]
  for (let id = 1; id <= FETCHES; id++) {
    frames.push(encodeFrame({ id, op: 'fetch', ...fetchFrame('big', 0, id % 12, { maxBytes: SMALL_LIMITS.fetchBytesMax }) }).slice())
  }
  const closedForNotReading = async (): Promise<number> =>
    (await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'send_queue_stalled' }) ?? 0) +
    (await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'send_queue_full' }) ?? 0)
  // Two waves: the second opens once the broker has closed the first. (The abusers never see their
  // close: it waits behind bytes they never read. The broker's count says it.)
  const abuse = (async () => {
    for (let wave = 1; wave <= 2; wave++) {
      const sockets = await Promise.all(Array.from({ length: ABUSERS }, () => openNonReadingWebSocket(broker.port, frames)))
      await waitFor(`wave ${wave} closed for not reading`, async () => await closedForNotReading() >= wave * ABUSERS, { timeoutMs: 60_000 })
      for (const socket of sockets) socket.destroy()
    }
  })()
  const rounds = await ordinaryTraffic(client, 'steady', abuse)
  await abuse
  const { rssPeakBytes, problems } = await watch.stop()
  expect(problems).toEqual([])
  expect(rssPeakBytes).toBeLessThanOrEqual(rssMax)
  expect(rounds).toBeGreaterThan(0)

  // Every abuser was closed for not reading, and what they held is all given back.
  expect(await closedForNotReading()).toBe(2 * ABUSERS)
  await waitFor('the abusers gone and their bytes released', async () => {
    const h = await health(broker.port)
    return h.sessions === 1 && h.queuedBytes === 0 && h.readBudgetBytesInUse === 0
  })
  expect(await scrapeSample(broker.port, 'faecie_read_budget_bytes_in_use')).toBe(0)

  // After the abuse: the ordinary client, and a new one, produce and consume as before.
  await roundTrip(client, 'steady', 'after')
  const fresh = await RawClient.connect(broker.url)
  const { values } = await readAll(fresh, 'steady', 0)
  expect(values).toContain('after-0')
  expect(values.filter((v) => v.startsWith('ordinary'))).toHaveLength(rounds)
  await fresh.close()
  await client.close()
})

/** Opens a WebSocket from `localAddress` that says nothing (or only hello); resolves with how it closed. */
function silentSession(url: string, localAddress: string, sayHello: boolean): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocketClass(`${url}/v1/ws`, { localAddress })
    socket.on('error', () => { /* seen through close */ })
    socket.on('open', () => { if (sayHello) socket.send(encodeFrame({ id: 1, op: 'hello', protocolVersion: PROTOCOL_VERSION })) })
    socket.on('close', (code) => resolve(code))
  })
}

it('closes sockets that never say hello and idle sessions, and caps sessions per address', { timeout: 120_000 }, async () => {
  const limits = { ...SMALL_LIMITS, sessionsMax: 64, sessionsPerAddressMax: 16, helloTimeoutMs: 5000, sessionIdleMsMax: 5000 }
  // The counts below hold as long as each wave's 48 sockets all connect within helloTimeoutMs (before the
  // first accepted ones time out and free their slots): 5 s is ample for local sockets on a loaded machine.
  const broker = await startWithLimits(limits)
  // The ordinary client connects from 127.0.0.1; the abusers from 127.0.0.2 (loopback too).
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 'steady' }] })
  await roundTrip(client, 'steady', 'warm')
  const rssMax = brokerRssBytes(broker.pid) + limits.queuedBytesMax + limits.readBytesInFlightMax + RSS_MARGIN_BYTES
  const watch = watchBroker(broker, rssMax)
  let sessionsPeak = 0
  const sessionsWatch = setInterval(() => {
    void health(broker.port).then((h) => { sessionsPeak = Math.max(sessionsPeak, h.sessions) }, () => undefined)
  }, 50)

  const WAVE = 48
  const codes = new Map<number, number>()
  const abuse = (async () => {
    for (let wave = 0; wave < 3; wave++) {
      const closes = await Promise.all(Array.from({ length: WAVE }, () => silentSession(broker.url, '127.0.0.2', false)))
      for (const code of closes) codes.set(code, (codes.get(code) ?? 0) + 1)
      // The broker forgets a session when its side of the socket closes, a moment after ours.
      await waitFor('only the ordinary client left', async () => (await health(broker.port)).sessions === 1)
    }
    // A session that says hello and then nothing is closed once idle.
    codes.set(-1, await silentSession(broker.url, '127.0.0.2', true))
  })()
  const rounds = await ordinaryTraffic(client, 'steady', abuse)
  await abuse
  clearInterval(sessionsWatch)
  const { rssPeakBytes, problems } = await watch.stop()
  expect(problems).toEqual([])
  expect(rssPeakBytes).toBeLessThanOrEqual(rssMax)
  expect(rounds).toBeGreaterThan(0)
  // Per wave: sessionsPerAddressMax accepted and closed for silence (4006), the rest refused (4002).
  expect(codes.get(4006)).toBe(3 * limits.sessionsPerAddressMax)
  expect(codes.get(4002)).toBe(3 * (WAVE - limits.sessionsPerAddressMax))
  expect(codes.get(-1)).toBe(4007)
  expect(sessionsPeak).toBeLessThanOrEqual(1 + limits.sessionsPerAddressMax)
  expect(await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'hello_timeout' })).toBe(3 * limits.sessionsPerAddressMax)
  expect(await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'too_many_sessions_from_address' }))
    .toBe(3 * (WAVE - limits.sessionsPerAddressMax))
  // The silent session, and perhaps by now the ordinary client, whose traffic stopped with the abuse.
  expect(await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'idle_timeout' })).toBeGreaterThanOrEqual(1)

  // After the abuse (a new client: the first may have gone idle meanwhile, as it should).
  const fresh = await RawClient.connect(broker.url)
  await roundTrip(fresh, 'steady', 'after')
  const { values } = await readAll(fresh, 'steady', 0)
  expect(values.filter((v) => v.startsWith('ordinary'))).toHaveLength(rounds)
  await fresh.close()
  client.socket.terminate()
})

it('refuses a frame declaring more array or map entries than frameItemsMax before decoding it', { timeout: 60_000 }, async () => {
  const broker = await startWithLimits({ ...SMALL_LIMITS, frameItemsMax: 100_000 })
  // {id: 1, op: 'hello', protocolVersion, pad: [nil x 1,000,000]}: a valid 1 MB frame whose one
  // array would cost the decoder ~8 MB of JS array.
  const hello = Buffer.from(encodeFrame({ id: 1, op: 'hello', protocolVersion: PROTOCOL_VERSION }))
  expect(hello[0]).toBe(0x83) // a map of three entries; one more follows
  const count = 1_000_000
  const arrayHeader = Buffer.from([0xdd, 0, 0, 0, 0])
  arrayHeader.writeUInt32BE(count, 1)
  const frame = Buffer.concat([Buffer.from([0x84]), hello.subarray(1), Buffer.from(encodeFrame('pad')), arrayHeader, Buffer.alloc(count, 0xc0)])
  const client = await RawClient.connect(broker.url, { hello: false })
  client.sendRaw(frame)
  const closed = await client.closed
  expect(closed.code).toBe(4000)
  expect(closed.reason).toMatch(/declares 1000000 entries; at most 100000/)
  expect(await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'protocol_error' })).toBe(1)
  expect((await health(broker.port)).status).toBe('ok')
})

it('reads a many-partition fetch within its budget and still answers every partition that has data', { timeout: 60_000 }, async () => {
  const broker = await startWithLimits(SMALL_LIMITS)
  const client = await RawClient.connect(broker.url)
  const PARTITIONS = 40
  await client.request('createTopics', { topics: [{ topic: 'wide', numPartitions: PARTITIONS }] })
  for (let p = 0; p < PARTITIONS; p++) {
    expect(firstPartition(await client.request('produce', produceFrame('wide', p, batchOf(`p${p}`, 1)))).error).toBeUndefined()
  }
  // Each partition may take 64 KiB of a 1 MiB answer: reads come in waves of 16, and partitions with
  // little data leave the rest of the budget to the next wave.
  const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: 0, maxBytes: 64 * 1024 }))
  const answer = await client.request('fetch', { maxWaitMs: 0, minBytes: 0, maxBytes: MiB, topics: [{ topic: 'wide', partitions }] })
  const got = (answer.topics[0].partitions as Array<{ partition: number; records: Uint8Array }>).map((p) => valuesOf(p.records))
  expect(got).toEqual(Array.from({ length: PARTITIONS }, (_, p) => [`p${p}-0`]))
  expect((await health(broker.port)).readBudgetBytesInUse).toBe(0)
  await client.close()
})

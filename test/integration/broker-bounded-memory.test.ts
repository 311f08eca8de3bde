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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { encodeFrame, PROTOCOL_VERSION, RecordBatchEncoder } from '@faecie/protocol'
import { brokerRssBytes, health, openNonReadingWebSocket, scrapeSample } from '../support/abusive-clients.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient, readAll, valuesOf, WebSocketClass } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const MiB = 1024 * 1024
/** What the runtime may hold beyond the configured bounds: heap growth, garbage not yet collected. */
const RSS_MARGIN_BYTES = 160 * MiB

export const SMALL_LIMITS = {
  frameBytesMax: 2 * MiB, batchBytesMax: MiB, fetchBytesMax: 2 * MiB, pushBufferedBytesMax: MiB,
  sessionQueuedBytesMax: 4 * MiB, sessionQueuedBytesHardMax: 8 * MiB, queuedBytesMax: 24 * MiB,
  readBytesInFlightMax: 16 * MiB, sessionQueuedMsMax: 2000, sessionsMax: 64,
}

const dirs: string[] = []
const brokers: BrokerProcess[] = []

afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.kill()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export async function startWithLimits(limits: Record<string, number>): Promise<BrokerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'faecie-bounded-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'broker.json'), JSON.stringify({ limits }))
  const broker = await startBrokerProcess({ args: ['--config', join(dir, 'broker.json')] })
  brokers.push(broker)
  return broker
}

/**
 * Samples the broker's RSS and /health every 100 ms until stopped. A sample over `rssMaxBytes` is
 * remembered and the broker killed at once (an unbounded broker must not take the machine with it).
 */
export function watchBroker(broker: BrokerProcess, rssMaxBytes: number): { stop(): Promise<{ rssPeakBytes: number; problems: string[] }> } {
  let rssPeakBytes = 0
  const problems: string[] = []
  let sampling: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      if (problems.length > 0) return
      try {
        const rss = brokerRssBytes(broker.pid)
        rssPeakBytes = Math.max(rssPeakBytes, rss)
        if (rss > rssMaxBytes) {
          problems.push(`RSS ${Math.round(rss / MiB)} MiB over the bound ${Math.round(rssMaxBytes / MiB)} MiB`)
          await broker.kill()
          return
        }
        const h = await health(broker.port)
        if (h.status !== 'ok') problems.push(`/health status ${h.status}`)
      } catch (err) {
        problems.push(`watch: ${(err as Error).message}`)
      }
    })
  }, 100)
  return {
    async stop() {
      clearInterval(timer)
      await sampling
      return { rssPeakBytes, problems }
    },
  }
}

/** An ordinary client's round trip: produce one record to `topic`, read it back by its offset. */
export async function roundTrip(client: RawClient, topic: string, tag: string): Promise<void> {
  const produced = firstPartition(await client.request('produce', produceFrame(topic, 0, batchOf(tag, 1))))
  expect(produced.error).toBeUndefined()
  const fetched = firstPartition(await client.request('fetch', fetchFrame(topic, 0, produced.baseOffset, { maxBytes: 64 * 1024 })))
  expect(fetched.error).toBeUndefined()
  expect(valuesOf(fetched.records)).toContain(`${tag}-0`)
}

/** Runs round trips until `done` resolves; returns how many completed. */
export async function ordinaryTraffic(client: RawClient, topic: string, done: Promise<unknown>): Promise<number> {
  let finished = false
  void done.finally(() => { finished = true })
  let count = 0
  while (!finished) await roundTrip(client, topic, `ordinary${count++}`)
  return count
}

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
  const limits = { ...SMALL_LIMITS, sessionsMax: 64, sessionsPerAddressMax: 16, helloTimeoutMs: 1000, sessionIdleMsMax: 1500 }
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
  expect(await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'idle_timeout' })).toBe(1)

  await roundTrip(client, 'steady', 'after')
  const { values } = await readAll(client, 'steady', 0)
  expect(values.filter((v) => v.startsWith('ordinary'))).toHaveLength(rounds)
  await client.close()
})

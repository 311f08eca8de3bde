// Live fan-out (issue 18): many WebSocket sessions subscribed to one partition share its live tail
// (gateway/live-tail.ts: one read and one encode per batch). Every subscriber gets every record, in
// order, exactly once; a subscriber that never grants more credit and one that never reads its socket
// hold nobody else up, and the broker stays within its bounds (queued bytes, RSS) meanwhile.
import { encodeFrame, PROTOCOL_VERSION } from '@faecie/protocol'
import { afterEach, expect, it } from 'vitest'
import { health, openNonReadingWebSocket, startWithLimits, stopStartedBrokers, watchBroker } from '../support/abusive-clients.js'
import { batchOf, firstPartition, offsetsOf, produceFrame, RawClient, type Frame } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

afterEach(stopStartedBrokers)

const KiB = 1024
const MiB = 1024 * KiB

/** Offsets pushed to `sub` on `client` so far, in the order they came. */
function pushedOffsets(client: RawClient, sub: number): number[] {
  return client.pushes.filter((p: Frame) => p.sub === sub && p.records !== undefined).flatMap((p: Frame) => offsetsOf(p.records))
}

async function subscribe(client: RawClient, topic: string, creditBytes: number): Promise<number> {
  const answer = await client.request('subscribe', { topic, partition: 0, offset: 0, creditBytes })
  expect(answer.error).toBeUndefined()
  return answer.sub as number
}

it('pushes every record to 200 sessions in order exactly once; one without credit holds nobody up', { timeout: 120_000 }, async () => {
  const SESSIONS = 200
  const broker = await startWithLimits({ sessionsMax: SESSIONS + 10, sessionsPerAddressMax: SESSIONS + 10 })
  const writer = await RawClient.connect(broker.url)
  const clients: RawClient[] = []
  try {
    expect((await writer.request('createTopics', { topics: [{ topic: 'fan', config: { flush: 'never' } }] })).error).toBeUndefined()
    for (let i = 0; i < SESSIONS; i += 50) {
      clients.push(...await Promise.all(Array.from({ length: Math.min(50, SESSIONS - i) }, () => RawClient.connect(broker.url))))
    }
    const subs = await Promise.all(clients.map((c) => subscribe(c, 'fan', 64 * MiB)))
    // One more that is granted one byte and never more: it gets its first push, then nothing.
    const stingy = await RawClient.connect(broker.url)
    clients.push(stingy)
    const stingySub = await subscribe(stingy, 'fan', 1)
    const BATCHES = 60
    const PER_BATCH = 20
    for (let b = 0; b < BATCHES; b++) {
      // Some batches alone, some two at once (one tick may append both).
      const sends = [writer.request('produce', produceFrame('fan', 0, batchOf(`b${b}`, PER_BATCH), 1))]
      if (b % 3 === 0 && b + 1 < BATCHES) sends.push(writer.request('produce', produceFrame('fan', 0, batchOf(`b${++b}`, PER_BATCH), 1)))
      for (const answer of await Promise.all(sends)) expect(firstPartition(answer).error).toBeUndefined()
    }
    const total = BATCHES * PER_BATCH
    const expected = Array.from({ length: total }, (_, i) => i)
    await waitFor('every subscriber has every record', () =>
      clients.slice(0, SESSIONS).every((c, i) => pushedOffsets(c, subs[i]!).length >= total), { timeoutMs: 90_000 })
    for (let i = 0; i < SESSIONS; i++) expect(pushedOffsets(clients[i]!, subs[i]!)).toEqual(expected)
    // The stingy one: its first push only (whole batches from offset 0), and no error.
    const stingyPushes = stingy.pushes.filter((p: Frame) => p.sub === stingySub)
    expect(stingyPushes).toHaveLength(1)
    expect(pushedOffsets(stingy, stingySub)[0]).toBe(0)
    expect(pushedOffsets(stingy, stingySub).length).toBeLessThan(total)
  } finally {
    await writer.close()
    await Promise.all(clients.map((c) => c.close()))
  }
})

it('a subscriber that never reads its socket holds up no one, and the broker stays within its bounds', { timeout: 120_000 }, async () => {
  const pushBufferedBytesMax = 64 * KiB
  const broker = await startWithLimits({ pushBufferedBytesMax })
  const watch = watchBroker(broker, 768 * MiB)
  const writer = await RawClient.connect(broker.url)
  const readers: RawClient[] = []
  let blind: Awaited<ReturnType<typeof openNonReadingWebSocket>> | undefined
  try {
    expect((await writer.request('createTopics', { topics: [{ topic: 'flood', config: { flush: 'never' } }] })).error).toBeUndefined()
    blind = await openNonReadingWebSocket(broker.port, [
      encodeFrame({ id: 1, op: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'blind' }),
      encodeFrame({ id: 2, op: 'subscribe', topic: 'flood', partition: 0, offset: 0, creditBytes: 1024 * MiB }),
    ])
    for (let i = 0; i < 3; i++) readers.push(await RawClient.connect(broker.url))
    const subs = await Promise.all(readers.map((c) => subscribe(c, 'flood', 1024 * MiB)))
    // ~10 MB: far more than the blind session's push buffer and the kernel's socket buffers.
    const BATCHES = 200
    const PER_BATCH = 500
    const value = 'v'.repeat(80)
    let queuedPeak = 0
    for (let b = 0; b < BATCHES; b++) {
      const answer = await writer.request('produce', produceFrame('flood', 0, batchOf(`${b}-${value}`, PER_BATCH), 1))
      expect(firstPartition(answer).error).toBeUndefined()
      if (b % 20 === 0) queuedPeak = Math.max(queuedPeak, (await health(broker.port)).queuedBytes)
    }
    const total = BATCHES * PER_BATCH
    await waitFor('every reader has every record', () => readers.every((c, i) => pushedOffsets(c, subs[i]!).length >= total), { timeoutMs: 90_000 })
    for (let i = 0; i < readers.length; i++) {
      expect(pushedOffsets(readers[i]!, subs[i]!)).toEqual(Array.from({ length: total }, (_, o) => o))
    }
    const after = await health(broker.port)
    queuedPeak = Math.max(queuedPeak, after.queuedBytes)
    // Each of the 5 sessions queues at most its push buffer plus one push (one batch of ~50 KB here).
    expect(queuedPeak).toBeLessThan(5 * (pushBufferedBytesMax + 128 * KiB))
    const { problems } = await watch.stop()
    expect(problems).toEqual([])
  } finally {
    await watch.stop()
    blind?.destroy()
    await writer.close()
    await Promise.all(readers.map((c) => c.close()))
  }
})

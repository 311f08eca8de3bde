// Ten thousand WebSockets opened and dropped, in waves (each wave under sessionsMax), some saying
// hello and some not, half closed politely and half cut off: the broker forgets every one of them,
// stays within a bounded memory, keeps serving a client that was connected all along, and loses no
// acknowledged record. Bounded in time: the whole run must finish well within the test timeout.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { encodeFrame, PROTOCOL_VERSION } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { batchOf, firstPartition, produceFrame, RawClient, readAll, WebSocketClass } from '../support/broker-raw-client.js'

const SOCKETS = 10_000
const WAVE = 250

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
  expect(broker.exitCode).toBe(0)
})

async function health(): Promise<{ sessions: number; rssBytes: number }> {
  const res = await fetch(`http://127.0.0.1:${broker.port}/health`)
  return await res.json() as { sessions: number; rssBytes: number }
}

/** Opens one socket, maybe says hello, then closes it or cuts it; resolves when it is gone. */
function openAndDrop(url: string, i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = new WebSocketClass(`${url}/v1/ws`)
    const timer = setTimeout(() => socket.terminate(), 20_000)
    socket.on('error', () => { /* a refused or cut socket is the point */ })
    socket.on('close', () => { clearTimeout(timer); resolve() })
    socket.on('open', () => {
      if (i % 2 === 0) socket.send(encodeFrame({ id: 1, op: 'hello', protocolVersion: PROTOCOL_VERSION }))
      if (i % 4 < 2) socket.close()
      else socket.terminate()
    })
  })
}

it(`survives ${SOCKETS} sockets opened and dropped`, { timeout: 240_000 }, async () => {
  const steady = await RawClient.connect(broker.url)
  await steady.request('createTopics', { topics: [{ topic: 'steady' }] })
  const acked: string[] = []
  const rssBefore = (await health()).rssBytes
  for (let wave = 0; wave * WAVE < SOCKETS; wave++) {
    await Promise.all(Array.from({ length: WAVE }, (_, i) => openAndDrop(broker.url, wave * WAVE + i)))
    if (wave % 10 === 0) {
      const answer = firstPartition(await steady.request('produce', produceFrame('steady', 0, batchOf(`w${wave}`, 1))))
      expect(answer.error).toBeUndefined()
      acked.push(`w${wave}-0`)
    }
  }
  // Cut sockets may take a moment to be noticed; then only the steady client is left.
  const h = await waitFor('only the steady session left', async () => {
    const now = await health()
    return now.sessions <= 1 ? now : undefined
  }, { timeoutMs: 30_000, intervalMs: 200 })
  expect(h.sessions).toBe(1)
  expect(h.rssBytes).toBeLessThan(rssBefore + 512 * 1024 * 1024)
  expect((await readAll(steady, 'steady', 0)).values).toEqual(acked)
  const fresh = await RawClient.connect(broker.url)
  expect((await readAll(fresh, 'steady', 0)).values).toEqual(acked)
  await fresh.close()
  await steady.close()
})

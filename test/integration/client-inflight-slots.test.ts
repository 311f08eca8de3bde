// The client connection's in-flight slots (packages/client/src/connection.ts) against a scripted
// WebSocket server on a real socket that holds some requests unanswered: a waiter woken into a slot
// whose send never enters `pending` (refused as FRAME_TOO_LARGE, or acks 0 with no answer) hands
// the slot on at once instead of leaving the requests behind it waiting forever, and a waiter that
// gets no slot within its timeout fails with REQUEST_TIMED_OUT, unsent, on a connection still open.
import { createRequire } from 'node:module'
import { ErrorCode, FaecieError, PROTOCOL_VERSION, decodeFrame, encodeFrame } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { Connection } from '../../packages/client/src/connection.js'
import { nodeTransport } from '../../packages/client/src/transport-node.js'
import { waitFor } from '../support/wait-for.js'

// `ws` is a dependency of the client package, not of the repository root: load it from there.
const requireFromClient = createRequire(new URL('../../packages/client/package.json', import.meta.url))
const { WebSocketServer } = requireFromClient('ws') as typeof import('ws')

type Frame = Record<string, unknown> & { id: number; op: string; topics: string[] }

const LIMITS = { frameBytesMax: 4096, batchBytesMax: 2048, inFlightMax: 2, subscriptionsMax: 4, maxWaitMsMax: 1000 }
/** Long enough that no test here passes by a timeout rescuing it: a hang fails the test instead. */
const HANG_GUARD_MS = 120_000

/**
 * A broker stand-in: answers hello, holds every metadata request for a topic named `hold*` until
 * `release` is called, never answers `silent*` (an acks-0 send) and answers the rest at once.
 */
interface Script {
  url: string
  /** Every frame received after hello, in order. */
  frames: Frame[]
  release(topic: string): void
  close(): Promise<void>
}

const scripts: Script[] = []

async function serve(): Promise<Script> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const held = new Map<string, [Frame, WebSocket]>()
  const answer = (socket: WebSocket, frame: Frame): void => {
    socket.send(encodeFrame({ id: frame.id, topics: frame.topics.map((topic) => ({ topic, partitions: [] })) }))
  }
  const script: Script = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`,
    frames: [],
    release: (topic) => {
      const entry = held.get(topic)
      if (entry === undefined) throw new Error(`no request for ${topic} is held`)
      held.delete(topic)
      answer(entry[1], entry[0])
    },
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close(() => resolve())
    }),
  }
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data)) as Frame
      if (frame.op === 'hello') {
        socket.send(encodeFrame({ id: frame.id, protocolVersion: PROTOCOL_VERSION, brokerId: 0, serverVersion: 'test', limits: LIMITS }))
        return
      }
      script.frames.push(frame)
      const topic = frame.topics[0]!
      if (topic.startsWith('hold')) held.set(topic, [frame, socket])
      else if (!topic.startsWith('silent')) answer(socket, frame)
    })
  })
  scripts.push(script)
  return script
}

afterEach(async () => {
  for (const script of scripts.splice(0)) await script.close()
})

function open(url: string): Promise<Connection> {
  return Connection.open({
    url, clientId: 'inflight-slots', transport: nodeTransport, connectTimeoutMs: 10_000, requestTimeoutMs: HANG_GUARD_MS, messageBytesMax: 1 << 20,
  })
}

const metadata = (connection: Connection, topic: string, options: { noResponse?: boolean; timeoutMs?: number } = {}) =>
  connection.request('metadata', { topics: [topic] }, options)

/** Fills both slots with requests the server holds, and waits until it has both. */
async function fillSlots(connection: Connection, script: Script): Promise<Promise<unknown>[]> {
  const held = [metadata(connection, 'hold-1'), metadata(connection, 'hold-2')]
  await waitFor('the server to hold both requests', () => script.frames.length === 2)
  expect(connection.canSendNow).toBe(false)
  return held
}

describe('Connection in-flight slots', () => {
  it('hands on the slot of a woken request refused as FRAME_TOO_LARGE', async () => {
    const script = await serve()
    const connection = await open(script.url)
    const held = await fillSlots(connection, script)
    const tooLarge = metadata(connection, 'x'.repeat(LIMITS.frameBytesMax)).catch((err: unknown) => err)
    const behind = metadata(connection, 'behind')

    // One answer frees one slot: the too-large request takes it and is refused without being sent.
    script.release('hold-1')
    expect(await tooLarge).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE })
    // hold-2 stays unanswered: only the refused request's slot can carry `behind`.
    expect((await behind).topics[0]!.topic).toBe('behind')
    expect(script.frames.map((f) => f.topics[0])).toEqual(['hold-1', 'hold-2', 'behind'])
    expect(connection.isOpen).toBe(true)
    script.release('hold-2')
    await Promise.all(held)
    connection.close()
  })

  it('hands on the slot of a woken acks-0 send, which gets no answer', async () => {
    const script = await serve()
    const connection = await open(script.url)
    const held = await fillSlots(connection, script)
    const silent = metadata(connection, 'silent', { noResponse: true })
    const behind = metadata(connection, 'behind')

    script.release('hold-1')
    await silent
    expect((await behind).topics[0]!.topic).toBe('behind')
    expect(script.frames.map((f) => f.topics[0])).toEqual(['hold-1', 'hold-2', 'silent', 'behind'])
    script.release('hold-2')
    await Promise.all(held)
    connection.close()
  })

  it('hands every slot on in order when several woken sends in a row never enter pending', async () => {
    const script = await serve()
    const connection = await open(script.url)
    const held = await fillSlots(connection, script)
    const silents = [1, 2, 3].map((i) => metadata(connection, `silent-${i}`, { noResponse: true }))
    const behind = [metadata(connection, 'behind-1'), metadata(connection, 'behind-2')]

    script.release('hold-1')
    await Promise.all(silents)
    expect((await Promise.all(behind)).map((a) => a.topics[0]!.topic)).toEqual(['behind-1', 'behind-2'])
    expect(script.frames.map((f) => f.topics[0])).toEqual(['hold-1', 'hold-2', 'silent-1', 'silent-2', 'silent-3', 'behind-1', 'behind-2'])
    script.release('hold-2')
    await Promise.all(held)
    connection.close()
  })

  it('fails a request that waits longer than its timeout for a slot, unsent, and keeps the connection', async () => {
    const script = await serve()
    const connection = await open(script.url)
    const held = await fillSlots(connection, script)
    const late = await metadata(connection, 'late', { timeoutMs: 50 }).catch((err: unknown) => err)
    expect(late).toBeInstanceOf(FaecieError)
    expect(late).toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT, retriable: true })
    expect((late as Error).message).toMatch(/waited 50 ms for one of the 2 in-flight slots/)
    expect(connection.isOpen).toBe(true)

    // The timed-out request left the queue: the next freed slot goes to the next request, and the
    // late one is never sent.
    const next = metadata(connection, 'next')
    script.release('hold-1')
    expect((await next).topics[0]!.topic).toBe('next')
    expect(script.frames.map((f) => f.topics[0])).toEqual(['hold-1', 'hold-2', 'next'])
    script.release('hold-2')
    await Promise.all(held)
    connection.close()
  })

  it('fails waiting requests with the connection error when it closes', async () => {
    const script = await serve()
    const connection = await open(script.url)
    const held = (await fillSlots(connection, script)).map((p) => p.catch((err: unknown) => err))
    const waiting = metadata(connection, 'waiting', { timeoutMs: HANG_GUARD_MS }).catch((err: unknown) => err)
    connection.close('test')
    expect(await waiting).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION })
    for (const err of await Promise.all(held)) expect(err).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION })
  })
})

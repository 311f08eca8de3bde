// The session layer (src/connection.ts, cluster.ts) against a small scripted WebSocket server on a
// real socket: hello first, answers matched by id in any order, never more than the broker's
// inFlightMax outstanding, pushes routed by sub (the first one right behind the subscribe answer),
// typed errors, a closed socket failing what was in flight retriably, a request timeout, and the
// cluster reconnecting after the server comes back.
import { createServer } from 'node:net'
import { ErrorCode, FaecieError, PROTOCOL_VERSION, decodeFrame, encodeFrame } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { Cluster } from '../src/cluster.js'
import { resolveConfig } from '../src/config.js'
import { Connection } from '../src/connection.js'
import { nodeTransport } from '../src/transport-node.js'
import { closedPort } from '../../../test/support/ports.js'
import { waitFor } from '../../../test/support/wait-for.js'

type Frame = Record<string, unknown> & { id: number; op: string }
type Handler = (frame: Frame, socket: WebSocket, server: Server) => void

interface Server {
  url: string
  port: number
  frames: Frame[]
  outstandingMax: number
  outstanding: number
  close(): Promise<void>
  send(socket: WebSocket, value: unknown): void
}

const LIMITS = { frameBytesMax: 1 << 20, batchBytesMax: 1 << 19, inFlightMax: 2, subscriptionsMax: 4, maxWaitMsMax: 1000 }
const servers: Server[] = []

async function serve(handler: Handler, port = 0): Promise<Server> {
  const wss = new WebSocketServer({ port, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const address = wss.address() as { port: number }
  const server: Server = {
    url: `ws://127.0.0.1:${address.port}/v1/ws`,
    port: address.port,
    frames: [],
    outstandingMax: 0,
    outstanding: 0,
    send: (socket, value) => socket.send(encodeFrame(value)),
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close(() => resolve())
    }),
  }
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data)) as Frame
      server.frames.push(frame)
      if (frame.op === 'hello') {
        server.send(socket, { id: frame.id, protocolVersion: PROTOCOL_VERSION, brokerId: 0, serverVersion: 'test', limits: LIMITS })
        return
      }
      handler(frame, socket, server)
    })
  })
  servers.push(server)
  return server
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

function open(url: string, requestTimeoutMs = 5_000): Promise<Connection> {
  return Connection.open({ url, clientId: 'test', transport: nodeTransport, connectTimeoutMs: 5_000, requestTimeoutMs, messageBytesMax: 1 << 22 })
}

const echo: Handler = (frame, socket, server) => server.send(socket, { id: frame.id, echo: frame.op })

describe('Connection', () => {
  it('says hello first and reads the limits', async () => {
    const server = await serve(echo)
    const connection = await open(server.url)
    expect(server.frames[0]).toMatchObject({ op: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'test' })
    expect(connection.limits).toEqual(LIMITS)
    connection.close()
  })

  it('matches answers to requests by id whatever their order, with at most inFlightMax outstanding', async () => {
    const held: Array<[Frame, WebSocket]> = []
    const server = await serve((frame, socket, s) => {
      s.outstanding++
      s.outstandingMax = Math.max(s.outstandingMax, s.outstanding)
      held.push([frame, socket])
      // Answer two at a time, the later one first.
      if (held.length === 2) {
        for (const [f, sock] of held.splice(0).reverse()) {
          s.outstanding--
          s.send(sock, { id: f.id, topics: [{ topic: (f.topics as string[])[0] }] })
        }
      }
    })
    const connection = await open(server.url)
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((t) => connection.request('metadata', { topics: [t] })))
    expect(answers.map((a) => a.topics[0]!.topic)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    expect(server.outstandingMax).toBe(LIMITS.inFlightMax)
    // Sent in the order asked, waiting ones included.
    expect(server.frames.slice(1).map((f) => (f.topics as string[])[0])).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    connection.close()
  })

  it('turns error answers into FaecieErrors with the wire code', async () => {
    const server = await serve((frame, socket, s) =>
      s.send(socket, { id: frame.id, error: { code: ErrorCode.TOPIC_ALREADY_EXISTS, name: 'TOPIC_ALREADY_EXISTS', message: 'exists', retriable: false } }))
    const connection = await open(server.url)
    const err = await connection.request('createTopics', { topics: [{ topic: 't' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FaecieError)
    expect(err).toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS, message: 'exists', retriable: false })
    connection.close()
  })

  it('routes pushes by sub, the first one right behind the subscribe answer', async () => {
    const server = await serve((frame, socket, s) => {
      if (frame.op !== 'subscribe') return
      // Answer and first push in one go: the handler must already be in place for the push.
      s.send(socket, { id: frame.id, sub: 5 })
      s.send(socket, { sub: 5, records: new Uint8Array([1, 2]), highWatermark: 2 })
      s.send(socket, { sub: 6, records: new Uint8Array([9]), highWatermark: 1 })
      // Behind the push for sub 6 on the same socket: once it is here, the push for sub 6 was read.
      s.send(socket, { sub: 5, records: new Uint8Array([3]), highWatermark: 3 })
    })
    const connection = await open(server.url)
    const pushes: unknown[] = []
    const answer = await connection.request('subscribe', { topic: 't', partition: 0, offset: 0, creditBytes: 100 }, {
      onResponse: (frame) => connection.setPushHandler(frame.sub as number, (push) => pushes.push(push)),
    })
    expect(answer.sub).toBe(5)
    await waitFor('the second push for sub 5', () => pushes.length >= 2)
    expect(pushes).toEqual([
      { sub: 5, records: new Uint8Array([1, 2]), highWatermark: 2 },
      { sub: 5, records: new Uint8Array([3]), highWatermark: 3 },
    ])
    connection.close()
  })

  it('fails every request in flight, and every waiting one, retriably when the socket closes', async () => {
    // The socket goes once inFlightMax requests are in flight (the others wait behind them).
    let received = 0
    const server = await serve((_frame, socket) => {
      if (++received === LIMITS.inFlightMax) socket.terminate()
    })
    const connection = await open(server.url)
    let closedWith: FaecieError | undefined
    connection.onClose((err) => (closedWith = err))
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => connection.request('metadata', {})))
    for (const result of results) {
      expect(result.status).toBe('rejected')
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION, retriable: true })
    }
    expect(closedWith?.code).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(connection.isOpen).toBe(false)
    await expect(connection.request('metadata', {})).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION })
  })

  it('gives up on a request with no answer, and on the connection with it', async () => {
    const server = await serve(() => undefined)
    const connection = await open(server.url, 200)
    await expect(connection.request('metadata', {})).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT })
    expect(connection.isOpen).toBe(false)
  })

  it('refuses a broker that answers hello with another protocol version', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
    wss.on('connection', (socket) => socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data)) as Frame
      socket.send(encodeFrame({ id: frame.id, protocolVersion: 99, brokerId: 0, serverVersion: 'x', limits: LIMITS }))
    }))
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`
    await expect(open(url)).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION })
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  })
})

describe('Cluster', () => {
  it('reconnects with backoff and retries a request until the broker is back', async () => {
    const first = await serve(echo)
    const port = first.port
    const cluster = new Cluster(resolveConfig({
      brokers: [`ws://127.0.0.1:${port}`],
      transport: nodeTransport,
      // Retries enough to outlast a loaded machine: the test waits for attempts, not for time.
      retry: { retries: 200, initialRetryTimeMs: 20, maxRetryTimeMs: 100 },
    }))
    expect(await cluster.request('metadata', {})).toMatchObject({ echo: 'metadata' })
    await first.close()
    servers.splice(servers.indexOf(first), 1)
    // While the broker is away, its port refuses every WebSocket upgrade: a listener that drops each
    // connection at once, so the test sees the cluster try and back off before the broker comes back.
    let attempts = 0
    const refusing = createServer((socket) => {
      attempts++
      socket.destroy()
    })
    await new Promise<void>((resolve) => refusing.listen(port, '127.0.0.1', resolve))
    const answer = cluster.request('metadata', {})
    await waitFor('the cluster to try to reconnect twice', () => attempts >= 2)
    await new Promise((resolve) => refusing.close(resolve))
    await serve(echo, port)
    expect(await answer).toMatchObject({ echo: 'metadata' })
    await cluster.disconnect()
    await expect(cluster.request('metadata', {})).rejects.toMatchObject({ retriable: false })
  })

  it('gives up once the retries are spent', async () => {
    const cluster = new Cluster(resolveConfig({
      brokers: [`ws://127.0.0.1:${await closedPort()}`],
      transport: nodeTransport,
      retry: { retries: 2, initialRetryTimeMs: 5, maxRetryTimeMs: 10 },
    }))
    await expect(cluster.request('metadata', {})).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION })
    await cluster.disconnect()
  })
})

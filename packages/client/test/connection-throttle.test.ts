// The client honours a broker's quota throttle (KIP-219): after an answer with throttleTimeMs > 0 it
// sends nothing to that broker until the throttle has passed, then sends what waited, in order.
// Against a small scripted WebSocket server; "nothing was sent" is checked once the server has seen
// the socket close (everything sent before the close frame has been read by then), never by a sleep.
import { PROTOCOL_VERSION, decodeFrame, encodeFrame, ErrorCode } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { Connection } from '../src/connection.js'
import { nodeTransport } from '../src/transport-node.js'

type Frame = Record<string, unknown> & { id: number; op: string }

const LIMITS = { frameBytesMax: 1 << 20, batchBytesMax: 1 << 19, inFlightMax: 4, subscriptionsMax: 4, maxWaitMsMax: 1000 }
const servers: WebSocketServer[] = []

/** A server that answers every request at once, the first one with `throttleTimeMs`. */
async function serve(throttleTimeMs: number): Promise<{ url: string; frames: Frame[]; closed: Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  servers.push(wss)
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const frames: Frame[] = []
  let closedResolve: () => void = () => undefined
  const closed = new Promise<void>((resolve) => { closedResolve = resolve })
  wss.on('connection', (socket: WebSocket) => {
    socket.on('close', () => closedResolve())
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data)) as Frame
      frames.push(frame)
      if (frame.op === 'hello') {
        socket.send(encodeFrame({ id: frame.id, protocolVersion: PROTOCOL_VERSION, brokerId: 0, serverVersion: 'test', limits: LIMITS }))
        return
      }
      const first = frames.filter((f) => f.op !== 'hello').length === 1
      socket.send(encodeFrame({ id: frame.id, topics: [], ...(first ? { throttleTimeMs } : {}) }))
    })
  })
  return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`, frames, closed }
}

afterEach(async () => {
  for (const wss of servers.splice(0)) {
    for (const client of wss.clients) client.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  }
})

function open(url: string): Promise<Connection> {
  return Connection.open({ url, clientId: 'test', transport: nodeTransport, connectTimeoutMs: 5_000, requestTimeoutMs: 120_000, messageBytesMax: 1 << 22 })
}

describe('Connection under a quota throttle', () => {
  it('sends nothing while throttled', async () => {
    const server = await serve(60_000)
    const connection = await open(server.url)
    const answer = await connection.request('metadata', { topics: [] })
    expect((answer as { throttleTimeMs?: number }).throttleTimeMs).toBe(60_000)
    const held = connection.request('metadata', { topics: ['held'] })
    connection.close()
    await expect(held).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION })
    await server.closed
    expect(server.frames.map((f) => f.op)).toEqual(['hello', 'metadata'])
  })

  it('sends what waited, in order, once the throttle has passed', async () => {
    const server = await serve(50)
    const connection = await open(server.url)
    await connection.request('metadata', { topics: [] })
    const later = ['a', 'b', 'c'].map((topic) => connection.request('metadata', { topics: [topic] }))
    expect(connection.canSendNow).toBe(false) // they wait in the queue
    await Promise.all(later)
    expect(server.frames.slice(2).map((f) => (f.topics as string[])[0])).toEqual(['a', 'b', 'c'])
    connection.close()
  })
})

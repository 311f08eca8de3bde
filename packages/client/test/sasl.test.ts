// The client's login (src/sasl.ts, connection.ts) against a scripted broker on a real socket that
// speaks SCRAM with the protocol's server-side functions: the `sasl` option checked at construction,
// a login right after hello on every connection (a reconnect included), the broker's signature
// checked (an impostor is refused), a refused login failing the connect with the broker's
// non-retriable SASL_AUTHENTICATION_FAILED and tried once, and clear errors when only one side wants
// a login.
import {
  ErrorCode, FaecieError, PROTOCOL_VERSION, decodeFrame, encodeFrame, parseScramAttributes, scramCredential, base64Encode,
  verifyClientFinal, type ScramCredential,
} from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { Cluster } from '../src/cluster.js'
import { resolveConfig } from '../src/config.js'
import { Connection } from '../src/connection.js'
import { resolveSasl, type SaslConfig } from '../src/sasl.js'
import { nodeTransport } from '../src/transport-node.js'

type Frame = Record<string, unknown> & { id: number; op: string }
const LIMITS = { frameBytesMax: 1 << 20, batchBytesMax: 1 << 19, inFlightMax: 2, subscriptionsMax: 4, maxWaitMsMax: 1000 }
const SALT = new Uint8Array(16).fill(7)
const credential: ScramCredential = await scramCredential('SCRAM-SHA-512', 'right', SALT, 4096)

interface Broker {
  url: string
  frames: Frame[]
  hellos: number
  sockets: WebSocket[]
  close(): Promise<void>
}

interface BrokerOptions {
  /** hello's auth field (default: required, both mechanisms). */
  auth?: boolean
  /** Answers server-final with a made-up signature (a broker without the credential). */
  impostor?: boolean
}

const brokers: Broker[] = []
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close()
})

/** A broker that knows alice (SCRAM-SHA-512, password "right") and answers `echo` to anything after login. */
async function serve(options: BrokerOptions = {}): Promise<Broker> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const broker: Broker = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`, frames: [], hellos: 0, sockets: [],
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close(() => resolve())
    }),
  }
  wss.on('connection', (socket) => {
    broker.sockets.push(socket)
    const send = (value: unknown): void => socket.send(encodeFrame(value))
    let exchange: { bare: string; serverFirst: string; nonce: string } | undefined
    socket.on('message', async (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data)) as Frame
      broker.frames.push(frame)
      if (frame.op === 'hello') {
        broker.hellos++
        const auth = options.auth === false ? {} : { auth: { required: true, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] } }
        return send({ id: frame.id, protocolVersion: PROTOCOL_VERSION, brokerId: 0, serverVersion: 'test', limits: LIMITS, ...auth })
      }
      if (frame.op !== 'saslAuthenticate') return send({ id: frame.id, echo: frame.op })
      if (options.auth === false) return send({ id: frame.id, error: new FaecieError(ErrorCode.SECURITY_DISABLED, 'no auth here').toWire() })
      const message = frame.message as string
      if (exchange === undefined) {
        const bare = message.slice(3)
        const nonce = `${parseScramAttributes(bare).get('r')}SERVER`
        exchange = { bare, nonce, serverFirst: `r=${nonce},s=${base64Encode(SALT)},i=4096` }
        return send({ id: frame.id, message: exchange.serverFirst, done: false })
      }
      const { bare, serverFirst, nonce } = exchange
      exchange = undefined
      try {
        const serverFinal = await verifyClientFinal(credential, bare, serverFirst, message, nonce)
        send({ id: frame.id, message: options.impostor === true ? `v=${base64Encode(new Uint8Array(64))}` : serverFinal, done: true, principal: 'User:alice' })
      } catch (err) {
        send({ id: frame.id, error: new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED, (err as Error).message).toWire() })
      }
    })
  })
  brokers.push(broker)
  return broker
}

const ALICE: SaslConfig = { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'right' }

function open(url: string, sasl: SaslConfig | undefined): Promise<Connection> {
  return Connection.open({ url, clientId: 'test', transport: nodeTransport, connectTimeoutMs: 5_000, requestTimeoutMs: 5_000, messageBytesMax: 1 << 22, sasl })
}

async function failure(promise: Promise<unknown>): Promise<FaecieError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof FaecieError)) throw new Error(`expected a FaecieError, got ${String(err)}`)
  return err
}

describe('client login', () => {
  it('checks the sasl option at construction', () => {
    expect(resolveSasl({ mechanism: 'scram-sha-256', username: 'a', password: 'p' })).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'a', password: 'p' })
    expect(resolveSasl(undefined)).toBeUndefined()
    const config = (sasl: unknown) => () => resolveConfig({ brokers: ['127.0.0.1:1'], transport: nodeTransport, sasl: sasl as SaslConfig })
    expect(config({ mechanism: 'plain', username: 'a', password: 'p' })).toThrow(/sasl.mechanism must be scram-sha-256 or scram-sha-512/)
    expect(config({ mechanism: 'SCRAM-SHA-512', username: '', password: 'p' })).toThrow(/sasl.username/)
    expect(config({ mechanism: 'SCRAM-SHA-512', username: 'a' })).toThrow(/sasl.password/)
    expect(config({ mechanism: 'SCRAM-SHA-512', username: 'a', password: 'x'.repeat(1025) })).toThrow(/at most 1024/)
    expect(config('alice:right')).toThrow(/sasl must be/)
    expect(config({ mechanism: 'Scram-Sha-512', username: 'a', password: 'p' })().sasl?.mechanism).toBe('SCRAM-SHA-512')
  })

  it('logs in right after hello, before any request', async () => {
    const broker = await serve()
    const connection = await open(broker.url, ALICE)
    expect(connection.principal).toBe('User:alice')
    expect(await connection.request('metadata', {})).toMatchObject({ echo: 'metadata' })
    expect(broker.frames.map((f) => f.op)).toEqual(['hello', 'saslAuthenticate', 'saslAuthenticate', 'metadata'])
    expect(broker.frames[1]).toMatchObject({ mechanism: 'SCRAM-SHA-512', message: expect.stringMatching(/^n,,n=alice,r=/) })
    connection.close()
  })

  it('fails the connect with the broker\'s SASL_AUTHENTICATION_FAILED for a wrong password, and tries once', async () => {
    const broker = await serve()
    const err = await failure(open(broker.url, { ...ALICE, password: 'wrong' }))
    expect(err.code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
    expect(err.retriable).toBe(false)
    const cluster = new Cluster(resolveConfig({ brokers: [broker.url], transport: nodeTransport, sasl: { ...ALICE, password: 'wrong' },
      retry: { retries: 5, initialRetryTimeMs: 1, maxRetryTimeMs: 1 } }))
    const hellos = broker.hellos
    expect((await failure(cluster.request('metadata', {}))).code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
    expect(broker.hellos - hellos).toBe(1)
    await cluster.disconnect()
  })

  it('refuses a broker whose final signature is not made from the password', async () => {
    const broker = await serve({ impostor: true })
    const err = await failure(open(broker.url, ALICE))
    expect(err.code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
    expect(err.message).toMatch(/signature is wrong/)
  })

  it('says what to configure when only one side wants a login', async () => {
    const needsLogin = await serve()
    const noCredentials = await failure(open(needsLogin.url, undefined))
    expect(noCredentials.code).toBe(ErrorCode.AUTHENTICATION_REQUIRED)
    expect(noCredentials.message).toMatch(/requires a login \(SCRAM-SHA-256, SCRAM-SHA-512\): give the client sasl/)
    expect(needsLogin.frames.map((f) => f.op)).toEqual(['hello'])
    const noAuth = await serve({ auth: false })
    const unexpected = await failure(open(noAuth.url, ALICE))
    expect(unexpected.code).toBe(ErrorCode.SECURITY_DISABLED)
    expect(unexpected.message).toMatch(/remove sasl/)
    // Without credentials, a broker without auth is spoken to as before.
    const plain = await open(noAuth.url, undefined)
    expect(plain.principal).toBeUndefined()
    plain.close()
  })

  it('logs in again on every reconnect', async () => {
    const broker = await serve()
    const cluster = new Cluster(resolveConfig({ brokers: [broker.url], transport: nodeTransport, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'right' },
      retry: { retries: 5, initialRetryTimeMs: 1, maxRetryTimeMs: 1 } }))
    expect(await cluster.request('metadata', {})).toMatchObject({ echo: 'metadata' })
    for (const socket of broker.sockets) socket.terminate()
    expect(await cluster.request('metadata', {})).toMatchObject({ echo: 'metadata' })
    expect(broker.frames.map((f) => f.op)).toEqual(['hello', 'saslAuthenticate', 'saslAuthenticate', 'metadata', 'hello', 'saslAuthenticate', 'saslAuthenticate', 'metadata'])
    await cluster.disconnect()
  })
})

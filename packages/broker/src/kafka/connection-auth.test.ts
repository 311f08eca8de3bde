// The pre-login gate of a Kafka connection, over a real socket against a stand-in gateway whose
// security requires a login (--auth scram): ApiVersions and SaslHandshake are answered before the
// login; any other API closes the connection, with the reason logged, as Kafka does; a failed login
// is answered before the connection closes; no login within authenticateTimeoutMs closes it; without
// --auth scram nothing changes.
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { waitFor } from '../../../../test/support/wait-for.js'
import type { Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { OutboundBytes } from '../gateway/outbound.js'
import { silentLogger, type Logger } from '../log.js'
import { GatewaySecurity, openGatewaySecurity } from '../security/gateway-security.js'
import { DEFAULT_SECURITY_LIMITS, OPEN_SECURITY_CONFIG } from '../server/security-config.js'
import { KafkaConnection } from './connection.js'
import { KAFKA_APIS, type KafkaApiName } from './generated/apis.js'
import * as codecs from './generated/index.js'
import { readResponseHeader, writeRequestHeader } from './generated/headers.js'
import { requestHeaderVersion, responseHeaderVersion } from './versions.js'
import { KafkaReader, KafkaWriter } from './wire.js'

let server: Server | undefined
const sockets: Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
  server = undefined
})

/** A logger that keeps the reasons connections were closed for. */
function recordingLogger(reasons: string[]): Logger {
  const logger = silentLogger()
  const record = (target: Logger): Logger => new Proxy(target, {
    get(obj, key, receiver) {
      if (key === 'child') return (...args: unknown[]) => record((obj.child as (...a: unknown[]) => Logger)(...args))
      if (key === 'warn') return (fields: { reason?: string }, message: string) => { if (message === 'closing the Kafka connection' && fields.reason !== undefined) reasons.push(fields.reason) }
      return Reflect.get(obj, key, receiver) as unknown
    },
  })
  return record(logger)
}

async function listen(authRequired: boolean, reasons: string[] = [], authenticateTimeoutMs = DEFAULT_SECURITY_LIMITS.authenticateTimeoutMs): Promise<number> {
  const config = { ...OPEN_SECURITY_CONFIG, auth: 'scram' as const, limits: { ...DEFAULT_SECURITY_LIMITS, authenticateTimeoutMs } }
  const security = authRequired ? new GatewaySecurity(config, silentLogger()) : openGatewaySecurity(silentLogger())
  const gateway = {
    limits: DEFAULT_LIMITS, outbound: new OutboundBytes(DEFAULT_LIMITS), draining: false, security,
    topics: { all: () => [], lookup: () => undefined }, cluster: undefined,
    broker: { brokerId: 1, clusterId: 'c', serverVersion: 'test', url: 'ws://127.0.0.1:1', autoCreateTopics: false },
  } as unknown as Gateway
  server = createServer((socket) => {
    sockets.push(socket)
    void new KafkaConnection(1, socket, gateway, { brokerId: 1, clusterId: 'c', advertisedHost: '127.0.0.1', advertisedPort: 0 }, recordingLogger(reasons))
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

type Codec = Record<string, (...args: unknown[]) => unknown>

/**
 * One connection that sends requests with the generated codecs and reads answers; `call` rejects
 * with "closed" once the broker has closed the connection and no answer is left to read (an answer
 * written just before the close is still read).
 */
class Client {
  readonly #socket: Socket
  #received = Buffer.alloc(0)
  #closed = false
  #correlationId = 0

  constructor(port: number) {
    this.#socket = connect(port, '127.0.0.1')
    sockets.push(this.#socket)
    this.#socket.on('data', (chunk: Buffer) => { this.#received = Buffer.concat([this.#received, chunk]) })
    this.#socket.on('close', () => { this.#closed = true })
    this.#socket.on('error', () => undefined)
  }

  async call<T = any>(name: KafkaApiName, version: number, request: object): Promise<T> {
    const api = KAFKA_APIS[name]
    const codec = codecs as unknown as Codec
    const w = new KafkaWriter()
    writeRequestHeader(w, requestHeaderVersion(api, version), { requestApiKey: api.apiKey, requestApiVersion: version, correlationId: ++this.#correlationId, clientId: 'test' })
    codec[`write${name}Request`]!(w, version, { ...(codec[`default${name}Request`]!() as object), ...request })
    const payload = w.finish()
    const frame = Buffer.alloc(4 + payload.length)
    frame.writeInt32BE(payload.length, 0)
    frame.set(payload, 4)
    this.#socket.write(frame)
    const body = await waitFor(`${name}'s answer or the close`, () => {
      if (this.#received.length >= 4 && this.#received.length >= 4 + this.#received.readInt32BE(0)) {
        const size = this.#received.readInt32BE(0)
        const answer = this.#received.subarray(4, 4 + size)
        this.#received = this.#received.subarray(4 + size)
        return answer
      }
      return this.#closed ? 'closed' : undefined
    })
    if (body === 'closed') throw new Error('closed')
    const r = new KafkaReader(body)
    readResponseHeader(r, responseHeaderVersion(api, version))
    return codec[`read${name}Response`]!(r, version) as T
  }
}

it('answers ApiVersions before the login, advertising SaslHandshake v0-1 and SaslAuthenticate v0-2', async () => {
  const client = new Client(await listen(true))
  const answer = await client.call<{ errorCode: number; apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }> }>('ApiVersions', 3, {})
  expect(answer.errorCode).toBe(0)
  expect(answer.apiKeys.find((k) => k.apiKey === 17)).toEqual({ apiKey: 17, minVersion: 0, maxVersion: 1 })
  expect(answer.apiKeys.find((k) => k.apiKey === 36)).toEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 })
  for (const key of [29, 30, 31, 50, 51]) expect(answer.apiKeys.some((k) => k.apiKey === key)).toBe(true)
  expect(await client.call('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-256' })).toEqual({ errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] })
})

it('closes the connection on any other request before the login, the reason logged', async () => {
  const reasons: string[] = []
  const client = new Client(await listen(true, reasons))
  await expect(client.call('Metadata', 12, { topics: null })).rejects.toThrow('closed')
  expect(reasons).toEqual(['Metadata before the SASL login (only ApiVersions, SaslHandshake and SaslAuthenticate are allowed)'])
})

it('writes a failed login\'s answer before it closes the connection', async () => {
  const reasons: string[] = []
  const client = new Client(await listen(true, reasons))
  await client.call('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-256' })
  const answer = await client.call<{ errorCode: number; errorMessage: string }>('SaslAuthenticate', 2, { authBytes: Buffer.from('n,,n=nobody,r=short') })
  expect(answer.errorCode).toBe(58)
  await expect(client.call('ApiVersions', 3, {})).rejects.toThrow('closed')
  expect(reasons).toHaveLength(1)
  expect(reasons[0]).toMatch(/^SASL authentication failed: /)
})

it('without --auth scram serves every API without a login, as before', async () => {
  const client = new Client(await listen(false))
  const answer = await client.call<{ brokers: unknown[] }>('Metadata', 12, { topics: null })
  expect(answer.brokers).toHaveLength(1)
})

it('a raw socket sending garbage before the login is closed too (nothing is decoded past the header)', async () => {
  const reasons: string[] = []
  const port = await listen(true, reasons)
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  // A Produce v9 header (API key 0) and a body of junk.
  const frame = Buffer.alloc(4 + 8 + 100, 0x41)
  frame.writeInt32BE(frame.length - 4, 0)
  frame.writeInt16BE(0, 4)
  frame.writeInt16BE(9, 6)
  frame.writeInt32BE(1, 8)
  socket.write(frame)
  await closed
  expect(reasons).toEqual(['Produce before the SASL login (only ApiVersions, SaslHandshake and SaslAuthenticate are allowed)'])
})

it('closes a connection that has not logged in within authenticateTimeoutMs', async () => {
  const reasons: string[] = []
  const client = new Client(await listen(true, reasons, 50))
  await client.call('ApiVersions', 3, {})
  await waitFor('the connection closed', () => reasons.length > 0)
  expect(reasons).toEqual(['no SASL login within authenticateTimeoutMs (50 ms)'])
})

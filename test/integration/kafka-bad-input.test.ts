// Bad input on the Kafka listener, each on its own connection: garbage bytes, a 2 GiB size prefix,
// a negative one, a truncated request, an unknown API key, versions out of range (Produce v0-2
// included: advertised, refused, as Kafka 4). Each gets Kafka's answer (ApiVersions at a newer
// version: UNSUPPORTED_VERSION in the v0 format) or a closed connection with the reason logged, and
// the broker goes on serving everyone else.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KAFKA_APIS } from '../../packages/broker/src/kafka/generated/apis.js'
import { readApiVersionsResponse } from '../../packages/broker/src/kafka/generated/api-versions.js'
import { defaultMetadataRequest, writeMetadataRequest } from '../../packages/broker/src/kafka/generated/metadata.js'
import { KafkaReader, KafkaWriter } from '../../packages/broker/src/kafka/wire.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { kafkaPortOf } from '../support/kafka-protocol.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let port: number

beforeAll(async () => {
  broker = await startBrokerProcess()
  port = await kafkaPortOf(broker)
})

afterAll(async () => {
  await broker?.stop()
})

interface Peer { socket: Socket; received: () => Buffer; closed: () => boolean }

async function open(to = port): Promise<Peer> {
  const socket = connect(to, '127.0.0.1')
  const chunks: Buffer[] = []
  let closed = false
  socket.on('data', (chunk) => chunks.push(chunk))
  socket.on('close', () => { closed = true })
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, received: () => Buffer.concat(chunks), closed: () => closed }
}

/** A request frame: size, header v1 (key, version, correlation id, client id), then `body`. */
function request(apiKey: number, version: number, correlationId: number, body: Uint8Array = new Uint8Array(0)): Buffer {
  const w = new KafkaWriter()
  w.int16(apiKey); w.int16(version); w.int32(correlationId); w.string('bad-input-test', false)
  w.raw(body)
  const payload = w.finish()
  const frame = Buffer.alloc(4 + payload.length)
  frame.writeInt32BE(payload.length, 0)
  frame.set(payload, 4)
  return frame
}

/** An ApiVersions v0 exchange on a fresh connection: the broker still answers. */
async function stillServes(): Promise<void> {
  const peer = await open()
  peer.socket.write(request(KAFKA_APIS.ApiVersions.apiKey, 0, 7))
  const answer = await waitFor('an ApiVersions answer', () => (peer.received().length >= 4 && peer.received().length >= 4 + peer.received().readInt32BE(0) ? peer.received() : undefined))
  expect(answer.readInt32BE(4)).toBe(7)
  const decoded = readApiVersionsResponse(new KafkaReader(answer.subarray(8)), 0)
  expect(decoded.errorCode).toBe(0)
  peer.socket.destroy()
}

async function expectClosedWithReason(peer: Peer, reason: RegExp): Promise<void> {
  await waitFor('the broker to close the connection', () => peer.closed())
  expect(peer.received().length).toBe(0)
  await waitFor(`a log line giving the reason ${reason}`, () => broker.logs().some((line) => line.includes('closing the Kafka connection') && reason.test(line)))
  await stillServes()
}

describe('the Kafka listener on bad input', () => {
  it('closes a connection sending garbage (an HTTP request), with the reason logged', async () => {
    const peer = await open()
    peer.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await expectClosedWithReason(peer, /frame size 1195725856 is outside/)
  })

  it('closes a connection announcing a 2 GiB frame, or a negative one, before buffering it', async () => {
    for (const prefix of [0x7fffffff, -2]) {
      const peer = await open()
      const size = Buffer.alloc(4)
      size.writeInt32BE(prefix, 0)
      peer.socket.write(size)
      await expectClosedWithReason(peer, new RegExp(`frame size ${prefix} is outside`))
    }
  })

  it('closes a connection whose request is cut short inside its frame', async () => {
    const w = new KafkaWriter()
    writeMetadataRequest(w, 8, { ...defaultMetadataRequest(), topics: [{ name: 'a-topic', topicId: new Uint8Array(16) }] })
    const body = w.finish()
    const peer = await open()
    peer.socket.write(request(KAFKA_APIS.Metadata.apiKey, 8, 1, body.subarray(0, body.length - 3)))
    await expectClosedWithReason(peer, /Metadata v8 request does not decode/)
  })

  it('closes a connection naming an unknown API key', async () => {
    const peer = await open()
    peer.socket.write(request(999, 0, 1))
    await expectClosedWithReason(peer, /unknown or unsupported API key 999/)
  })

  it('closes a connection asking for a version out of range, Produce v0-2 included', async () => {
    for (const [apiKey, version, name] of [[KAFKA_APIS.Metadata.apiKey, 99, 'Metadata'], [KAFKA_APIS.Produce.apiKey, 2, 'Produce']] as const) {
      const peer = await open()
      peer.socket.write(request(apiKey, version, 1))
      await expectClosedWithReason(peer, new RegExp(`${name} version ${version} is not served`))
    }
  })

  it('answers ApiVersions at a newer version with UNSUPPORTED_VERSION in the v0 format, and keeps the connection', async () => {
    const peer = await open()
    peer.socket.write(request(KAFKA_APIS.ApiVersions.apiKey, 99, 42))
    const answer = await waitFor('the UNSUPPORTED_VERSION answer', () => (peer.received().length >= 4 && peer.received().length >= 4 + peer.received().readInt32BE(0) ? peer.received() : undefined))
    expect(answer.readInt32BE(4)).toBe(42)
    const decoded = readApiVersionsResponse(new KafkaReader(answer.subarray(8, 4 + answer.readInt32BE(0))), 0)
    expect(decoded.errorCode).toBe(35)
    const apiVersions = decoded.apiKeys.find((k) => k.apiKey === KAFKA_APIS.ApiVersions.apiKey)
    expect(apiVersions).toEqual({ apiKey: 18, minVersion: 0, maxVersion: KAFKA_APIS.ApiVersions.maxVersion })
    // Produce is advertised from v0 (KAFKA-18659), though v0-2 are refused.
    expect(decoded.apiKeys.find((k) => k.apiKey === KAFKA_APIS.Produce.apiKey)?.minVersion).toBe(0)
    expect(peer.closed()).toBe(false)
    peer.socket.destroy()
  })
})

describe('the Kafka listener within its limits', () => {
  let small: BrokerProcess
  let smallPort: number
  let configDir: string

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'faecie-kafka-limits-'))
    const config = join(configDir, 'broker.json')
    writeFileSync(config, JSON.stringify({ limits: { sessionsMax: 2, helloTimeoutMs: 100, sessionIdleMsMax: 5000, requestItemsMax: 2 } }))
    small = await startBrokerProcess({ args: ['--config', config] })
    smallPort = await kafkaPortOf(small)
  })

  afterAll(async () => {
    await small?.stop()
    rmSync(configDir, { recursive: true, force: true })
  })

  it('closes a connection whose request names more than requestItemsMax topics', async () => {
    const w = new KafkaWriter()
    writeMetadataRequest(w, 8, { ...defaultMetadataRequest(), topics: ['a', 'b', 'c'].map((name) => ({ name, topicId: new Uint8Array(16) })) })
    const peer = await open(smallPort)
    peer.socket.write(request(KAFKA_APIS.Metadata.apiKey, 8, 1, w.finish()))
    await waitFor('the broker to close the connection', () => peer.closed())
    await waitFor('the reason logged', () => small.logs().some((line) => line.includes('closing the Kafka connection') && line.includes('requestItemsMax')))
  })

  // sessionIdleMsMax is 5 s, far longer than opening three connections takes even on a loaded
  // machine: the first two are still open when the third comes.
  it('closes a connection past sessionsMax at once, and one idle for sessionIdleMsMax', async () => {
    const first = await open(smallPort)
    const second = await open(smallPort)
    const third = await open(smallPort)
    await waitFor('the third connection to be closed', () => third.closed())
    await waitFor('the refusal logged', () => small.logs().some((line) => line.includes('Kafka connection refused') && line.includes('sessionsMax 2')))
    // Neither sends anything: both are closed as idle.
    await waitFor('the idle connections to be closed', () => first.closed() && second.closed())
    await waitFor('the reason logged', () => small.logs().some((line) => line.includes('closing the Kafka connection') && line.includes('idle for sessionIdleMsMax')))
  })
})

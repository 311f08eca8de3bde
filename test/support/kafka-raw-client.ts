// A bare Kafka-protocol client for tests that need one exact API version on the wire (the real
// clients choose their own): one TCP connection, one request at a time, written and read with the
// generated codecs (packages/broker/src/kafka/generated) and the header versions the listener uses;
// kafkaRequest: one request on a connection of its own.
import { connect, type Socket } from 'node:net'
import { KAFKA_APIS, type KafkaApiName } from '../../packages/broker/src/kafka/generated/apis.js'
import * as codecs from '../../packages/broker/src/kafka/generated/index.js'
import { readResponseHeader, writeRequestHeader } from '../../packages/broker/src/kafka/generated/headers.js'
import { requestHeaderVersion, responseHeaderVersion, type ServedApi } from '../../packages/broker/src/kafka/versions.js'
import { KafkaReader, KafkaWriter } from '../../packages/broker/src/kafka/wire.js'
import { waitFor } from './wait-for.js'

type Codec = Record<string, (...args: unknown[]) => unknown>

export class KafkaRawClient {
  readonly #socket: Socket
  #received = Buffer.alloc(0)
  #closed = false
  #correlationId = 0

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => { this.#received = Buffer.concat([this.#received, chunk]) })
    socket.on('close', () => { this.#closed = true })
    socket.on('error', () => undefined)
  }

  static async connect(port: number): Promise<KafkaRawClient> {
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return new KafkaRawClient(socket)
  }

  /** Sends `request` as `api` at `version` (fields the version lacks are left out by the codec) and decodes the answer. */
  async call<Response = any>(api: KafkaApiName, version: number, request: object): Promise<Response> {
    const codec = codecs as unknown as Codec
    return this.send(KAFKA_APIS[api], version,
      (w) => codec[`write${api}Request`]!(w, version, { ...(codec[`default${api}Request`]!() as object), ...request }),
      (r, v) => codec[`read${api}Response`]!(r, v) as Response)
  }

  /** Sends one request whose body `write` writes, and reads the answer's body with `read` (to its last byte). */
  async send<T>(api: ServedApi, version: number, write: (w: KafkaWriter) => void, read: (r: KafkaReader, version: number) => T,
    clientId = 'kafka-raw-client'): Promise<T> {
    const correlationId = ++this.#correlationId
    const w = new KafkaWriter()
    writeRequestHeader(w, requestHeaderVersion(api, version), { requestApiKey: api.apiKey, requestApiVersion: version, correlationId, clientId })
    write(w)
    const payload = w.finish()
    const frame = Buffer.alloc(4 + payload.length)
    frame.writeInt32BE(payload.length, 0)
    frame.set(payload, 4)
    this.#socket.write(frame)
    const answer = await waitFor(`${api.name} v${version}'s answer`, () => {
      if (this.#closed) throw new Error(`the broker closed the connection instead of answering ${api.name} v${version}`)
      if (this.#received.length < 4) return undefined
      const size = this.#received.readInt32BE(0)
      if (this.#received.length < 4 + size) return undefined
      const body = this.#received.subarray(4, 4 + size)
      this.#received = this.#received.subarray(4 + size)
      return body
    })
    const r = new KafkaReader(answer)
    const header = readResponseHeader(r, responseHeaderVersion(api, version))
    if (header.correlationId !== correlationId) throw new Error(`${api.name} v${version}: answered with another correlation id`)
    const decoded = read(r, version)
    if (r.remaining !== 0) throw new Error(`${api.name} v${version}: ${r.remaining} bytes left after the response`)
    return decoded
  }

  close(): void {
    this.#socket.destroy()
  }
}

/** One request on a connection of its own, closed after the answer: for tests that check one API's answer field by field. */
export async function kafkaRequest<T>(port: number, api: ServedApi, version: number, write: (w: KafkaWriter) => void,
  read: (r: KafkaReader, version: number) => T, clientId = 'faecie-test'): Promise<T> {
  const client = await KafkaRawClient.connect(port)
  try {
    return await client.send(api, version, write, read, clientId)
  } finally {
    client.close()
  }
}

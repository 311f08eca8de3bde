// A bare Kafka-protocol client for tests that need one exact API version on the wire (the real
// clients choose their own): one TCP connection, one request at a time, written and read with the
// generated codecs (packages/broker/src/kafka/generated) and the header versions the listener uses.
import { connect, type Socket } from 'node:net'
import { KAFKA_APIS, type KafkaApiName } from '../../packages/broker/src/kafka/generated/apis.js'
import * as codecs from '../../packages/broker/src/kafka/generated/index.js'
import { requestHeaderVersion, responseHeaderVersion } from '../../packages/broker/src/kafka/versions.js'
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
    const served = KAFKA_APIS[api]
    const codec = codecs as unknown as Codec
    const correlationId = ++this.#correlationId
    const w = new KafkaWriter()
    w.int16(served.apiKey); w.int16(version); w.int32(correlationId); w.string('kafka-raw-client', false)
    if (requestHeaderVersion(served, version) >= 2) w.taggedFields([])
    codec[`write${api}Request`]!(w, version, { ...(codec[`default${api}Request`]!() as object), ...request })
    const payload = w.finish()
    const frame = Buffer.alloc(4 + payload.length)
    frame.writeInt32BE(payload.length, 0)
    frame.set(payload, 4)
    this.#socket.write(frame)
    const answer = await waitFor(`${api} v${version}'s answer`, () => {
      if (this.#closed) throw new Error(`the broker closed the connection instead of answering ${api} v${version}`)
      if (this.#received.length < 4) return undefined
      const size = this.#received.readInt32BE(0)
      if (this.#received.length < 4 + size) return undefined
      const body = this.#received.subarray(4, 4 + size)
      this.#received = this.#received.subarray(4 + size)
      return body
    })
    const r = new KafkaReader(answer)
    if (r.int32() !== correlationId) throw new Error(`${api} v${version}: answered with another correlation id`)
    if (responseHeaderVersion(served, version) >= 1) r.taggedFields(() => false)
    const decoded = codec[`read${api}Response`]!(r, version) as Response
    if (r.remaining !== 0) throw new Error(`${api} v${version}: ${r.remaining} bytes left after the response`)
    return decoded
  }

  close(): void {
    this.#socket.destroy()
  }
}

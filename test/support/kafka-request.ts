// One Kafka-protocol request to a broker's Kafka listener on a fresh connection, written and its
// answer read with the broker's generated codecs (packages/broker/src/kafka/generated): for tests
// that check one API's answers field by field, where a real client would hide them.
import { connect } from 'node:net'
import { readResponseHeader, writeRequestHeader } from '../../packages/broker/src/kafka/generated/headers.js'
import { requestHeaderVersion, responseHeaderVersion, type ServedApi } from '../../packages/broker/src/kafka/versions.js'
import { KafkaReader, KafkaWriter } from '../../packages/broker/src/kafka/wire.js'

/** The longest a request may wait for its answer before the test fails. */
const ANSWER_TIMEOUT_MS = 20_000
const CORRELATION_ID = 848

export async function kafkaRequest<T>(port: number, api: ServedApi, version: number, write: (w: KafkaWriter) => void,
  read: (r: KafkaReader, version: number) => T, clientId = 'faecie-test'): Promise<T> {
  const w = new KafkaWriter()
  w.int32(0)
  writeRequestHeader(w, requestHeaderVersion(api, version), { requestApiKey: api.apiKey, requestApiVersion: version, correlationId: CORRELATION_ID, clientId })
  write(w)
  const frame = w.finish()
  new DataView(frame.buffer, frame.byteOffset).setInt32(0, frame.length - 4)
  const socket = connect(port, '127.0.0.1')
  try {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      let buffered = Buffer.alloc(0)
      const timer = setTimeout(() => reject(new Error(`no ${api.name} v${version} answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS)
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk])
        if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
          clearTimeout(timer)
          resolve(buffered.subarray(4, 4 + buffered.readInt32BE(0)))
        }
      })
      socket.on('error', (err) => { clearTimeout(timer); reject(err) })
      socket.on('close', () => { clearTimeout(timer); reject(new Error(`the listener closed the connection instead of answering ${api.name} v${version}`)) })
      socket.write(frame)
    })
    const r = new KafkaReader(answer)
    const header = readResponseHeader(r, responseHeaderVersion(api, version))
    if (header.correlationId !== CORRELATION_ID) throw new Error(`answer with correlation id ${header.correlationId}`)
    const decoded = read(r, version)
    if (r.remaining !== 0) throw new Error(`${r.remaining} bytes after the ${api.name} answer`)
    return decoded
  } finally {
    socket.destroy()
  }
}

// The body of a read's answer (read.ts), written as it is made rather than built whole, and capped
// by its encoded size: `maxBytes` of a read counts bytes of JSON, not record bytes. The records go
// out one by one, in chunks of about CHUNK_BYTES; a record that would take the records past
// `maxBytes` ends them, except the first, which always comes (a client must be able to read past a
// large record, as a fetch always returns a first whole batch). The body is a Readable that makes a
// chunk only when the response asks for one, so a client that does not read makes the broker hold
// one chunk and the socket's buffers, never the whole answer:
//
//   {"topic":T,"partition":P,"records":[R, R, ...],"nextOffset":N,"highWatermark":H,
//    "logStartOffset":L,"keyEncoding":K,"valueEncoding":V}
import { Readable } from 'node:stream'
import { decodeBatches } from '@faecie/protocol'
import { recordToJson, type RecordEncodings } from './record-codec.js'

/** Records are gathered into chunks of about this many bytes before they are handed to the response. */
const CHUNK_BYTES = 64 * 1024

export interface ReadAnswer {
  topic: string
  partition: number
  /** Whole batches as the fetch returned them. */
  bytes: Uint8Array
  /** The offset asked for: records below it (a batch may start lower) are left out. */
  from: number
  recordsMax: number
  /** Encoded bytes of the records at most (the first record always comes). */
  encodedBytesMax: number
  highWatermark: number
  logStartOffset: number
  encodings: RecordEncodings
}

/** The answer's body as a stream of UTF-8 JSON. */
export function readAnswerStream(answer: ReadAnswer): Readable {
  return Readable.from(chunks(answer), { objectMode: false })
}

function* chunks(a: ReadAnswer): Generator<string> {
  yield `{"topic":${JSON.stringify(a.topic)},"partition":${a.partition},"records":[`
  let chunk = ''
  let count = 0
  let encodedBytes = 0
  let next = a.from
  let full = false
  for (const batch of decodeBatches(a.bytes)) {
    const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1
    if (!batch.control) {
      for (const record of batch.records) {
        if (record.offset < a.from) continue
        const json = JSON.stringify(recordToJson(a.partition, record, a.encodings))
        const bytes = Buffer.byteLength(json) + (count > 0 ? 1 : 0)
        if (count >= a.recordsMax || (count > 0 && encodedBytes + bytes > a.encodedBytesMax)) {
          full = true
          break
        }
        chunk += count > 0 ? `,${json}` : json
        count++
        encodedBytes += bytes
        next = record.offset + 1
        if (chunk.length >= CHUNK_BYTES) {
          yield chunk
          chunk = ''
        }
      }
    }
    if (full) break
    // Past every record of the batch: a batch of only older or control records still moves it on.
    next = Math.max(next, batchEnd)
  }
  yield `${chunk}],"nextOffset":${next},"highWatermark":${a.highWatermark},"logStartOffset":${a.logStartOffset},` +
    `"keyEncoding":${JSON.stringify(a.encodings.key)},"valueEncoding":${JSON.stringify(a.encodings.value)}}`
}

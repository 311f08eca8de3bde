// The pre-encoded ceiling's sender: ready-made produce frames over one WebSocket, no client library
// in the loop. Before the clock starts it encodes FRAME_POOL produce frames, each the bytes the
// client sends for one batch: a RecordBatch v2 of --batch-records records of --record-bytes random
// bytes (RecordBatchBuilder, as the producer builds it; acks 1, not idempotent) in a msgpack
// produce request with its own id. Then it sends them in turn, at most --in-flight unanswered (the
// producer's window per partition), until --records records are acknowledged, and prints one JSON
// line: {records, recordsPerSec, mbPerSec, elapsedMs}. The socket is a plain `ws` client (every frame
// masked with a random key, as RFC 6455 requires; bufferutil masks natively). Against raw-server.ts
// (only acks) it is the most any client could push through one socket on this machine. Run:
//   node raw-frames.js --url ws://127.0.0.1:P --topic T --records N [--record-bytes 100]
//     [--batch-records 1000] [--in-flight 16] [--zero-mask]
// --zero-mask (a measurement only, not a valid client: RFC 6455 requires an unpredictable masking
// key) masks with 0000, which ws sends without copying the frame: what masking costs.
import { randomFillSync } from 'node:crypto'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { PROTOCOL_VERSION, RecordBatchBuilder, decodeFrame, encodeFrame } from '@faecie/protocol'

/** Distinct frames cycled through (ids and values differ; the server does not check ids). */
const FRAME_POOL = 64

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    topic: { type: 'string', default: 'raw' },
    records: { type: 'string', default: '2000000' },
    'record-bytes': { type: 'string', default: '100' },
    'batch-records': { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '16' },
    'zero-mask': { type: 'boolean', default: false },
  },
})
const recordsWanted = Number(flags.records)
const recordBytes = Number(flags['record-bytes'])
const batchRecords = Number(flags['batch-records'])
const inFlightMax = Number(flags['in-flight'])

/** One produce frame as the client encodes it: the batch's header filled in, the frame around it. */
function produceFrame(id: number, nowMs: number): Uint8Array {
  const builder = new RecordBatchBuilder(batchRecords * (recordBytes + 16))
  const pool = new Uint8Array(recordBytes * batchRecords)
  randomFillSync(pool)
  for (let i = 0; i < batchRecords; i++) builder.append({ key: null, value: pool.subarray(i * recordBytes, (i + 1) * recordBytes) }, nowMs)
  const records = builder.finish({})
  return encodeFrame({ acks: 1, timeoutMs: 30_000, topics: [{ topic: flags.topic, partitions: [{ partition: 0, records }] }], id, op: 'produce' }).slice()
}

const url = flags.url!.endsWith('/v1/ws') ? flags.url! : `${flags.url!}/v1/ws`
const frames = Array.from({ length: FRAME_POOL }, (_, i) => produceFrame(i + 2, Date.now()))
const frameBytes = frames[0]!.length
const zeroMask = flags['zero-mask'] === true ? { generateMask: (mask: Buffer): void => void mask.fill(0) } : {}
const socket = new WebSocket(url, { perMessageDeflate: false, ...zeroMask })
socket.binaryType = 'nodebuffer'

await new Promise<void>((resolve, reject) => {
  socket.once('open', resolve)
  socket.once('error', reject)
})
// The handshake's hello, answered before the clock starts.
socket.send(encodeFrame({ protocolVersion: PROTOCOL_VERSION, clientId: 'raw-frames', id: 1, op: 'hello' }))
await new Promise<void>((resolve) => socket.once('message', () => resolve()))

const batchesWanted = Math.ceil(recordsWanted / batchRecords)
let sent = 0
let acked = 0
let next = 0
const startMs = performance.now()
const done = new Promise<void>((resolve, reject) => {
  const pump = (): void => {
    while (sent < batchesWanted && sent - acked < inFlightMax) {
      socket.send(frames[next]!)
      next = (next + 1) % FRAME_POOL
      sent++
    }
  }
  socket.on('message', (data: Buffer) => {
    const answer = decodeFrame(data) as { error?: { message: string } }
    if (answer.error !== undefined) {
      reject(new Error(`the server refused a produce: ${answer.error.message}`))
      return
    }
    if (++acked === batchesWanted) resolve()
    else pump()
  })
  socket.on('close', () => reject(new Error('the socket closed')))
  pump()
})
await done
const elapsedMs = performance.now() - startMs
const records = batchesWanted * batchRecords
process.stdout.write(`${JSON.stringify({
  records,
  recordsPerSec: Math.round(records / (elapsedMs / 1000)),
  mbPerSec: Math.round(((records * recordBytes) / (1024 * 1024) / (elapsedMs / 1000)) * 10) / 10,
  elapsedMs: Math.round(elapsedMs),
  frameBytes,
})}\n`)
socket.terminate()
process.exit(0)

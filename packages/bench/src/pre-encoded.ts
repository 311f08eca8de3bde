// The pre-encoded ceiling, shared by Node (peers/raw-frames.ts, over `ws`) and the browser bench page
// (browser/page.ts, over the page's own WebSocket): ready-made produce frames, no client library in
// the loop. Before the clock starts it encodes FRAME_POOL produce frames, each the bytes the client
// sends for one batch: a RecordBatch v2 of `batchRecords` records of `recordBytes` random bytes
// (RecordBatchBuilder, as the producer builds it; acks 1, not idempotent) in a msgpack produce request
// with its own id. Then it sends them in turn, at most `inFlight` unanswered (the producer's window per
// partition), until `records` records are acknowledged. Against raw-server.ts (a server that only
// acks) it is the most any client could push through one socket of that runtime on this machine.
// Runs in browsers: no `node:` imports.
import { PROTOCOL_VERSION, RecordBatchBuilder, decodeFrame, encodeFrame } from '@faecie/protocol'

/** Distinct frames cycled through (ids and values differ; the server does not check ids). */
const FRAME_POOL = 64
/** crypto.getRandomValues fills at most this many bytes a call. */
const RANDOM_BYTES_MAX = 65_536

export interface PreEncodedOptions {
  topic: string
  records: number
  recordBytes: number
  batchRecords: number
  inFlight: number
}

export interface PreEncodedResult {
  records: number
  recordsPerSec: number
  mbPerSec: number
  elapsedMs: number
  frameBytes: number
}

/** The frames' way out, and a way to hear the answers: what both runtimes' sockets offer. */
export interface FrameSocket {
  send(frame: Uint8Array): void
  /** Calls `listener` with each frame received, until the run ends. */
  onFrame(listener: (frame: Uint8Array) => void): void
  /** Calls `listener` once if the socket closes before the run ends. */
  onClose(listener: () => void): void
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += RANDOM_BYTES_MAX) crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + RANDOM_BYTES_MAX)))
  return bytes
}

/** One produce frame as the client encodes it: the batch's header filled in, the frame around it. */
function produceFrame(options: PreEncodedOptions, id: number, nowMs: number): Uint8Array {
  const { batchRecords, recordBytes } = options
  const builder = new RecordBatchBuilder(batchRecords * (recordBytes + 16))
  const pool = randomBytes(recordBytes * batchRecords)
  for (let i = 0; i < batchRecords; i++) builder.append({ key: null, value: pool.subarray(i * recordBytes, (i + 1) * recordBytes) }, nowMs)
  const records = builder.finish({})
  return encodeFrame({ acks: 1, timeoutMs: 30_000, topics: [{ topic: options.topic, partitions: [{ partition: 0, records }] }], id, op: 'produce' }).slice()
}

/** The handshake's hello, to be answered before the clock starts. */
export function helloFrame(clientId: string): Uint8Array {
  return encodeFrame({ protocolVersion: PROTOCOL_VERSION, clientId, id: 1, op: 'hello' })
}

/** Encodes the frames, then sends them until `options.records` records are acknowledged (the socket said hello). */
export async function sendPreEncoded(socket: FrameSocket, options: PreEncodedOptions): Promise<PreEncodedResult> {
  const frames = Array.from({ length: FRAME_POOL }, (_, i) => produceFrame(options, i + 2, Date.now()))
  const batchesWanted = Math.ceil(options.records / options.batchRecords)
  let sent = 0
  let acked = 0
  let next = 0
  let over = false
  const startMs = performance.now()
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (sent < batchesWanted && sent - acked < options.inFlight) {
        socket.send(frames[next]!)
        next = (next + 1) % FRAME_POOL
        sent++
      }
    }
    socket.onFrame((data) => {
      if (over) return
      const answer = decodeFrame(data) as { error?: { message: string } }
      if (answer.error !== undefined) {
        over = true
        reject(new Error(`the server refused a produce: ${answer.error.message}`))
      } else if (++acked === batchesWanted) {
        over = true
        resolve()
      } else {
        pump()
      }
    })
    socket.onClose(() => {
      if (!over) reject(new Error('the socket closed'))
      over = true
    })
    pump()
  })
  const elapsedMs = performance.now() - startMs
  const records = batchesWanted * options.batchRecords
  return {
    records,
    recordsPerSec: Math.round(records / (elapsedMs / 1000)),
    mbPerSec: Math.round(((records * options.recordBytes) / (1024 * 1024) / (elapsedMs / 1000)) * 10) / 10,
    elapsedMs: Math.round(elapsedMs),
    frameBytes: frames[0]!.length,
  }
}

// The pre-encoded ceiling's sender in Node (pre-encoded.ts has the frames and the loop): ready-made
// produce frames over one `ws` WebSocket, no client library in the loop, and one JSON line at the
// end: {records, recordsPerSec, mbPerSec, elapsedMs, frameBytes}. Every frame is masked with a random
// key, as RFC 6455 requires (bufferutil masks natively). Against raw-server.ts (only acks) it is the
// most any client could push through one socket on this machine. Run:
//   node raw-frames.js --url ws://127.0.0.1:P --topic T --records N [--record-bytes 100]
//     [--batch-records 1000] [--in-flight 16] [--zero-mask]
// --zero-mask (a measurement only, not a valid client: RFC 6455 requires an unpredictable masking
// key) masks with 0000, which ws sends without copying the frame: what masking costs.
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { helloFrame, sendPreEncoded } from '../pre-encoded.js'

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

const url = flags.url!.endsWith('/v1/ws') ? flags.url! : `${flags.url!}/v1/ws`
const zeroMask = flags['zero-mask'] === true ? { generateMask: (mask: Buffer): void => void mask.fill(0) } : {}
const socket = new WebSocket(url, { perMessageDeflate: false, ...zeroMask })
socket.binaryType = 'nodebuffer'

await new Promise<void>((resolve, reject) => {
  socket.once('open', resolve)
  socket.once('error', reject)
})
socket.send(helloFrame('raw-frames'))
await new Promise<void>((resolve) => socket.once('message', () => resolve()))

const result = await sendPreEncoded({
  send: (frame) => socket.send(frame),
  onFrame: (listener) => socket.on('message', (data: Buffer) => listener(data)),
  onClose: (listener) => socket.once('close', listener),
}, {
  topic: flags.topic!,
  records: Number(flags.records),
  recordBytes: Number(flags['record-bytes']),
  batchRecords: Number(flags['batch-records']),
  inFlight: Number(flags['in-flight']),
})
process.stdout.write(`${JSON.stringify(result)}\n`)
socket.terminate()
process.exit(0)

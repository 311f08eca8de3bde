// The bare path's producer and subscriber (issue 18), each its own process, plain `ws`.
//   node bare-path-peer.js subscriber --url U --records N --record-bytes B [--warmup-records W]
//     skips the first W records (its JIT warms up on them), prints `ready` once the server registered it, then, when N records came, one JSON line
//     {"received","histogram"} (an HdrHistogram in microseconds, compressed base64) and exits.
//   node bare-path-peer.js producer --url U --records N --rate R --record-bytes B [--warmup-records W]
//     sends W + N records at R/s paced as faecie's latency run paces them (sendAtRate: what is due goes
//     out at least every millisecond, as one frame: batching per tick like the client with lingerMs
//     0), each stamped with its intended send time; prints `sent N` when done.
// Both stamp and read the clock performance.timeOrigin + performance.now(), shared by processes.
import { parseArgs } from 'node:util'
import hdr from 'hdr-histogram-js'
import WebSocket from 'ws'
import { sendAtRate, sharedClockMs, stampOf } from '../latency.js'
import { elapsedUs, latencyHistogram } from '../result.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string' }, records: { type: 'string' }, rate: { type: 'string', default: '1000' }, 'record-bytes': { type: 'string', default: '100' }, 'warmup-records': { type: 'string', default: '0' } },
})
const url = values.url ?? ''
const records = Number(values.records)
const recordBytes = Number(values['record-bytes'])
const warmupRecords = Number(values['warmup-records'])

function subscriber(): void {
  const latencies = latencyHistogram()
  let skipped = 0
  let received = 0
  const socket = new WebSocket(`${url}/sub`, { perMessageDeflate: false })
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      process.stdout.write('ready\n')
      return
    }
    const nowMs = sharedClockMs()
    for (let at = 0; at + recordBytes <= data.byteLength && received < records; at += recordBytes) {
      if (skipped < warmupRecords) {
        skipped++
        continue
      }
      latencies.recordValue(elapsedUs(stampOf(data.subarray(at, at + recordBytes)), nowMs))
      received++
    }
    if (received >= records) {
      process.stdout.write(`${JSON.stringify({ received, histogram: hdr.encodeIntoCompressedBase64(latencies) })}\n`, () => process.exit(0))
    }
  })
  socket.on('error', (err) => { process.stderr.write(`${String(err)}\n`); process.exit(1) })
}

function producer(): void {
  const socket = new WebSocket(`${url}/pub`, { perMessageDeflate: false })
  socket.on('open', () => {
    const send = async (values: Uint8Array[]): Promise<void> => { socket.send(Buffer.concat(values), { binary: true }) }
    sendAtRate({ records: warmupRecords + records, rate: Number(values.rate), recordBytes, stampOffsetMs: performance.timeOrigin }, performance.now(), send).then(
      () => process.stdout.write(`sent ${records}\n`, () => socket.close()),
      (err: unknown) => { process.stderr.write(`${String(err)}\n`); process.exit(1) },
    )
  })
  socket.on('error', (err) => { process.stderr.write(`${String(err)}\n`); process.exit(1) })
}

if (positionals[0] === 'subscriber') subscriber()
else if (positionals[0] === 'producer') producer()
else {
  process.stderr.write('usage: bare-path-peer.js subscriber|producer --url U --records N [--rate R] [--record-bytes B]\n')
  process.exit(2)
}

// The bare path's server (issue 18), its own process: a plain `ws` server on 127.0.0.1 that hands
// every frame from a producer to a worker thread (bare-path-worker.ts) and, when the worker hands it
// back, sends it to every subscriber: the hops of a broker (socket -> partition thread -> socket)
// with no library, no decoding and no storage. Paths: /pub (producers), /sub (subscribers; each gets
// the text frame `subscribed` once it is registered). Frames are opaque bytes (stamped records,
// bare-path-peer.ts). Socket options as ws sets them (TCP_NODELAY on, no compression).
//   node bare-path-server.js --port N      (prints `listening PORT` on stdout)
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { type WebSocket, WebSocketServer } from 'ws'

const FRAME_BYTES_MAX = 8 * 1024 * 1024

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } })
const worker = new Worker(new URL('./bare-path-worker.js', import.meta.url))
const subscribers = new Set<WebSocket>()

worker.on('message', (frame: Uint8Array) => {
  for (const socket of subscribers) socket.send(frame, { binary: true })
})
worker.on('error', (err) => {
  process.stderr.write(`bare path worker failed: ${String(err)}\n`)
  process.exit(1)
})

const server = new WebSocketServer({ host: '127.0.0.1', port: Number(values.port), maxPayload: FRAME_BYTES_MAX, perMessageDeflate: false })
server.on('connection', (socket, request) => {
  if (request.url === '/sub') {
    subscribers.add(socket)
    socket.on('close', () => subscribers.delete(socket))
    socket.send('subscribed')
    return
  }
  socket.on('message', (data: Buffer) => worker.postMessage(data))
})
server.on('listening', () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`)
})
const stop = (): void => {
  server.close()
  void worker.terminate().finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

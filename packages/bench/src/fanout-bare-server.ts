// The bare fan-out of the bench's `fanout` workload (run as `node dist/fanout-bare-server.js`): a
// `ws` server and nothing else, no library, no storage. Subscribers connect to /sub; the producer
// connects to /pub and each frame it sends (the records of one send, back to back) is written as is
// to every subscriber socket, then
// answered with an empty frame (its ack, so the producer knows the frame went out). Prints
// `{"port":N}` once listening on 127.0.0.1 (port 0: any free one, or argv[2]).
import { WebSocket, WebSocketServer } from 'ws'

const subscribers = new Set<WebSocket>()
const ACK = Buffer.alloc(0)
const server = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0), perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 })

server.on('connection', (socket, request) => {
  if (request.url === '/pub') {
    socket.on('message', (data: Buffer) => {
      for (const s of subscribers) s.send(data, { binary: true })
      socket.send(ACK, { binary: true })
    })
    return
  }
  subscribers.add(socket)
  socket.on('close', () => subscribers.delete(socket))
  socket.on('error', () => subscribers.delete(socket))
})

server.on('listening', () => {
  const address = server.address()
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`)
})

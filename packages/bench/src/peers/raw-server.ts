// The raw ceiling's server: a bare `ws` server on 127.0.0.1 that speaks just enough of faecie's
// protocol for the real client's producer (hello, metadata, initProducerId, createTopics,
// deleteTopics, produce) and does nothing else: each produce frame is decoded and acknowledged with
// made-up offsets, no validation, no storage. What the client can push through it is the ceiling of
// the client's encode path plus the WebSocket. Run as its own process (like a broker):
//   node raw-server.js --port N [--partitions P]   (prints `listening PORT` on stdout)
import { parseArgs } from 'node:util'
import { WebSocketServer } from 'ws'
import { PROTOCOL_VERSION, decodeFrame, encodeFrame } from '@faecie/protocol'

const MiB = 1024 * 1024
const LIMITS = { frameBytesMax: 8 * MiB, batchBytesMax: 4 * MiB, inFlightMax: 256, subscriptionsMax: 64, maxWaitMsMax: 30_000 }

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, partitions: { type: 'string', default: '1' } } })
const partitionsDefault = Number(values.partitions)
const partitionCounts = new Map<string, number>()
let nextOffset = 0

const server = new WebSocketServer({ host: '127.0.0.1', port: Number(values.port), path: '/v1/ws', maxPayload: LIMITS.frameBytesMax, perMessageDeflate: false })

type Frame = Record<string, unknown> & { id: number; op: string }

function answer(frame: Frame, port: number): Record<string, unknown> | undefined {
  switch (frame.op) {
    case 'hello':
      return { protocolVersion: PROTOCOL_VERSION, brokerId: 0, serverVersion: 'raw-ceiling', limits: LIMITS }
    case 'metadata': {
      const names = Array.isArray(frame.topics) ? (frame.topics as string[]) : [...partitionCounts.keys()]
      return {
        brokers: [{ brokerId: 0, url: `ws://127.0.0.1:${port}` }],
        topics: names.map((topic) => ({
          topic, topicId: topic, internal: false,
          partitions: Array.from({ length: partitionCounts.get(topic) ?? partitionsDefault }, (_, partition) => ({ partition, leader: 0 })),
        })),
      }
    }
    case 'createTopics': {
      const topics = (frame.topics as Array<{ topic: string; numPartitions?: number }>) ?? []
      for (const t of topics) partitionCounts.set(t.topic, t.numPartitions ?? 1)
      return { topics: topics.map((t) => ({ topic: t.topic, topicId: t.topic })) }
    }
    case 'deleteTopics':
      return { topics: ((frame.topics as string[]) ?? []).map((topic) => { partitionCounts.delete(topic); return { topic } }) }
    case 'initProducerId':
      return { producerId: 1, producerEpoch: 0 }
    case 'produce': {
      if (frame.acks === 0) return undefined
      const topics = (frame.topics as Array<{ topic: string; partitions: Array<{ partition: number }> }>) ?? []
      return {
        topics: topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, baseOffset: (nextOffset += 1000), logAppendTime: -1, logStartOffset: 0 })),
        })),
      }
    }
    default:
      return undefined
  }
}

server.on('listening', () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.stdout.write(`listening ${port}\n`)
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return
      const frame = decodeFrame(data) as Frame
      const result = answer(frame, port)
      if (result !== undefined) socket.send(encodeFrame({ id: frame.id, ...result }))
      else if (frame.op !== 'produce') socket.send(encodeFrame({ id: frame.id, error: { code: 35, name: 'UNKNOWN_OP', message: `raw server: ${frame.op}`, retriable: false } }))
    })
  })
})
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0))

// GET /v1/topics/{topic}/partitions/{partition}/records: reads records from an offset with the
// `fetch` op, as a long poll when `maxWaitMs` > 0 (it answers as soon as one record is there), and
// answers them decoded (record-codec.ts) with `nextOffset`, the offset to ask for next. `maxBytes`
// caps the answer's JSON (read-stream.ts), which is streamed with back-pressure: the fetch reads at
// most that many record bytes (JSON is never smaller than the bytes it carries, but for the first
// record, which always comes); those bytes are held in the broker's read budget until the answer
// ends; and a client that stops reading for sessionQueuedMsMax is cut off (the socket times out),
// so it cannot hold them longer. In a cluster, a broker that does not lead the partition answers 421
// with the leader's URL before reading anything (leadership.ts).
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '@faecie/protocol'
import type { FastifyInstance } from 'fastify'
import type { HttpApiContext, HttpSession, HttpSessions } from './http-session.js'
import { requireLedHere, throwIfPartitionError } from './leadership.js'
import { intParam, startOffsetParam, stringParam, type Query, type StartOffset } from './params.js'
import { readAnswerStream } from './read-stream.js'
import { ENCODINGS, HEADER_ENCODINGS, parseEncoding, type RecordEncodings } from './record-codec.js'

export interface PartitionParams {
  topic: string
  partition: string
}

export const PARTITION_PARAM_RANGE = { min: 0, max: 0x7fffffff } as const

/** The encodings of a read or tail: `encoding` for key and value, `keyEncoding` / `valueEncoding` over it. */
export function readEncodings(query: Query): RecordEncodings {
  const both = parseEncoding('encoding', stringParam('encoding', query.encoding), ENCODINGS, 'string')
  return {
    key: parseEncoding('keyEncoding', stringParam('keyEncoding', query.keyEncoding), ENCODINGS, both),
    value: parseEncoding('valueEncoding', stringParam('valueEncoding', query.valueEncoding), ENCODINGS, both),
    header: parseEncoding('headerEncoding', stringParam('headerEncoding', query.headerEncoding), HEADER_ENCODINGS, 'string'),
  }
}

/** `earliest` / `latest` as the partition's offset now (the listOffsets op). */
export async function resolveOffset(sessions: HttpSessions, session: HttpSession, topic: string, partition: number, start: StartOffset): Promise<number> {
  if (typeof start === 'number') return start
  const timestamp = start === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP
  const answer = (await sessions.run(session, 'listOffsets', { topics: [{ topic, partitions: [{ partition, timestamp }] }] }))!
  const result = answer.topics[0]!.partitions[0]!
  throwIfPartitionError(sessions.gateway, topic, result)
  return result.offset
}

export async function registerReadRoute(app: FastifyInstance, ctx: HttpApiContext): Promise<void> {
  const { sessions, limits, gateway } = ctx
  app.get<{ Params: PartitionParams; Querystring: Query }>('/topics/:topic/partitions/:partition/records', async (request, reply) => {
    const { topic } = request.params
    const query = request.query
    const partition = intParam('partition', request.params.partition, PARTITION_PARAM_RANGE)
    const start = startOffsetParam('offset', query.offset, 'earliest')
    const maxRecords = intParam('maxRecords', query.maxRecords, { min: 1, max: limits.readRecordsMax }, limits.readRecordsDefault)
    const maxWaitMs = intParam('maxWaitMs', query.maxWaitMs, { min: 0, max: limits.maxWaitMsMax }, 0)
    const maxBytes = intParam('maxBytes', query.maxBytes, { min: 1, max: gateway.limits.fetchBytesMax }, limits.readBytesDefault)
    const encodings = readEncodings(query)
    requireLedHere(gateway, topic, [partition])
    const session = sessions.open(reply)
    const offset = await resolveOffset(sessions, session, topic, partition, start)
    const answer = (await sessions.run(session, 'fetch', {
      maxWaitMs, minBytes: 1, maxBytes, topics: [{ topic, partitions: [{ partition, offset }] }],
    }))!
    const result = answer.topics[0]!.partitions[0]!
    throwIfPartitionError(gateway, topic, result)
    // A client that stops reading its answer is cut off (the socket sees no progress for
    // sessionQueuedMsMax); once the answer is done, the server's keep-alive timeout takes over.
    reply.raw.setTimeout(gateway.limits.sessionQueuedMsMax, () => {
      gateway.outbound.sessionClosed('http_read_stalled')
      session.logger.info({ sessionQueuedMsMax: gateway.limits.sessionQueuedMsMax }, 'HTTP read cut off: the client does not read its answer')
      reply.raw.destroy()
    })
    return reply.type('application/json; charset=utf-8').send(readAnswerStream({
      topic, partition, bytes: result.records, from: offset, recordsMax: maxRecords, encodedBytesMax: maxBytes,
      highWatermark: result.highWatermark, logStartOffset: result.logStartOffset, encodings,
    }))
  })
}

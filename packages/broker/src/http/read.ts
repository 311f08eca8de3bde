// GET /v1/topics/{topic}/partitions/{partition}/records: reads records from an offset with the
// `fetch` op, as a long poll when `maxWaitMs` > 0 (it answers as soon as one record is there), and
// answers them decoded (record-codec.ts) with `nextOffset`, the offset to ask for next.
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, decodeBatches } from '@faecie/protocol'
import type { FastifyInstance } from 'fastify'
import { throwIfError } from './errors.js'
import type { HttpApiContext, HttpSession, HttpSessions } from './http-session.js'
import { intParam, startOffsetParam, stringParam, type Query, type StartOffset } from './params.js'
import { ENCODINGS, HEADER_ENCODINGS, parseEncoding, recordToJson, type JsonRecord, type RecordEncodings } from './record-codec.js'

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
  throwIfError(result)
  return result.offset
}

/** The data records at or after `from` in whole batches (a batch may start below it; control batches skipped). */
export function recordsFrom(bytes: Uint8Array, partition: number, from: number, max: number, encodings: RecordEncodings): JsonRecord[] {
  const out: JsonRecord[] = []
  for (const batch of decodeBatches(bytes)) {
    if (batch.control) continue
    for (const record of batch.records) {
      if (record.offset < from) continue
      if (out.length >= max) return out
      out.push(recordToJson(partition, record, encodings))
    }
  }
  return out
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
    const session = sessions.open(reply)
    const offset = await resolveOffset(sessions, session, topic, partition, start)
    const answer = (await sessions.run(session, 'fetch', {
      maxWaitMs, minBytes: 1, maxBytes, topics: [{ topic, partitions: [{ partition, offset }] }],
    }))!
    const result = answer.topics[0]!.partitions[0]!
    throwIfError(result)
    const records = recordsFrom(result.records, partition, offset, maxRecords, encodings)
    const last = records[records.length - 1]
    // Past the last record returned; a batch of only older or control records still moves it on.
    const nextOffset = last !== undefined ? last.offset + 1 : result.records.length > 0 ? endOfBatches(result.records, offset) : offset
    return {
      topic, partition, records, nextOffset,
      highWatermark: result.highWatermark, logStartOffset: result.logStartOffset,
      keyEncoding: encodings.key, valueEncoding: encodings.value,
    }
  })
}

function endOfBatches(bytes: Uint8Array, offset: number): number {
  let end = offset
  for (const batch of decodeBatches(bytes, 0, bytes.length, { verifyCrc: false })) {
    end = Math.max(end, batch.header.baseOffset + batch.header.lastOffsetDelta + 1)
  }
  return end
}

// Fetch (v4-18) without fetch sessions: every request is answered in full with session id 0, which
// Kafka's clients take as "the broker keeps no session" and go on sending full fetch requests (as
// with a broker whose session cache is full). A request naming a session (id > 0) gets
// FETCH_SESSION_ID_NOT_FOUND. The reading itself is the gateway's fetch op (long poll, minBytes,
// maxBytes, per-partition maxBytes, the read budget); faecie has no transactions, so the last stable
// offset is the high watermark and no transaction is ever aborted.
import { ErrorCode } from '@faecie/protocol'
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultFetchResponse, defaultFetchResponsePartitionData, readFetchRequest, writeFetchResponse, type FetchRequest,
  type FetchResponse } from '../generated/fetch.js'
import { kafkaApi, topicNameById } from './context.js'

const FETCH_SESSION_ID_NOT_FOUND = 70

export const fetch = kafkaApi<FetchRequest, FetchResponse>({
  api: KAFKA_APIS.Fetch,
  read: readFetchRequest,
  write: writeFetchResponse,
  handle: async (request, version, ctx) => {
    if (request.sessionId !== 0) return { ...defaultFetchResponse(), errorCode: FETCH_SESSION_ID_NOT_FOUND }
    const names = request.topics.map((t) => (version >= 13 ? topicNameById(ctx.gateway, t.topicId) ?? '' : t.topic))
    const answer = await OP_HANDLERS.fetch({
      maxWaitMs: Math.max(0, request.maxWaitMs),
      minBytes: Math.max(0, request.minBytes),
      maxBytes: Math.max(1, request.maxBytes),
      topics: request.topics.map((t, i) => ({
        topic: names[i]!,
        partitions: t.partitions.map((p) => ({ partition: p.partition, offset: Number(p.fetchOffset), maxBytes: Math.max(1, p.partitionMaxBytes) })),
      })),
    }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('fetch always answers')
    return {
      ...defaultFetchResponse(),
      responses: answer.topics.map((t, i) => ({
        topic: request.topics[i]!.topic,
        topicId: request.topics[i]!.topicId,
        partitions: t.partitions.map((p) => ({
          ...defaultFetchResponsePartitionData(),
          partitionIndex: p.partition,
          errorCode: names[i] === '' ? ErrorCode.UNKNOWN_TOPIC_ID : p.error?.code ?? 0,
          highWatermark: BigInt(p.highWatermark),
          lastStableOffset: BigInt(p.highWatermark),
          logStartOffset: BigInt(p.logStartOffset),
          records: p.records,
        })),
      })),
    }
  },
})

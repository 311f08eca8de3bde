// Produce (v3-13; v0-2 are advertised but refused, see versions.ts): each partition's records go to
// the gateway's produce op, which appends them through the partition actor (acks 0, 1 and -1 as
// Kafka; idempotent producers' sequences checked there). A transactional produce is refused: faecie
// has no transactions (UNSUPPORTED_VERSION per partition, the error Java clients report as an
// unsupported feature). Topics named by id (v13) are looked up by id.
import { ACKS, ErrorCode, type Acks } from '@faecie/protocol'
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultProduceResponsePartitionProduceResponse, readProduceRequest, writeProduceResponse, type ProduceRequest,
  type ProduceResponse, type ProduceResponseTopicProduceResponse } from '../generated/produce.js'
import { kafkaApi, topicNameById } from './context.js'

const EMPTY = new Uint8Array(0)

function refuseAll(request: ProduceRequest, errorCode: number, errorMessage: string): ProduceResponse {
  return {
    throttleTimeMs: 0, nodeEndpoints: [],
    responses: request.topicData.map((t) => ({ name: t.name, topicId: t.topicId, partitionResponses: t.partitionData.map((p) => ({
      ...defaultProduceResponsePartitionProduceResponse(), index: p.index, errorCode, errorMessage, baseOffset: -1n })) })),
  }
}

export const produce = kafkaApi<ProduceRequest, ProduceResponse>({
  api: KAFKA_APIS.Produce,
  read: readProduceRequest,
  write: writeProduceResponse,
  handle: async (request, version, ctx) => {
    if (request.transactionalId !== null) {
      return refuseAll(request, ErrorCode.UNSUPPORTED_VERSION, 'faecie does not support transactions')
    }
    if (!(ACKS as readonly number[]).includes(request.acks)) {
      return refuseAll(request, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${request.acks}`)
    }
    const names = request.topicData.map((t) => (version >= 13 ? topicNameById(ctx.gateway, t.topicId) ?? '' : t.name))
    const answer = await OP_HANDLERS.produce({
      acks: request.acks as Acks,
      timeoutMs: request.timeoutMs,
      topics: request.topicData.map((t, i) => ({ topic: names[i]!, partitions: t.partitionData.map((p) => ({ partition: p.index, records: p.records ?? EMPTY })) })),
    }, ctx.op)
    if (answer === NO_RESPONSE) return NO_RESPONSE
    const responses: ProduceResponseTopicProduceResponse[] = answer.topics.map((t, i) => ({
      name: request.topicData[i]!.name,
      topicId: request.topicData[i]!.topicId,
      partitionResponses: t.partitions.map((p) => ({
        ...defaultProduceResponsePartitionProduceResponse(),
        index: p.partition,
        errorCode: names[i] === '' ? ErrorCode.UNKNOWN_TOPIC_ID : p.error?.code ?? 0,
        errorMessage: p.error?.message ?? null,
        baseOffset: BigInt(p.baseOffset),
        logAppendTimeMs: BigInt(p.logAppendTime),
        logStartOffset: BigInt(p.logStartOffset),
      })),
    }))
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] }
  },
})

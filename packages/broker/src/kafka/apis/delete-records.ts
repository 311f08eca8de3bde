// DeleteRecords (v0-2, kafka-delete-records and Admin.deleteRecords) through the gateway's
// deleteRecords op: per partition the log start moves to the offset asked for (-1: the high
// watermark), answered with the new low watermark. An offset past the high watermark is
// OFFSET_OUT_OF_RANGE, as Kafka answers; `timeoutMs` does not apply (one broker: the move is durable
// when the op answers).
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultDeleteRecordsResponse, readDeleteRecordsRequest, writeDeleteRecordsResponse, type DeleteRecordsRequest,
  type DeleteRecordsResponse } from '../generated/delete-records.js'
import { kafkaApi } from './context.js'

export const deleteRecords = kafkaApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  api: KAFKA_APIS.DeleteRecords,
  read: readDeleteRecordsRequest,
  write: writeDeleteRecordsResponse,
  handle: async (request, _version, ctx) => {
    const answer = await OP_HANDLERS.deleteRecords({
      topics: request.topics.map((t) => ({
        topic: t.name,
        // An offset below -1 or past 2^53 reaches the log, which answers it OFFSET_OUT_OF_RANGE (as Kafka).
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: Number(p.offset) })),
      })),
    }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('deleteRecords always answers')
    return {
      ...defaultDeleteRecordsResponse(),
      topics: answer.topics.map((t) => ({
        name: t.topic,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, lowWatermark: BigInt(p.lowWatermark), errorCode: p.error?.code ?? 0 })),
      })),
    }
  },
})

// DeleteRecords (v0-2, kafka-delete-records and Admin.deleteRecords) through the gateway's
// deleteRecords op: per partition the log start moves to the offset asked for (-1: the high
// watermark), answered with the new low watermark. An offset past the high watermark is
// OFFSET_OUT_OF_RANGE, as Kafka answers; `timeoutMs` does not apply (one broker: the move is durable
// when the op answers). In a cluster, a partition this broker does not lead gets
// NOT_LEADER_OR_FOLLOWER and never reaches the op.
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultDeleteRecordsResponse, readDeleteRecordsRequest, writeDeleteRecordsResponse, type DeleteRecordsRequest,
  type DeleteRecordsResponse } from '../generated/delete-records.js'
import { misdirection } from './cluster-view.js'
import { kafkaApi } from './context.js'

export const deleteRecords = kafkaApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  api: KAFKA_APIS.DeleteRecords,
  read: readDeleteRecordsRequest,
  write: writeDeleteRecordsResponse,
  handle: async (request, _version, ctx) => {
    const misdirected = request.topics.map((t) => t.partitions.map((p) => misdirection(ctx, t.name, p.partitionIndex)))
    const answer = await OP_HANDLERS.deleteRecords({
      topics: request.topics.map((t, i) => ({
        topic: t.name,
        // An offset below -1 or past 2^53 reaches the log, which answers it OFFSET_OUT_OF_RANGE (as Kafka).
        partitions: t.partitions.filter((_p, j) => misdirected[i]![j] === undefined).map((p) => ({ partition: p.partitionIndex, offset: Number(p.offset) })),
      })),
    }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('deleteRecords always answers')
    return {
      ...defaultDeleteRecordsResponse(),
      topics: request.topics.map((t, i) => {
        const results = answer.topics[i]?.partitions ?? []
        let next = 0
        return {
          name: t.name,
          partitions: t.partitions.map((p, j) => {
            const m = misdirected[i]![j]
            if (m !== undefined) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: m.errorCode }
            const r = results[next++]!
            return { partitionIndex: r.partition, lowWatermark: BigInt(r.lowWatermark), errorCode: r.error?.code ?? 0 }
          }),
        }
      }),
    }
  },
})

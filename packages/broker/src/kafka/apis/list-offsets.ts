// ListOffsets (v1-11): the earliest offset (timestamp -2; -4, the earliest local offset, is the same
// here: faecie has no tiered storage), the latest (-1: the high watermark), or the first offset at or
// after a timestamp, through the gateway's listOffsets op. Timestamps the op does not know (-3, the
// offset of the largest timestamp; -5, the earliest remote) get UNSUPPORTED_VERSION per partition.
// A lookup by time that finds an offset answers with the time asked for, not the record's own. In a
// cluster, a partition this broker does not lead gets NOT_LEADER_OR_FOLLOWER and never reaches the op;
// the leader epoch answered is etcd's (0 on a single broker).
import { ErrorCode } from '@faecie/protocol'
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultListOffsetsResponse, readListOffsetsRequest, writeListOffsetsResponse, type ListOffsetsRequest,
  type ListOffsetsResponse } from '../generated/list-offsets.js'
import { misdirection } from './cluster-view.js'
import { kafkaApi } from './context.js'

const EARLIEST_LOCAL_TIMESTAMP = -4n

function known(timestamp: bigint): boolean {
  return timestamp >= -2n || timestamp === EARLIEST_LOCAL_TIMESTAMP
}

export const listOffsets = kafkaApi<ListOffsetsRequest, ListOffsetsResponse>({
  api: KAFKA_APIS.ListOffsets,
  read: readListOffsetsRequest,
  write: writeListOffsetsResponse,
  handle: async (request, _version, ctx) => {
    const misdirected = request.topics.map((t) => t.partitions.map((p) => misdirection(ctx, t.name, p.partitionIndex)))
    const served = (i: number, j: number, timestamp: bigint): boolean => known(timestamp) && misdirected[i]![j] === undefined
    const answer = await OP_HANDLERS.listOffsets({
      topics: request.topics.map((t, i) => ({
        topic: t.name,
        partitions: t.partitions.filter((p, j) => served(i, j, p.timestamp)).map((p) => ({
          partition: p.partitionIndex, timestamp: p.timestamp === EARLIEST_LOCAL_TIMESTAMP ? -2 : Number(p.timestamp),
        })),
      })),
    }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('listOffsets always answers')
    return {
      ...defaultListOffsetsResponse(),
      topics: request.topics.map((t, i) => {
        const results = new Map(answer.topics[i]!.partitions.map((p) => [p.partition, p]))
        return {
          name: t.name,
          partitions: t.partitions.map((p, j) => {
            const m = misdirected[i]![j]
            if (m !== undefined) return { partitionIndex: p.partitionIndex, errorCode: m.errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 }
            const found = known(p.timestamp) ? results.get(p.partitionIndex) : undefined
            return {
              partitionIndex: p.partitionIndex,
              errorCode: found === undefined ? ErrorCode.UNSUPPORTED_VERSION : found.error?.code ?? 0,
              // Kafka answers the found record's timestamp; the op gives only the offset, so a
              // lookup by time answers the time asked for (Java's OffsetAndTimestamp refuses -1).
              timestamp: p.timestamp >= 0n && found !== undefined && found.error === undefined && found.offset >= 0 ? p.timestamp : -1n,
              offset: BigInt(found?.offset ?? -1),
              leaderEpoch: found === undefined || found.error !== undefined ? -1 : ctx.gateway.cluster?.partitionState(t.name, p.partitionIndex)?.leaderEpoch ?? 0,
            }
          }),
        }
      }),
    }
  },
})

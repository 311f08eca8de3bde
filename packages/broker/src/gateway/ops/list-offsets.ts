// Op `listOffsets`: per partition the earliest offset (timestamp -2), the latest (-1: the high
// watermark), or the first offset whose batch has a timestamp at or after the one given (-1 when
// none). Answered per partition, as Kafka does. In a cluster, the partition's leader answers (else
// NOT_LEADER_OR_FOLLOWER). ACLs: Describe on the topic, as Kafka's ListOffsets (else
// TOPIC_AUTHORIZATION_FAILED for its partitions, before telling whether it exists).
import type { ListOffsetsPartitionResult, ListOffsetsTopicResult } from '@faecie/protocol'
import type { PartitionRequest } from '../../partition/messages.js'
import { topicRefusals } from '../../security/op-access.js'
import { checkItemCount, notLeaderError, unknownTopicOrPartition, wireError, type OpHandler } from '../context.js'

function specOf(timestamp: number): Extract<PartitionRequest, { op: 'listOffsets' }>['spec'] {
  if (timestamp === -2) return 'earliest'
  if (timestamp === -1) return 'latest'
  return { timestamp }
}

export const listOffsets: OpHandler<'listOffsets'> = async (request, { gateway, session }) => {
  const { topics, partitions } = gateway
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  const refused = topicRefusals(gateway.security, session, 'Describe', request.topics.map((t) => t.topic))
  const answers = await Promise.all(request.topics.map(async (t): Promise<ListOffsetsTopicResult> => {
    const meta = topics.lookup(t.topic)
    const refusal = refused.get(t.topic)
    const results = await Promise.all(t.partitions.map(async ({ partition, timestamp }): Promise<ListOffsetsPartitionResult> => {
      try {
        if (refusal !== undefined) throw refusal
        if (meta === undefined || meta.internal || partition >= meta.partitions) throw unknownTopicOrPartition(t.topic, partition)
        const notLeader = notLeaderError(gateway, t.topic, partition)
        if (notLeader !== undefined) throw notLeader
        const { offset } = await partitions.request(t.topic, partition, { op: 'listOffsets', spec: specOf(timestamp) })
        return { partition, offset }
      } catch (err) {
        return { partition, offset: -1, error: wireError(err, session.logger) }
      }
    }))
    return { topic: t.topic, partitions: results }
  }))
  return { topics: answers }
}

// Op `deleteRecords` (Kafka's DeleteRecords; the Kafka listener's handler calls this one): each
// partition's actor moves its log start to the offset asked for (-1: the high watermark) and deletes
// the segments wholly below it (storage/log.ts deleteRecordsBefore). Answered per partition with the
// new low watermark, as Kafka does. In a cluster only the leader moves it (else NOT_LEADER_OR_FOLLOWER);
// followers follow the leader's log start as they replicate. Internal topics answer INVALID_TOPIC_EXCEPTION, as Kafka's do.
// ACLs: Delete on the topic (else TOPIC_AUTHORIZATION_FAILED for its partitions, checked first).
import { ErrorCode, FaecieError, type DeleteRecordsPartitionResult, type DeleteRecordsTopicResult } from '@faecie/protocol'
import { isInternalTopic } from '../../topics/names.js'
import { topicRefusals } from '../../security/op-access.js'
import { checkItemCount, notLeaderError, unknownTopicOrPartition, wireError, type OpHandler } from '../context.js'

export const deleteRecords: OpHandler<'deleteRecords'> = async (request, { gateway, session }) => {
  const { topics, partitions } = gateway
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  const refused = topicRefusals(gateway.security, session, 'Delete', request.topics.map((t) => t.topic))
  const answers = await Promise.all(request.topics.map(async (t): Promise<DeleteRecordsTopicResult> => {
    const meta = topics.lookup(t.topic)
    const refusal = refused.get(t.topic)
    const results = await Promise.all(t.partitions.map(async ({ partition, offset }): Promise<DeleteRecordsPartitionResult> => {
      try {
        if (refusal !== undefined) throw refusal
        // The coordinator's own logs (__cluster_metadata, __consumer_offsets) are never cut, as Kafka refuses.
        if (isInternalTopic(t.topic) || meta?.internal === true) {
          throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot delete records of internal topic ${t.topic}.`)
        }
        if (meta === undefined || partition >= meta.partitions) throw unknownTopicOrPartition(t.topic, partition)
        const notLeader = notLeaderError(gateway, t.topic, partition)
        if (notLeader !== undefined) throw notLeader
        const result = await partitions.request(t.topic, partition, { op: 'deleteRecords', offset })
        return { partition, lowWatermark: result.logStartOffset }
      } catch (err) {
        return { partition, lowWatermark: -1, error: wireError(err, session.logger) }
      }
    }))
    return { topic: t.topic, partitions: results }
  }))
  return { topics: answers }
}

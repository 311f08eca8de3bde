// Op `describeTopics`: per topic its id, its effective config (defaults with the overrides on top)
// and per partition the offsets and size its actor reports right now (in a cluster: this broker's
// replica's, -1 where it has none; the metadata op names each partition's leader).
import type { DescribedTopic } from '@faecie/protocol'
import { effectiveTopicConfig } from '../../topics/config.js'
import { checkItemCount, unknownTopicOrPartition, wireError, type OpHandler } from '../context.js'

export const describeTopics: OpHandler<'describeTopics'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.length, gateway.limits)
  const { topics, partitions } = gateway
  const answers = await Promise.all(request.topics.map(async (topic): Promise<DescribedTopic> => {
    try {
      const meta = topics.lookup(topic)
      if (meta === undefined || meta.internal) throw unknownTopicOrPartition(topic)
      const described = await Promise.all(Array.from({ length: meta.partitions }, async (_, partition) => {
        // In a cluster a partition without a replica here has no offsets to show here (-1).
        if (gateway.cluster !== undefined && gateway.cluster.localRole(topic, partition) === undefined) {
          return { partition, logStartOffset: -1, highWatermark: -1, logEndOffset: -1, sizeBytes: 0 }
        }
        const s = await partitions.request(topic, partition, { op: 'status' })
        return {
          partition,
          logStartOffset: s.logStartOffset,
          highWatermark: s.highWatermark,
          logEndOffset: s.logEndOffset,
          sizeBytes: s.sizeBytes,
        }
      }))
      return { topic, topicId: meta.topicId, config: effectiveTopicConfig(meta.config, topics.limits), partitions: described }
    } catch (err) {
      return { topic, error: wireError(err, session.logger) }
    }
  }))
  return { topics: answers }
}

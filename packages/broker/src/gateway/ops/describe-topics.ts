// Op `describeTopics`: per topic its id, its effective config (defaults with the overrides on top)
// and per partition the offsets and size its actor reports right now.
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

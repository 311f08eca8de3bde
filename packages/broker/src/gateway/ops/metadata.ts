// Op `metadata`: the brokers (one, for now) and the topics with their partitions and leaders. Without
// a topic list: every topic but the internal ones. A named topic that does not exist gets
// UNKNOWN_TOPIC_OR_PARTITION, unless the broker runs with --auto-create-topics, which creates it (as
// Kafka's metadata request does), so that a producer's first look-up finds it.
import type { MetadataTopic } from '@faecie/protocol'
import type { TopicMeta } from '../../coordinator/metadata-state.js'
import { checkItemCount, unknownTopicOrPartition, wireError, type OpHandler } from '../context.js'

function describe(meta: TopicMeta, brokerId: number): MetadataTopic {
  const partitions = Array.from({ length: meta.partitions }, (_, partition) => ({ partition, leader: brokerId }))
  return { topic: meta.topic, topicId: meta.topicId, internal: meta.internal, partitions }
}

export const metadata: OpHandler<'metadata'> = async (request, { gateway, session }) => {
  const { topics, broker } = gateway
  const brokers = [{ brokerId: broker.brokerId, url: broker.url }]
  if (request.topics === undefined) {
    const all = topics.all().filter((t) => !t.internal).sort((a, b) => a.topic.localeCompare(b.topic))
    return { brokers, topics: all.map((meta) => describe(meta, broker.brokerId)) }
  }
  checkItemCount(request.topics.length, gateway.limits)
  const answers = await Promise.all(request.topics.map(async (topic): Promise<MetadataTopic> => {
    try {
      let meta = topics.lookup(topic)
      if (meta === undefined && broker.autoCreateTopics) meta = await topics.ensure(topic)
      if (meta === undefined) throw unknownTopicOrPartition(topic)
      return describe(meta, broker.brokerId)
    } catch (err) {
      return { topic, topicId: '', internal: false, partitions: [], error: wireError(err, session.logger) }
    }
  }))
  return { brokers, topics: answers }
}

// Op `describeTopics`: per topic its id, its effective config (defaults with the overrides on top)
// and per partition the offsets and size its actor reports right now. In a cluster each partition's
// row is its LEADER's: this broker's replica where it leads, else asked of the leader over the
// broker-to-broker link (one request per leading broker and topic); -1 and size 0 where there is
// no leader, or it cannot be reached. A follower's own view would lag, and a broker without a
// replica has none. The internal `__consumer_offsets` of a cluster is described when named.
// ACLs: Describe on the topic (else TOPIC_AUTHORIZATION_FAILED for it, before telling whether it
// exists); its config only with DescribeConfigs on it too (left out otherwise), as Kafka keeps
// DescribeConfigs apart from Describe.
import type { DescribedPartition, DescribedTopic } from '@faecie/protocol'
import type { TopicMeta } from '../../coordinator/metadata-state.js'
import { effectiveTopicConfig } from '../../topics/config.js'
import { topicRefusals } from '../../security/op-access.js'
import { checkItemCount, unknownTopicOrPartition, wireError, type Gateway, type OpHandler } from '../context.js'

const UNKNOWN_ROW = { logStartOffset: -1, highWatermark: -1, logEndOffset: -1, sizeBytes: 0 }

export const describeTopics: OpHandler<'describeTopics'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.length, gateway.limits)
  const fromPeer = session.peerBrokerId !== undefined
  const refused = topicRefusals(gateway.security, session, 'Describe', request.topics)
  const answers = await Promise.all(request.topics.map(async (topic): Promise<DescribedTopic> => {
    try {
      const refusal = refused.get(topic)
      if (refusal !== undefined) throw refusal
      const meta = gateway.topics.lookup(topic)
      // A cluster's internal topics live in etcd like any other (their partitions have states); a single broker's do not.
      const describable = meta !== undefined && (!meta.internal || gateway.cluster?.partitionState(topic, 0) !== undefined)
      if (!describable) throw unknownTopicOrPartition(topic)
      const partitions = await describePartitions(gateway, meta, fromPeer)
      if (!gateway.security.allowed(session, 'DescribeConfigs', 'topic', topic)) return { topic, topicId: meta.topicId, partitions }
      return { topic, topicId: meta.topicId, config: effectiveTopicConfig(meta.config, gateway.topics.limits), partitions }
    } catch (err) {
      return { topic, error: wireError(err, session.logger) }
    }
  }))
  return { topics: answers }
}

async function describePartitions(gateway: Gateway, meta: TopicMeta, fromPeer: boolean): Promise<DescribedPartition[]> {
  const { cluster } = gateway
  const local = async (partition: number): Promise<DescribedPartition> => {
    const s = await gateway.partitions.request(meta.topic, partition, { op: 'status' })
    return { partition, logStartOffset: s.logStartOffset, highWatermark: s.highWatermark, logEndOffset: s.logEndOffset, sizeBytes: s.sizeBytes }
  }
  const all = Array.from({ length: meta.partitions }, (_, p) => p)
  if (cluster === undefined) return Promise.all(all.map(local))
  // In a cluster a replica that cannot answer (etcd names this broker leader before the reconciler
  // has opened it) is a row nobody can tell, not a failed topic.
  const localOrUnknown = (p: number): Promise<DescribedPartition> => local(p).catch(() => ({ partition: p, ...UNKNOWN_ROW }))
  // Asked by a peer: only the partitions this broker's replica leads now (the leader may have moved
  // since the peer looked); never asked on.
  if (fromPeer) return Promise.all(all.map((p) => (cluster.localRole(meta.topic, p)?.role === 'leader' ? localOrUnknown(p) : { partition: p, ...UNKNOWN_ROW })))
  const byLeader = new Map<number, number[]>()
  for (const p of all) {
    const leader = cluster.partitionState(meta.topic, p)?.leader ?? -1
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p])
  }
  const rows = new Map<number, DescribedPartition>()
  await Promise.all([...byLeader].map(async ([leader, partitions]) => {
    if (leader === cluster.brokerId) {
      for (const row of await Promise.all(partitions.map(localOrUnknown))) rows.set(row.partition, row)
      return
    }
    if (leader < 0) return
    const answer = await Promise.resolve().then(() => cluster.requestBroker(leader, 'describeTopics', { topics: [meta.topic] })).catch(() => undefined)
    for (const row of answer?.topics[0]?.partitions ?? []) if (partitions.includes(row.partition)) rows.set(row.partition, row)
  }))
  return all.map((p) => rows.get(p) ?? { partition: p, ...UNKNOWN_ROW })
}

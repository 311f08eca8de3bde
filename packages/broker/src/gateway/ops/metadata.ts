// Op `metadata`: the brokers and the topics with their partitions: each partition's leader, leader
// epoch, replicas and in-sync replicas, the controller and the cluster id. Without a topic list:
// every topic but the internal ones. A named topic that does not exist gets
// UNKNOWN_TOPIC_OR_PARTITION, unless the broker runs with --auto-create-topics, which creates it (as
// Kafka's metadata request does), so that a producer's first look-up finds it.
//
// A single broker is every partition's leader at epoch 0, its only replica and ISR, and its own
// controller. In a cluster the answer is etcd's state as this broker last watched it: the live
// brokers, and per partition what etcd names; a partition with no leader (no live ISR member, or its
// state not seen yet) has leader -1 and LEADER_NOT_AVAILABLE (retriable).
//
// ACLs, as Kafka's Metadata: without a topic list, the topics the principal may not Describe are left
// out (not an error); a named one it may not Describe answers TOPIC_AUTHORIZATION_FAILED, before
// telling whether it exists; auto-creating one also needs Create, on the cluster or on the topic.
import { ErrorCode, FaecieError, type MetadataBroker, type MetadataPartition, type MetadataResponse, type MetadataTopic } from '@faecie/protocol'
import type { TopicMeta } from '../../coordinator/metadata-state.js'
import { createRefusal, topicRefusals } from '../../security/op-access.js'
import { checkItemCount, unknownTopicOrPartition, wireError, type Gateway, type OpHandler } from '../context.js'

function describe(gateway: Gateway, meta: TopicMeta): MetadataTopic {
  const partitions = Array.from({ length: meta.partitions }, (_, partition) => describePartition(gateway, meta.topic, partition))
  return { topic: meta.topic, topicId: meta.topicId, internal: meta.internal, partitions }
}

function describePartition(gateway: Gateway, topic: string, partition: number): MetadataPartition {
  const { cluster, broker } = gateway
  if (cluster === undefined) return { partition, leader: broker.brokerId, leaderEpoch: 0, replicas: [broker.brokerId], isr: [broker.brokerId] }
  const state = cluster.partitionState(topic, partition)
  if (state === undefined) {
    return { partition, leader: -1, leaderEpoch: -1, replicas: [], isr: [],
      error: new FaecieError(ErrorCode.LEADER_NOT_AVAILABLE, `Partition ${topic}-${partition} has no state yet.`).toWire() }
  }
  const described: MetadataPartition = { partition, leader: state.leader, leaderEpoch: state.leaderEpoch, replicas: [...state.replicas], isr: [...state.isr] }
  if (state.leader < 0) {
    described.error = new FaecieError(ErrorCode.LEADER_NOT_AVAILABLE,
      `Partition ${topic}-${partition} has no leader: no replica of its ISR ${JSON.stringify(state.isr)} is alive.`).toWire()
  }
  return described
}

function brokersOf(gateway: Gateway): Required<Pick<MetadataResponse, 'brokers' | 'controllerId' | 'clusterId'>> {
  const { cluster, broker } = gateway
  if (cluster === undefined) {
    return { brokers: [{ brokerId: broker.brokerId, url: broker.url, rack: null }], controllerId: broker.brokerId, clusterId: broker.clusterId }
  }
  const brokers: MetadataBroker[] = cluster.brokers().map((b) => ({ brokerId: b.brokerId, url: b.advertisedUrl, rack: b.rack }))
  return { brokers, controllerId: cluster.controllerId(), clusterId: cluster.clusterId }
}

export const metadata: OpHandler<'metadata'> = async (request, { gateway, session }) => {
  const { topics, broker, security } = gateway
  if (request.topics === undefined) {
    const all = topics.all().filter((t) => !t.internal && security.allowed(session, 'Describe', 'topic', t.topic))
      .sort((a, b) => a.topic.localeCompare(b.topic))
    return { ...brokersOf(gateway), topics: all.map((meta) => describe(gateway, meta)) }
  }
  checkItemCount(request.topics.length, gateway.limits)
  const refused = topicRefusals(security, session, 'Describe', request.topics)
  const answers = await Promise.all(request.topics.map(async (topic): Promise<MetadataTopic> => {
    try {
      const refusal = refused.get(topic)
      if (refusal !== undefined) throw refusal
      let meta = topics.lookup(topic)
      if (meta === undefined && broker.autoCreateTopics) {
        const createRefused = createRefusal(security, session, topic)
        if (createRefused !== undefined) throw createRefused
        meta = await topics.ensure(topic)
      }
      if (meta === undefined) throw unknownTopicOrPartition(topic)
      return describe(gateway, meta)
    } catch (err) {
      return { topic, topicId: '', internal: false, partitions: [], error: wireError(err, session.logger) }
    }
  }))
  // Brokers after the topics: an auto-created topic's answer and the broker list are of the same moment.
  return { ...brokersOf(gateway), topics: answers }
}

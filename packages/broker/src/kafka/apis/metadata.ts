// Metadata: the brokers, the controller, and each topic's partitions with their leader, leader epoch,
// replicas and ISR (cluster-view.ts: a single broker is the only broker, controller and leader at
// epoch 0; in a cluster etcd's state, LEADER_NOT_AVAILABLE for a partition without a leader). No topic list (null; in v0 an empty list): every
// topic but the internal ones. A topic named by id alone (v10+) is looked up by id. Auto-creation
// follows the broker's --auto-create-topics and the request's AllowAutoTopicCreation.
// Authorization (with --auth scram), as Kafka: the list of all topics leaves out those the principal
// may not Describe; a named one it may not Describe answers TOPIC_AUTHORIZATION_FAILED, existing or
// not (so the answer does not tell which exist); one to auto-create needs Create on it or on the
// cluster, else TOPIC_AUTHORIZATION_FAILED. Such a topic is never asked of the metadata op.
import { CLUSTER_RESOURCE_NAME, ErrorCode, type MetadataTopic } from '@faecie/protocol'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultMetadataResponse, readMetadataRequest, writeMetadataResponse, type MetadataRequest, type MetadataResponse,
  type MetadataResponseTopic } from '../generated/metadata.js'
import { kafkaBrokers, kafkaClusterId, kafkaControllerId, kafkaPartition, liveBrokerIds } from './cluster-view.js'
import { deniedCode, errorCodeOf, isAllowed, kafkaApi, topicNameById, uuidBytes, type KafkaApiContext } from './context.js'

const NO_AUTHORIZED_OPERATIONS = -2147483648

export const metadata = kafkaApi<MetadataRequest, MetadataResponse>({
  api: KAFKA_APIS.Metadata,
  read: readMetadataRequest,
  write: writeMetadataResponse,
  handle: async (request, version, ctx) => {
    const { gateway, listener } = ctx
    const live = liveBrokerIds(gateway.cluster, listener.brokerId)
    const all = request.topics === null || (version === 0 && request.topics.length === 0)
    const names = all ? undefined : request.topics!.map((t) => t.name ?? topicNameById(gateway, t.topicId) ?? '')
    const allowCreate = version < 4 || request.allowAutoTopicCreation
    const denied = new Map(names?.filter((n) => n !== '').map((n) => [n, refusedTopic(ctx, n, allowCreate)]))
    // A topic the request may not create is not asked for (it answers UNKNOWN_TOPIC_OR_PARTITION below), nor one refused.
    const asked = names?.filter((n) => n !== '' && denied.get(n) === 0 && (allowCreate || gateway.topics.lookup(n) !== undefined))
    const answer = await OP_HANDLERS.metadata(asked === undefined ? {} : { topics: asked }, ctx.op)
    if (typeof answer === 'symbol') throw new Error('metadata has an answer')
    const byName = new Map(answer.topics.map((t) => [t.topic, t]))
    const listed = names ?? answer.topics.map((t) => t.topic).filter((name) => isAllowed(ctx, 'Describe', 'topic', name))
    const topics: MetadataResponseTopic[] = listed.map((name, i) => {
      const found: MetadataTopic | undefined = name === '' ? undefined : byName.get(name)
      if (found === undefined || found.error !== undefined) {
        const code = denied.get(name) || (found?.error?.code ?? (name === '' ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
        return { errorCode: code, name: name === '' ? null : name, topicId: name === '' ? request.topics![i]!.topicId : new Uint8Array(16),
          isInternal: false, partitions: [], topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS }
      }
      return {
        errorCode: errorCodeOf(found.error), name: found.topic, topicId: uuidBytes(found.topicId), isInternal: found.internal,
        partitions: found.partitions.map((p) => ({ partitionIndex: p.partition, ...kafkaPartition(ctx, found.topic, p.partition, live, found.internal) })),
        topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
      }
    })
    return {
      ...defaultMetadataResponse(),
      brokers: kafkaBrokers(ctx),
      clusterId: kafkaClusterId(ctx),
      controllerId: kafkaControllerId(ctx),
      topics,
      clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    }
  },
})

/** 0, or TOPIC_AUTHORIZATION_FAILED for a named topic the principal may not Describe, or may not auto-create. */
function refusedTopic(ctx: KafkaApiContext, name: string, allowCreate: boolean): number {
  const denied = deniedCode(ctx, 'Describe', 'topic', name)
  if (denied !== 0) return denied
  const creating = allowCreate && ctx.gateway.broker.autoCreateTopics && ctx.gateway.topics.lookup(name) === undefined
  if (!creating || isAllowed(ctx, 'Create', 'cluster', CLUSTER_RESOURCE_NAME)) return 0
  return deniedCode(ctx, 'Create', 'topic', name)
}

// Metadata: the brokers, the controller, and each topic's partitions with their leader, leader epoch,
// replicas and ISR (cluster-view.ts: a single broker is the only broker, controller and leader at
// epoch 0; in a cluster etcd's state, LEADER_NOT_AVAILABLE for a partition without a leader). No topic list (null; in v0 an empty list): every
// topic but the internal ones. A topic named by id alone (v10+) is looked up by id. Auto-creation
// follows the broker's --auto-create-topics and the request's AllowAutoTopicCreation.
import { ErrorCode, type MetadataTopic } from '@faecie/protocol'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultMetadataResponse, readMetadataRequest, writeMetadataResponse, type MetadataRequest, type MetadataResponse,
  type MetadataResponseTopic } from '../generated/metadata.js'
import { kafkaBrokers, kafkaClusterId, kafkaControllerId, kafkaPartition, liveBrokerIds } from './cluster-view.js'
import { errorCodeOf, kafkaApi, topicNameById, uuidBytes } from './context.js'

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
    // A topic the request may not create is not asked for (it answers UNKNOWN_TOPIC_OR_PARTITION below).
    const asked = names?.filter((n) => n !== '' && (allowCreate || gateway.topics.lookup(n) !== undefined))
    const answer = await OP_HANDLERS.metadata(asked === undefined ? {} : { topics: asked }, ctx.op)
    if (typeof answer === 'symbol') throw new Error('metadata has an answer')
    const byName = new Map(answer.topics.map((t) => [t.topic, t]))
    const topics: MetadataResponseTopic[] = (names ?? answer.topics.map((t) => t.topic)).map((name, i) => {
      const found: MetadataTopic | undefined = name === '' ? undefined : byName.get(name)
      if (found === undefined || found.error !== undefined) {
        const code = found?.error?.code ?? (name === '' ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
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

// DescribeCluster (v0-2): the brokers with a Kafka listener, the controller and the cluster id
// (cluster-view.ts: a single broker is the only broker and its controller, its meta.json's id). CreatePartitions (v0-3): grows topics through the
// gateway's createPartitions op; manual assignments are refused (INVALID_REQUEST), and validateOnly
// checks the count against the topic's current one without changing anything.
// DescribeCluster needs no ACL (as in Kafka); asked for the cluster's authorized operations, it
// answers them (Kafka's bit per operation code) when the principal may Describe the cluster, else 0.
import { CLUSTER_RESOURCE_NAME, ErrorCode, FaecieError, type AclOperation } from '@faecie/protocol'
import { wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { readCreatePartitionsRequest, writeCreatePartitionsResponse, type CreatePartitionsRequest,
  type CreatePartitionsResponse } from '../generated/create-partitions.js'
import { defaultDescribeClusterResponse, readDescribeClusterRequest, writeDescribeClusterResponse, type DescribeClusterRequest,
  type DescribeClusterResponse } from '../generated/describe-cluster.js'
import { kafkaBrokers, kafkaClusterId, kafkaControllerId } from './cluster-view.js'
import { OPERATION_CODES } from './acl-codes.js'
import { isAllowed, kafkaApi, type KafkaApiContext } from './context.js'

export const describeCluster = kafkaApi<DescribeClusterRequest, DescribeClusterResponse>({
  api: KAFKA_APIS.DescribeCluster,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  handle: async (request, _version, ctx) => ({
    ...defaultDescribeClusterResponse(),
    endpointType: request.endpointType,
    clusterId: kafkaClusterId(ctx),
    controllerId: kafkaControllerId(ctx),
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(ctx) : NO_AUTHORIZED_OPERATIONS,
    brokers: kafkaBrokers(ctx).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: false })),
  }),
})

/** Kafka's "authorized operations not asked for". */
const NO_AUTHORIZED_OPERATIONS = -2147483648
/** The operations on the cluster faecie has (Kafka's also: IdempotentWrite, DescribeTokens...). */
const CLUSTER_OPERATIONS: AclOperation[] = ['Create', 'ClusterAction', 'DescribeConfigs', 'AlterConfigs', 'Alter', 'Describe']

/** A bit (1 << Kafka's operation code) per operation the principal may do on the cluster; 0 without Describe on it. */
function clusterAuthorizedOperations(ctx: KafkaApiContext): number {
  if (!isAllowed(ctx, 'Describe', 'cluster', CLUSTER_RESOURCE_NAME)) return 0
  return CLUSTER_OPERATIONS.filter((op) => isAllowed(ctx, op, 'cluster', CLUSTER_RESOURCE_NAME)).reduce((bits, op) => bits | (1 << OPERATION_CODES.get(op)!), 0)
}

export const createPartitions = kafkaApi<CreatePartitionsRequest, CreatePartitionsResponse>({
  api: KAFKA_APIS.CreatePartitions,
  read: readCreatePartitionsRequest,
  write: writeCreatePartitionsResponse,
  handle: async (request, _version, ctx) => ({
    throttleTimeMs: 0,
    results: await Promise.all(request.topics.map(async (t) => {
      try {
        if (t.assignments !== null) throw new FaecieError(ErrorCode.INVALID_REQUEST, 'Manual replica assignments are not supported.')
        if (request.validateOnly) {
          // Kafka checks Alter on the topic before validating, so the answer tells nothing to others.
          ctx.gateway.security.check(ctx.op.session, 'Alter', 'topic', t.name)
          const meta = ctx.gateway.topics.lookup(t.name)
          if (meta === undefined || meta.internal) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${t.name} does not exist.`)
          if (t.count <= meta.partitions) throw new FaecieError(ErrorCode.INVALID_PARTITIONS, `Topic ${t.name} has ${meta.partitions} partitions; a topic never shrinks.`)
        } else {
          await OP_HANDLERS.createPartitions({ topic: t.name, count: t.count }, ctx.op)
        }
        return { name: t.name, errorCode: 0, errorMessage: null }
      } catch (err) {
        const error = wireError(err, ctx.logger)
        return { name: t.name, errorCode: error.code, errorMessage: error.message }
      }
    })),
  }),
})

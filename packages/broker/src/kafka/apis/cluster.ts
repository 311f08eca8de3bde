// DescribeCluster (v0-2): the brokers with a Kafka listener, the controller and the cluster id
// (cluster-view.ts: a single broker is the only broker and its controller, its meta.json's id). CreatePartitions (v0-3): grows topics through the
// gateway's createPartitions op; manual assignments are refused (INVALID_REQUEST), and validateOnly
// checks the count against the topic's current one without changing anything.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { readCreatePartitionsRequest, writeCreatePartitionsResponse, type CreatePartitionsRequest,
  type CreatePartitionsResponse } from '../generated/create-partitions.js'
import { defaultDescribeClusterResponse, readDescribeClusterRequest, writeDescribeClusterResponse, type DescribeClusterRequest,
  type DescribeClusterResponse } from '../generated/describe-cluster.js'
import { kafkaBrokers, kafkaClusterId, kafkaControllerId } from './cluster-view.js'
import { kafkaApi } from './context.js'

export const describeCluster = kafkaApi<DescribeClusterRequest, DescribeClusterResponse>({
  api: KAFKA_APIS.DescribeCluster,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  handle: async (request, _version, ctx) => ({
    ...defaultDescribeClusterResponse(),
    endpointType: request.endpointType,
    clusterId: kafkaClusterId(ctx),
    controllerId: kafkaControllerId(ctx),
    brokers: kafkaBrokers(ctx).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: false })),
  }),
})

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

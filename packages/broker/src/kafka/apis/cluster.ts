// DescribeCluster (v0-2): this broker as the cluster's only broker and its controller; the cluster
// id is the one in the data dir's meta.json. CreatePartitions (v0-3): grows topics through the
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
import { kafkaApi } from './context.js'

export const describeCluster = kafkaApi<DescribeClusterRequest, DescribeClusterResponse>({
  api: KAFKA_APIS.DescribeCluster,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  handle: async (request, _version, { listener }) => ({
    ...defaultDescribeClusterResponse(),
    endpointType: request.endpointType,
    clusterId: listener.clusterId,
    controllerId: listener.brokerId,
    brokers: [{ brokerId: listener.brokerId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null, isFenced: false }],
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

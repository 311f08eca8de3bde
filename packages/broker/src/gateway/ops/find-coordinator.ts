// Op `findCoordinator`: where a consumer group lives. A single broker coordinates every group
// itself; in a cluster, the leader of the group's `__consumer_offsets` partition does
// (cluster/group-shards.ts decides, and makes the topic on the first ask).
import type { OpHandler } from '../context.js'

export const findCoordinator: OpHandler<'findCoordinator'> = async (request, { gateway }) => {
  if (gateway.cluster !== undefined) return gateway.cluster.findCoordinator(request)
  return { key: request.key, brokerId: gateway.broker.brokerId, url: gateway.broker.url, partition: 0 }
}

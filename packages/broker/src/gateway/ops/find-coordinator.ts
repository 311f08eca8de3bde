// Op `findCoordinator`: where a consumer group lives. A single broker coordinates every group
// itself; in a cluster, the leader of the group's `__consumer_offsets` partition does
// (cluster/group-shards.ts decides, and makes the topic on the first ask).
// ACLs, as Kafka's FindCoordinator: Describe on the group (else GROUP_AUTHORIZATION_FAILED).
import { checkGroup } from '../../security/op-access.js'
import type { OpHandler } from '../context.js'

export const findCoordinator: OpHandler<'findCoordinator'> = async (request, { gateway, session }) => {
  checkGroup(gateway.security, session, 'Describe', request.key)
  if (gateway.cluster !== undefined) return gateway.cluster.findCoordinator(request)
  return { key: request.key, brokerId: gateway.broker.brokerId, url: gateway.broker.url, partition: 0 }
}

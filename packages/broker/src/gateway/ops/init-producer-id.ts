// Op `initProducerId`: a producer id for an idempotent producer, unique across restarts (the
// coordinator reserves ids in blocks recorded in the metadata log; in a cluster, blocks come from
// etcd, so no two brokers hand out the same id). Epochs start at 0; fencing by
// transactional id arrives with transactions.
// ACLs, as Kafka 3+ (KIP-679): Write on some topic (faecie has no IdempotentWrite; ClusterAction on
// the cluster also does); else CLUSTER_AUTHORIZATION_FAILED, as Kafka answers an idempotent producer.
import { CLUSTER_RESOURCE_NAME, ErrorCode, FaecieError } from '@faecie/protocol'
import { mayWriteSomeTopic } from '../../security/op-access.js'
import type { OpHandler } from '../context.js'

export const initProducerId: OpHandler<'initProducerId'> = async (_request, { gateway, session }) => {
  const { security } = gateway
  if (!mayWriteSomeTopic(security, session) && security.refusal(session, 'ClusterAction', 'cluster', CLUSTER_RESOURCE_NAME) !== undefined) {
    throw new FaecieError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      `Principal ${session.principal} may not have a producer id: it may Write no topic, and may not ClusterAction the cluster.`)
  }
  const producerId = await gateway.topics.initProducerId()
  return { producerId, producerEpoch: 0 }
}

// Op `repairPartition`: an operator's repair of a damaged partition (one answering LOG_DAMAGED): its
// log start moves past the offsets it lost. The request must carry `acceptDataLoss: true` (checked
// by the protocol's parser). ACLs: Alter on the cluster (else CLUSTER_AUTHORIZATION_FAILED), as
// Kafka asks of its operators' partition moves and elections.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { checkCluster } from '../../security/op-access.js'
import type { OpHandler } from '../context.js'

export const repairPartition: OpHandler<'repairPartition'> = async (request, { gateway, session }) => {
  checkCluster(gateway.security, session, 'Alter')
  const meta = gateway.topics.lookup(request.topic)
  if (meta === undefined || meta.internal || request.partition >= meta.partitions) {
    throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No partition ${request.partition} of topic ${request.topic}.`)
  }
  const result = await gateway.partitions.repair(request.topic, request.partition)
  return { topic: request.topic, partition: request.partition, logStartOffset: result.logStartOffset, offsetsSkipped: result.offsetsSkipped }
}

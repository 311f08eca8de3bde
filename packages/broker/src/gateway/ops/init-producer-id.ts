// Op `initProducerId`: a producer id for an idempotent producer, unique across restarts (the
// coordinator reserves ids in blocks recorded in the metadata log; in a cluster, blocks come from
// etcd, so no two brokers hand out the same id). Epochs start at 0; fencing by
// transactional id arrives with transactions.
import type { OpHandler } from '../context.js'

export const initProducerId: OpHandler<'initProducerId'> = async (_request, { gateway }) => {
  const producerId = await gateway.topics.initProducerId()
  return { producerId, producerEpoch: 0 }
}

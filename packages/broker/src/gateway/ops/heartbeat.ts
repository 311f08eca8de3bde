// Op `heartbeat`: a consumer group member joins, stays alive, reports what it owns and gets its assignment;
// membership, epochs and the assignment are decided by the coordinator (groups/consumer-group.ts).
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const heartbeat: OpHandler<'heartbeat'> = async (request, { gateway, session }) => {
  checkItemCount((request.subscribedTopicNames?.length ?? 0) + (request.ownedPartitions ?? []).reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  return gateway.topics.group('heartbeat', request, changeOptions(session))
}

// Op `createPartitions`: grows a topic to `count` partitions (never shrinks it: INVALID_PARTITIONS),
// recorded by the coordinator first, then the new partitions are opened. ACLs: Alter on the topic.
import { changeOptions, type OpHandler } from '../context.js'

export const createPartitions: OpHandler<'createPartitions'> = async (request, { gateway, session }) => {
  gateway.security.check(session, 'Alter', 'topic', request.topic)
  const meta = await gateway.topics.createPartitions(request.topic, request.count, changeOptions(session))
  return { topic: meta.topic, count: meta.partitions }
}

// Op `createPartitions`: grows a topic to `count` partitions (never shrinks it: INVALID_PARTITIONS),
// recorded by the coordinator first, then the new partitions are opened.
import type { OpHandler } from '../context.js'

export const createPartitions: OpHandler<'createPartitions'> = async (request, { gateway }) => {
  const meta = await gateway.topics.createPartitions(request.topic, request.count)
  return { topic: meta.topic, count: meta.partitions }
}

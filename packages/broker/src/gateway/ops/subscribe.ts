// Op `subscribe`: starts a live push of a partition's batches from `offset` on, within the byte
// credit the client grants (flow control in ../subscriptions.ts). Answers `{sub}`; pushes follow.
// In a cluster, only the partition's leader serves one (else NOT_LEADER_OR_FOLLOWER). ACLs: Read on
// the topic, as a fetch (else TOPIC_AUTHORIZATION_FAILED, before telling whether it exists).
import { notLeaderError, type OpHandler } from '../context.js'

export const subscribe: OpHandler<'subscribe'> = async (request, { gateway, session }) => {
  gateway.security.check(session, 'Read', 'topic', request.topic)
  const meta = gateway.topics.lookup(request.topic)
  if (meta !== undefined && !meta.internal && request.partition < meta.partitions) {
    const notLeader = notLeaderError(gateway, request.topic, request.partition)
    if (notLeader !== undefined) throw notLeader
  }
  const sub = await session.subscriptions.subscribe(request.topic, request.partition, request.offset, request.creditBytes)
  return { sub }
}

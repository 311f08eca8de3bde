// Op `heartbeat`: a consumer group member joins, stays alive, reports what it owns and gets its assignment;
// membership, epochs and the assignment are decided by the coordinator (groups/consumer-group.ts).
// ACLs, as Kafka's ConsumerGroupHeartbeat: Read on the group (else GROUP_AUTHORIZATION_FAILED), and
// Describe on every topic named in the subscription (else TOPIC_AUTHORIZATION_FAILED for the request,
// naming the topics). Reading the assigned partitions needs Read on their topics (fetch, subscribe).
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { checkGroup, topicRefusals } from '../../security/op-access.js'
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

/** The refused topics the error's message names (a subscription may name thousands). */
const NAMED_TOPICS_MAX = 10

export const heartbeat: OpHandler<'heartbeat'> = async (request, { gateway, session }) => {
  checkItemCount((request.subscribedTopicNames?.length ?? 0) + (request.ownedPartitions ?? []).reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  checkGroup(gateway.security, session, 'Read', request.groupId)
  const refused = topicRefusals(gateway.security, session, 'Describe', request.subscribedTopicNames ?? [])
  if (refused.size > 0) {
    const names = [...refused.keys()]
    const named = names.slice(0, NAMED_TOPICS_MAX).join(', ') + (names.length > NAMED_TOPICS_MAX ? ` and ${names.length - NAMED_TOPICS_MAX} more` : '')
    throw new FaecieError(ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      `Principal ${session.principal} may not Describe the subscribed topic${names.length > 1 ? 's' : ''} ${named}.`)
  }
  return gateway.topics.group('heartbeat', request, changeOptions(session))
}

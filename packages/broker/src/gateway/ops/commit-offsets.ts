// Op `commitOffsets`: stores a group's committed offsets durably (`__consumer_offsets`), fenced by member epoch.
// ACLs, as Kafka's OffsetCommit: Read on the group (else GROUP_AUTHORIZATION_FAILED), and Read on each
// topic (else TOPIC_AUTHORIZATION_FAILED for its partitions, the others committed).
import { checkGroup, commitAllowedTopics } from '../../security/op-access.js'
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const commitOffsets: OpHandler<'commitOffsets'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  checkGroup(gateway.security, session, 'Read', request.groupId)
  return commitAllowedTopics(gateway.security, session, 'Read', request,
    (allowed) => gateway.topics.group('commitOffsets', allowed, changeOptions(session)))
}

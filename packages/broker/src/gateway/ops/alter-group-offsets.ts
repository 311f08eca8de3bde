// Op `alterGroupOffsets`: sets an empty group's offsets by hand (reset-offsets).
// ACLs, as Kafka's AlterConsumerGroupOffsets (an OffsetCommit): Read on the group (else
// GROUP_AUTHORIZATION_FAILED), and Read on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions).
import { checkGroup, commitAllowedTopics } from '../../security/op-access.js'
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const alterGroupOffsets: OpHandler<'alterGroupOffsets'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  checkGroup(gateway.security, session, 'Read', request.groupId)
  return commitAllowedTopics(gateway.security, session, 'Read', request,
    (allowed) => gateway.topics.group('alterGroupOffsets', allowed, changeOptions(session)))
}

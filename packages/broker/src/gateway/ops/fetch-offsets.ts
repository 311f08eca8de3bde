// Op `fetchOffsets`: a group's committed offsets (-1 where none).
// ACLs, as Kafka's OffsetFetch: Describe on the group (else GROUP_AUTHORIZATION_FAILED), and Describe
// on each topic: named ones refused answer TOPIC_AUTHORIZATION_FAILED; unnamed ones refused are left out.
import { checkGroup, fetchAllowedOffsets } from '../../security/op-access.js'
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const fetchOffsets: OpHandler<'fetchOffsets'> = async (request, { gateway, session }) => {
  checkItemCount((request.topics ?? []).reduce((n, t) => n + 1 + (t.partitions?.length ?? 0), 0), gateway.limits)
  checkGroup(gateway.security, session, 'Describe', request.groupId)
  return fetchAllowedOffsets(gateway.security, session, request,
    (allowed) => gateway.topics.group('fetchOffsets', allowed, changeOptions(session)))
}

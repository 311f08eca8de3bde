// Op `describeGroups`: groups' state, epochs, assignor and members with their assignments.
// ACLs, as Kafka's DescribeGroups: Describe on each group; a group refused answers
// GROUP_AUTHORIZATION_FAILED in its place (state Dead, no members), before telling whether it exists.
import type { DescribedGroup } from '@faecie/protocol'
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const describeGroups: OpHandler<'describeGroups'> = async (request, { gateway, session }) => {
  checkItemCount(request.groupIds.length, gateway.limits)
  const refused = new Map<string, DescribedGroup>()
  for (const groupId of new Set(request.groupIds)) {
    const error = gateway.security.refusal(session, 'Describe', 'group', groupId)
    if (error !== undefined) refused.set(groupId, { groupId, state: 'Dead', groupEpoch: 0, assignmentEpoch: 0, assignor: '', members: [], error: error.toWire() })
  }
  if (refused.size === 0) return gateway.topics.group('describeGroups', request, changeOptions(session))
  const allowed = request.groupIds.filter((id) => !refused.has(id))
  const answer = allowed.length > 0 ? await gateway.topics.group('describeGroups', { groupIds: allowed }, changeOptions(session)) : { groups: [] }
  const described = new Map(answer.groups.map((g) => [g.groupId, g]))
  return { groups: request.groupIds.flatMap((id) => { const g = refused.get(id) ?? described.get(id); return g === undefined ? [] : [g] }) }
}

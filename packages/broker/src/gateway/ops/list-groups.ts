// Op `listGroups`: every group the broker knows, with its state.
// ACLs, as Kafka's ListGroups: Describe on the cluster shows every group; otherwise only the groups
// the principal may Describe are listed (the others left out, not an error).
import { CLUSTER_RESOURCE_NAME } from '@faecie/protocol'
import { changeOptions, type OpHandler } from '../context.js'

export const listGroups: OpHandler<'listGroups'> = async (request, { gateway, session }) => {
  const { security } = gateway
  const answer = await gateway.topics.group('listGroups', request, changeOptions(session))
  if (security.allowed(session, 'Describe', 'cluster', CLUSTER_RESOURCE_NAME)) return answer
  return { ...answer, groups: answer.groups.filter((g) => security.allowed(session, 'Describe', 'group', g.groupId)) }
}

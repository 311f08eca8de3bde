// Op `deleteGroup`: forgets an empty group and tombstones its offsets.
// ACLs, as Kafka's DeleteGroups: Delete on the group (else GROUP_AUTHORIZATION_FAILED).
import { checkGroup } from '../../security/op-access.js'
import { changeOptions, type OpHandler } from '../context.js'

export const deleteGroup: OpHandler<'deleteGroup'> = async (request, { gateway, session }) => {
  checkGroup(gateway.security, session, 'Delete', request.groupId)
  return gateway.topics.group('deleteGroup', request, changeOptions(session))
}

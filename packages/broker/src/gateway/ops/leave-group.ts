// Op `leaveGroup`: a member leaves its group at once (-1), or a static member for now (-2).
// ACLs, as Kafka's LeaveGroup: Read on the group (else GROUP_AUTHORIZATION_FAILED).
import { checkGroup } from '../../security/op-access.js'
import { changeOptions, type OpHandler } from '../context.js'

export const leaveGroup: OpHandler<'leaveGroup'> = async (request, { gateway, session }) => {
  checkGroup(gateway.security, session, 'Read', request.groupId)
  return gateway.topics.group('leaveGroup', request, changeOptions(session))
}

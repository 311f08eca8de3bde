// Op `describeGroups`: groups' state, epochs, assignor and members with their assignments.
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const describeGroups: OpHandler<'describeGroups'> = async (request, { gateway, session }) => {
  checkItemCount(request.groupIds.length, gateway.limits)
  return gateway.topics.group('describeGroups', request, changeOptions(session))
}

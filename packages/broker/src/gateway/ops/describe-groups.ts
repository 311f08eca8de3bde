// Op `describeGroups`: groups' state, epochs, assignor and members with their assignments.
import { checkItemCount, type OpHandler } from '../context.js'

export const describeGroups: OpHandler<'describeGroups'> = async (request, { gateway }) => {
  checkItemCount(request.groupIds.length, gateway.limits)
  return gateway.topics.group('describeGroups', request)
}

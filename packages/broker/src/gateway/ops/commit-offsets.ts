// Op `commitOffsets`: stores a group's committed offsets durably (`__consumer_offsets`), fenced by member epoch.
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const commitOffsets: OpHandler<'commitOffsets'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  return gateway.topics.group('commitOffsets', request, changeOptions(session))
}

// Op `fetchOffsets`: a group's committed offsets (-1 where none).
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const fetchOffsets: OpHandler<'fetchOffsets'> = async (request, { gateway, session }) => {
  checkItemCount((request.topics ?? []).reduce((n, t) => n + 1 + (t.partitions?.length ?? 0), 0), gateway.limits)
  return gateway.topics.group('fetchOffsets', request, changeOptions(session))
}

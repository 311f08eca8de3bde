// Op `alterGroupOffsets`: sets an empty group's offsets by hand (reset-offsets).
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const alterGroupOffsets: OpHandler<'alterGroupOffsets'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  return gateway.topics.group('alterGroupOffsets', request, changeOptions(session))
}

// Op `alterGroupOffsets`: sets an empty group's offsets by hand (reset-offsets).
import { checkItemCount, type OpHandler } from '../context.js'

export const alterGroupOffsets: OpHandler<'alterGroupOffsets'> = async (request, { gateway }) => {
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), gateway.limits)
  return gateway.topics.group('alterGroupOffsets', request)
}

// Op `leaveGroup`: a member leaves its group at once (-1), or a static member for now (-2).
import type { OpHandler } from '../context.js'

export const leaveGroup: OpHandler<'leaveGroup'> = (request, { gateway }) => gateway.topics.group('leaveGroup', request)

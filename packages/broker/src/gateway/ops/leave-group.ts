// Op `leaveGroup`: a member leaves its group at once (-1), or a static member for now (-2).
import { changeOptions, type OpHandler } from '../context.js'

export const leaveGroup: OpHandler<'leaveGroup'> = (request, { gateway, session }) => gateway.topics.group('leaveGroup', request, changeOptions(session))

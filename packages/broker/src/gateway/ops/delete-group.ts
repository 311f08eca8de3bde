// Op `deleteGroup`: forgets an empty group and tombstones its offsets.
import { changeOptions, type OpHandler } from '../context.js'

export const deleteGroup: OpHandler<'deleteGroup'> = (request, { gateway, session }) => gateway.topics.group('deleteGroup', request, changeOptions(session))

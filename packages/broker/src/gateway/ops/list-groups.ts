// Op `listGroups`: every group the broker knows, with its state.
import { changeOptions, type OpHandler } from '../context.js'

export const listGroups: OpHandler<'listGroups'> = (request, { gateway, session }) => gateway.topics.group('listGroups', request, changeOptions(session))

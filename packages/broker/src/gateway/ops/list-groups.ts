// Op `listGroups`: every group the broker knows, with its state.
import type { OpHandler } from '../context.js'

export const listGroups: OpHandler<'listGroups'> = (request, { gateway }) => gateway.topics.group('listGroups', request)

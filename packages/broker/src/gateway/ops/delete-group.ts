// Op `deleteGroup`: forgets an empty group and tombstones its offsets.
import type { OpHandler } from '../context.js'

export const deleteGroup: OpHandler<'deleteGroup'> = (request, { gateway }) => gateway.topics.group('deleteGroup', request)

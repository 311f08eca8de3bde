// Op `deleteGroup`: forgets a group and its committed offsets (tombstones in `__consumer_offsets`).
// A group with members: NON_EMPTY_GROUP; one the broker does not know: GROUP_ID_NOT_FOUND.
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface DeleteGroupRequest {
  groupId: string
}

export interface DeleteGroupResponse {
  groupId: string
}

export function parseDeleteGroupRequest(frame: RequestFrame): Parsed<DeleteGroupRequest> {
  return parseOp(frame, (f) => ({ groupId: f.str('groupId') }))
}

// Op `leaveGroup`: a member leaves its group at once (its partitions move without waiting for the
// session timeout). The same as a heartbeat with memberEpoch -1, or -2 for a static member that
// will come back (its partitions wait for it until its session times out).
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'
import { LEAVE_GROUP_EPOCH, LEAVE_GROUP_STATIC_EPOCH } from './heartbeat.js'

export interface LeaveGroupRequest {
  groupId: string
  memberId: string
  /** -1 (default): leave; -2: a static member leaves for now. */
  memberEpoch?: -1 | -2
}

export interface LeaveGroupResponse {
  memberId: string
  memberEpoch: number
}

export function parseLeaveGroupRequest(frame: RequestFrame): Parsed<LeaveGroupRequest> {
  return parseOp(frame, (f) => {
    const request: LeaveGroupRequest = { groupId: f.str('groupId'), memberId: f.str('memberId') }
    if (f.has('memberEpoch')) request.memberEpoch = f.oneOf('memberEpoch', [LEAVE_GROUP_EPOCH, LEAVE_GROUP_STATIC_EPOCH] as const)
    return request
  })
}

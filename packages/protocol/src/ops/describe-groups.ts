// Op `describeGroups`: each group's state, epochs, assignor and members with their assignments.
// Lag is the client's to compute: fetchOffsets (committed) against listOffsets (-1, the end).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'
import type { TopicPartitions } from './heartbeat.js'

/** Empty: no members; Assigning: a new target assignment is being computed; Reconciling: members
 * are moving to it; Stable: every member has its target; Dead: deleted. */
export type GroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead'

export interface DescribeGroupsRequest {
  groupIds: string[]
}

export interface DescribedMember {
  memberId: string
  instanceId?: string
  clientId: string
  memberEpoch: number
  subscribedTopicNames: string[]
  subscribedTopicRegex?: string
  /** What the member has been given and may consume now. */
  assignment: TopicPartitions[]
  /** What the assignor wants it to have once reconciliation is done. */
  targetAssignment: TopicPartitions[]
}

export interface DescribedGroup {
  groupId: string
  state: GroupState
  groupEpoch: number
  assignmentEpoch: number
  assignor: string
  members: DescribedMember[]
  /** GROUP_ID_NOT_FOUND for a group the broker does not know (state Dead). */
  error?: WireError
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[]
}

export function parseDescribeGroupsRequest(frame: RequestFrame): Parsed<DescribeGroupsRequest> {
  return parseOp(frame, (f) => ({ groupIds: f.strings('groupIds') }))
}

// Op `listGroups`: every group the broker knows, with its state (optionally only some states).
import type { Parsed, RequestFrame } from '../frame.js'
import type { GroupState } from './describe-groups.js'
import { parseOp } from './fields.js'

export interface ListGroupsRequest {
  /** Only groups in these states; absent: all. */
  states?: string[]
}

export interface ListedGroup {
  groupId: string
  state: GroupState
  groupEpoch: number
  members: number
}

export interface ListGroupsResponse {
  groups: ListedGroup[]
}

export function parseListGroupsRequest(frame: RequestFrame): Parsed<ListGroupsRequest> {
  return parseOp(frame, (f) => {
    const states = f.optionalStrings('states')
    return states === undefined ? {} : { states }
  })
}

// Op `listGroups`: every group the broker knows, with its state (optionally only some states).
import type { Parsed, RequestFrame } from '../frame.js'
import type { GroupState, GroupType } from './describe-groups.js'
import { invalidField, parseOp } from './fields.js'
import { GROUP_TYPES } from './describe-groups.js'

export interface ListGroupsRequest {
  /** Only groups in these states; absent: all. */
  states?: string[]
  /** Only groups of these types; absent: all. */
  types?: GroupType[]
}

export interface ListedGroup {
  groupId: string
  state: GroupState
  groupEpoch: number
  members: number
  /** Absent: 'consumer'. */
  type?: GroupType
  /** A classic group: JoinGroup's protocolType. */
  protocolType?: string
}

export interface ListGroupsResponse {
  groups: ListedGroup[]
}

export function parseListGroupsRequest(frame: RequestFrame): Parsed<ListGroupsRequest> {
  return parseOp(frame, (f) => {
    const request: ListGroupsRequest = {}
    const states = f.optionalStrings('states')
    if (states !== undefined) request.states = states
    const types = f.optionalStrings('types')
    if (types !== undefined) {
      for (const type of types) if (!(GROUP_TYPES as readonly string[]).includes(type)) throw invalidField('types', `each one of ${GROUP_TYPES.join(', ')}`, type)
      request.types = types as GroupType[]
    }
    return request
  })
}

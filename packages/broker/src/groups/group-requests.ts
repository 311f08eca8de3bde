// The bounds a consumer-protocol request keeps before the coordinator looks at it (GroupCoordinator,
// group-coordinator.ts), and how a consumer group shows itself to describeGroups. What a member
// gives, the coordinator holds while the member lives: each field bounded, so a frame-sized string
// or list per join cannot pile up.
import { ErrorCode, FaecieError, type DescribedGroup, type HeartbeatRequest } from '@faecie/protocol'
import { TOPIC_NAME_LENGTH_MAX } from '../topics/names.js'
import { toWire } from './assignment.js'
import type { ConsumerGroup, GroupSettings } from './consumer-group.js'

const GROUP_ID_CHARS_MAX = 255

export function checkGroupId(groupId: string): void {
  if (groupId.length > GROUP_ID_CHARS_MAX) throw new FaecieError(ErrorCode.INVALID_GROUP_ID, `A group id has at most ${GROUP_ID_CHARS_MAX} characters.`)
}

/**
 * What a member gives that the coordinator keeps while it lives (up to sessionTimeoutMsMax): each
 * bounded, so a frame-sized string or list per join cannot pile up. A subscribed name longer than
 * any topic's can never match one.
 */
export function checkMemberFields(request: HeartbeatRequest, settings: GroupSettings): void {
  const charsMax = settings.memberFieldCharsMax
  for (const field of ['memberId', 'groupInstanceId', 'clientId'] as const) {
    const value = request[field]
    if (value !== undefined && value.length > charsMax) {
      throw new FaecieError(ErrorCode.INVALID_REQUEST, `${field} has ${value.length} characters; at most ${charsMax} (groups.memberFieldCharsMax).`)
    }
  }
  const names = request.subscribedTopicNames
  if (names === undefined) return
  if (names.length > settings.subscribedTopicNamesMax) {
    throw new FaecieError(ErrorCode.INVALID_REQUEST,
      `subscribedTopicNames has ${names.length} names; at most ${settings.subscribedTopicNamesMax} (groups.subscribedTopicNamesMax).`)
  }
  const tooLong = names.find((name) => name.length > TOPIC_NAME_LENGTH_MAX)
  if (tooLong !== undefined) {
    throw new FaecieError(ErrorCode.INVALID_REQUEST,
      `subscribedTopicNames has a name of ${tooLong.length} characters; a topic name has at most ${TOPIC_NAME_LENGTH_MAX}.`)
  }
}

/** describeGroups' view of a consumer group (none: GROUP_ID_NOT_FOUND, state Dead). */
export function describeConsumerGroup(groupId: string, group: ConsumerGroup | undefined): DescribedGroup {
  if (group === undefined) {
    return { groupId, state: 'Dead', groupEpoch: 0, assignmentEpoch: 0, assignor: '', members: [],
      error: new FaecieError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} does not exist.`).toWire() }
  }
  return {
    groupId, state: group.state, groupEpoch: group.groupEpoch, assignmentEpoch: group.assignmentEpoch, assignor: group.assignor,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      ...(m.instanceId === undefined ? {} : { instanceId: m.instanceId }),
      clientId: m.clientId,
      memberEpoch: m.memberEpoch,
      subscribedTopicNames: m.subscribedTopicNames,
      ...(m.subscribedTopicRegex === undefined ? {} : { subscribedTopicRegex: m.subscribedTopicRegex.source }),
      assignment: toWire(m.owned),
      targetAssignment: toWire(group.targetOf(m.memberId)),
    })),
  }
}

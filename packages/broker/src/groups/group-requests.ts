// The bounds a consumer-protocol request keeps before the coordinator looks at it (GroupCoordinator,
// group-coordinator.ts), what a join must pass (the type rule, the coordinator's limits), and how a
// consumer group shows itself to describeGroups and listGroups. What a member
// gives, the coordinator holds while the member lives: each field bounded, so a frame-sized string
// or list per join cannot pile up.
import { ErrorCode, FaecieError, type DescribedGroup, type HeartbeatRequest, type ListedGroup } from '@faecie/protocol'
import type { ClassicGroup } from './classic-group.js'
import type { GroupLimits } from './group-limits.js'
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

export function listedConsumerGroup(group: ConsumerGroup): ListedGroup {
  return { groupId: group.groupId, state: group.state, groupEpoch: group.groupEpoch, members: group.members.size }
}

/**
 * May this heartbeat join? Not into a classic group with members (GROUP_ID_NOT_FOUND, Kafka's answer
 * with group.consumer.migration.policy=disabled); a new group or a new member (not one rejoining, nor
 * a static member's instance coming back) within the coordinator's limits (GroupLimits).
 */
export function admitConsumerJoin(request: HeartbeatRequest, group: ConsumerGroup | undefined, classic: ClassicGroup | undefined, limits: GroupLimits): void {
  if (classic !== undefined && classic.memberCount > 0) {
    throw new FaecieError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} is a classic group (Kafka's JoinGroup protocol) with ` +
      `${classic.memberCount} members: a consumer-protocol member cannot join it until it is empty (no online upgrade, as Kafka with ` +
      'group.consumer.migration.policy=disabled).')
  }
  if (request.memberEpoch !== 0) return
  if (group === undefined && classic === undefined) limits.checkNewGroup(request.groupId)
  if (group?.members.has(request.memberId) === true) return
  if (request.groupInstanceId !== undefined && [...(group?.members.values() ?? [])].some((m) => m.instanceId === request.groupInstanceId)) return
  limits.checkNewMember(request.groupId)
}

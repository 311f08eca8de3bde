// How a classic group shows itself: describeGroups' view (type 'classic', Kafka's state, the chosen
// protocol as the assignor, each member with its subscription and assignment decoded when the
// protocol type is 'consumer') and the topics its consumers subscribe to, whose offsets are kept.
// Subscriptions are decoded once, when a member's protocols are set (ClassicMember.topics).
import type { DescribedGroup, DescribedMember, TopicPartitions } from '@faecie/protocol'
import type { ClassicGroupState } from './classic-group.js'
import type { ClassicMember } from './classic-member.js'
import { CONSUMER_PROTOCOL_TYPE } from './classic-member.js'
import { decodeConsumerAssignment } from './consumer-protocol.js'

export { CONSUMER_PROTOCOL_TYPE }

export function subscribedTopicsOf(protocolType: string | undefined, protocolName: string | undefined, members: readonly ClassicMember[]): Set<string> {
  const topics = new Set<string>()
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return topics
  for (const member of members) for (const topic of member.topics(protocolName)) topics.add(topic)
  return topics
}

function assignmentOf(member: ClassicMember): TopicPartitions[] {
  const decoded = decodeConsumerAssignment(member.assignment)
  return decoded === undefined ? [] : decoded.assignedPartitions.map(({ topic, partitions }) => ({ topic, partitions: [...partitions] }))
}

export function describeClassicGroup(groupId: string, state: ClassicGroupState, generationId: number, protocolType: string | undefined,
  protocolName: string | undefined, members: readonly ClassicMember[]): DescribedGroup {
  const consumer = protocolType === CONSUMER_PROTOCOL_TYPE
  return {
    groupId,
    state,
    groupEpoch: generationId,
    assignmentEpoch: generationId,
    assignor: protocolName ?? '',
    type: 'classic',
    protocolType: protocolType ?? '',
    members: members.map((m) => {
      const assignment = consumer ? assignmentOf(m) : []
      const described: DescribedMember = {
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberEpoch: generationId,
        subscribedTopicNames: consumer ? [...m.topics(protocolName)] : [],
        assignment,
        targetAssignment: assignment.map(({ topic, partitions }) => ({ topic, partitions: [...partitions] })),
      }
      if (m.groupInstanceId !== undefined) described.instanceId = m.groupInstanceId
      return described
    }),
  }
}

/** A member's bytes as it sent them (Kafka's DescribeGroups shows these). */
export interface ClassicMemberBytes {
  memberId: string
  groupInstanceId?: string
  clientId: string
  clientHost: string
  /** Its metadata for the chosen protocol (before one is chosen: for its first). */
  metadata: Uint8Array
  /** The leader's bytes for it at the last sync (empty before one). */
  assignment: Uint8Array
}

export function memberBytesOf(members: readonly ClassicMember[], protocolName: string | undefined): ClassicMemberBytes[] {
  return members.map((m) => ({
    memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, metadata: m.metadata(protocolName), assignment: m.assignment,
    ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
  }))
}

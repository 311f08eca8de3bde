// How a classic group shows itself: describeGroups' view (type 'classic', Kafka's state, the chosen
// protocol as the assignor, each member with its subscription and assignment decoded when the
// protocol type is 'consumer') and the topics its consumers subscribe to, whose offsets are kept.
import type { DescribedGroup, DescribedMember, TopicPartitions } from '@faecie/protocol'
import type { ClassicGroupState } from './classic-group.js'
import type { ClassicMember } from './classic-member.js'
import { decodeConsumerAssignment, decodeConsumerSubscription } from './consumer-protocol.js'

/** Kafka's ConsumerProtocol.PROTOCOL_TYPE: members' metadata and assignments are ConsumerProtocol bytes. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer'

/** The member's subscribed topics, from its metadata for the chosen protocol (before one is chosen: each of its protocols). */
function memberTopics(member: ClassicMember, protocolName: string | undefined): string[] {
  const metadata = protocolName === undefined ? member.protocols.map((p) => p.metadata) : [member.metadata(protocolName)]
  const topics = new Set<string>()
  for (const bytes of metadata) for (const topic of decodeConsumerSubscription(bytes)?.topics ?? []) topics.add(topic)
  return [...topics]
}

export function subscribedTopicsOf(protocolType: string | undefined, protocolName: string | undefined, members: readonly ClassicMember[]): Set<string> {
  const topics = new Set<string>()
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return topics
  for (const member of members) for (const topic of memberTopics(member, protocolName)) topics.add(topic)
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
        subscribedTopicNames: consumer ? memberTopics(m, protocolName) : [],
        assignment,
        targetAssignment: assignment.map(({ topic, partitions }) => ({ topic, partitions: [...partitions] })),
      }
      if (m.groupInstanceId !== undefined) described.instanceId = m.groupInstanceId
      return described
    }),
  }
}

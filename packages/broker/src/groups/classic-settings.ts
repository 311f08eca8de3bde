// A classic group's settings (ClassicGroup, classic-group.ts) and their defaults, taken from the
// broker's group settings (config.ts `groups`: the classic* keys, memberFieldCharsMax and
// subscribedTopicNamesMax; see docs/kafka-protocol.md), and the byte count a member's protocols
// are held to (memberProtocolBytesMax; the coordinator's classicMemberBytesMax).
import { DEFAULT_GROUP_SETTINGS, type GroupSettings } from './consumer-group.js'

export interface ClassicGroupSettings {
  /** Kafka's group.initial.rebalance.delay.ms: the first rebalance of an empty group waits this long for more members (Kafka: 3000). */
  initialRebalanceDelayMs: number
  sessionTimeoutMsMin: number
  sessionTimeoutMsMax: number
  /** Members of one group; a join past it: GROUP_MAX_SIZE_REACHED. KIP-394's pending ids are held to it too. */
  membersPerGroupMax: number
  /** The bytes of one member's protocols (names and metadata together); more: INVALID_REQUEST thrown. */
  memberProtocolBytesMax: number
  /** Protocols one member may offer; more: INVALID_REQUEST thrown. */
  memberProtocolsMax: number
  /** The bytes of one member's assignment in the leader's SyncGroup; more: INVALID_REQUEST thrown. */
  memberAssignmentBytesMax: number
  /** The longest memberId, groupInstanceId, clientId, clientHost, protocolType and protocol name taken. */
  memberFieldCharsMax: number
  /**
   * Kafka's group.classic.new.member.join.timeout: a new member's held join (one not in the previous
   * generation) is answered UNKNOWN_MEMBER_ID and the member removed after this long, whatever its
   * rebalance timeout (up to 2^31-1 ms otherwise).
   */
  newMemberJoinTimeoutMs: number
  /** Topic names kept of one member's subscription (ConsumerProtocol metadata); the rest are not kept. */
  subscribedTopicNamesMax: number
}

/** A classic group's settings, from the broker's (config.ts `groups`: the classic* keys and memberFieldCharsMax). */
export function classicSettingsOf(s: GroupSettings): ClassicGroupSettings {
  return {
    initialRebalanceDelayMs: s.classicInitialRebalanceDelayMs,
    sessionTimeoutMsMin: s.classicSessionTimeoutMsMin,
    sessionTimeoutMsMax: s.classicSessionTimeoutMsMax,
    membersPerGroupMax: s.classicMembersPerGroupMax,
    memberProtocolBytesMax: s.classicMemberProtocolBytesMax,
    memberProtocolsMax: s.classicMemberProtocolsMax,
    memberAssignmentBytesMax: s.classicMemberAssignmentBytesMax,
    memberFieldCharsMax: s.memberFieldCharsMax,
    subscribedTopicNamesMax: s.subscribedTopicNamesMax,
    newMemberJoinTimeoutMs: s.classicNewMemberJoinTimeoutMs,
  }
}

export const DEFAULT_CLASSIC_GROUP_SETTINGS: ClassicGroupSettings = classicSettingsOf(DEFAULT_GROUP_SETTINGS)

/** A member's protocol names and metadata, in bytes (names counted by characters, as checkJoinRequest does). */
export function protocolBytes(protocols: ReadonlyArray<{ name: string; metadata: Uint8Array }>): number {
  let bytes = 0
  for (const p of protocols) bytes += p.name.length + p.metadata.byteLength
  return bytes
}

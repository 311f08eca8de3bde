// The group ops only Kafka's wire protocol has, served by the same coordinator as the gateway's
// group ops (GROUP_OPS in coordinator/messages.ts) but not part of faecie's WebSocket protocol: the
// classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and OffsetDelete. The Kafka
// listener's handlers (kafka/apis/classic-groups.ts) map Kafka's requests onto these and back.
//
// Answers carry Kafka's error code rather than throwing, because a classic answer with an error
// still carries fields the client needs (MEMBER_ID_REQUIRED comes with the member id to join with).
// Only a refusal of the whole coordinator (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
// COORDINATOR_NOT_AVAILABLE, INVALID_REQUEST for a malformed request) is thrown, as a FaecieError.
//
// A JoinGroup or SyncGroup answer may come long after the request (the rebalance waits for every
// member): the coordinator answers those with a Promise, which the coordinator's thread (single
// broker) and the group shard (cluster) pass on when it settles.

/** The ops of this file, by name. */
export const KAFKA_GROUP_OPS = ['joinGroup', 'syncGroup', 'classicHeartbeat', 'classicLeaveGroup', 'deleteOffsets'] as const
export type KafkaGroupOp = (typeof KAFKA_GROUP_OPS)[number]

export interface ClassicProtocol {
  /** The assignor's name (for protocolType 'consumer': 'range', 'roundrobin', 'cooperative-sticky', ...). */
  name: string
  /** Opaque to the broker (for 'consumer': a ConsumerProtocolSubscription). */
  metadata: Uint8Array
}

export interface JoinGroupRequest {
  groupId: string
  /** '' for a member's first join. */
  memberId: string
  groupInstanceId?: string
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  /** JoinGroup v0 has none: the session timeout stands in, as in Kafka. */
  rebalanceTimeoutMs: number
  protocolType: string
  protocols: ClassicProtocol[]
  /** JoinGroup v4+ (KIP-394): a first join is answered MEMBER_ID_REQUIRED with the id to join with. */
  requireKnownMemberId: boolean
  reason?: string
}

export interface JoinGroupMember {
  memberId: string
  groupInstanceId?: string
  metadata: Uint8Array
}

export interface JoinGroupResult {
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  /** KIP-814: a static leader rejoining without a change need not assign again. */
  skipAssignment: boolean
  memberId: string
  /** Every member with its metadata for the chosen protocol: for the leader only, empty for others. */
  members: JoinGroupMember[]
}

export interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId?: string
  /** SyncGroup v5+: checked against the group's when given. */
  protocolType?: string
  protocolName?: string
  /** The leader's assignment of every member; empty from the others. */
  assignments: Array<{ memberId: string; assignment: Uint8Array }>
}

export interface SyncGroupResult {
  errorCode: number
  protocolType: string | null
  protocolName: string | null
  /** This member's assignment (for 'consumer': a ConsumerProtocolAssignment). */
  assignment: Uint8Array
}

export interface ClassicHeartbeatRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId?: string
}

export interface ClassicHeartbeatResult {
  errorCode: number
}

export interface ClassicLeaveGroupRequest {
  groupId: string
  /** LeaveGroup v0-2 name one member by id; v3+ (KIP-345) a batch, by id or by instance id. */
  members: Array<{ memberId: string; groupInstanceId?: string; reason?: string }>
}

export interface ClassicLeaveGroupResult {
  /** A whole-group error (UNKNOWN_MEMBER_ID for v0-2's one member, ...); 0 when each member has its own. */
  errorCode: number
  members: Array<{ memberId: string; groupInstanceId?: string; errorCode: number }>
}

/** Kafka's OffsetDelete: removes committed offsets of partitions the group does not consume. */
export interface DeleteOffsetsRequest {
  groupId: string
  topics: Array<{ topic: string; partitions: number[] }>
}

export interface DeleteOffsetsResult {
  /** GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP... for the whole request; 0 otherwise. */
  errorCode: number
  /** GROUP_SUBSCRIBED_TO_TOPIC for a partition of a topic the group's members subscribe to. */
  topics: Array<{ topic: string; partitions: Array<{ partition: number; errorCode: number }> }>
}

export interface KafkaGroupRequests {
  joinGroup: JoinGroupRequest
  syncGroup: SyncGroupRequest
  classicHeartbeat: ClassicHeartbeatRequest
  classicLeaveGroup: ClassicLeaveGroupRequest
  deleteOffsets: DeleteOffsetsRequest
}

export interface KafkaGroupResults {
  joinGroup: JoinGroupResult
  syncGroup: SyncGroupResult
  classicHeartbeat: ClassicHeartbeatResult
  classicLeaveGroup: ClassicLeaveGroupResult
  deleteOffsets: DeleteOffsetsResult
}

export type KafkaGroupRequest<Op extends KafkaGroupOp> = KafkaGroupRequests[Op]
export type KafkaGroupResult<Op extends KafkaGroupOp> = KafkaGroupResults[Op]

// Op `describeGroups`: each group's state, epochs, assignor and members with their assignments.
// Lag is the client's to compute: fetchOffsets (committed) against listOffsets (-1, the end).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'
import type { TopicPartitions } from './heartbeat.js'

/** Empty: no members; Assigning: a new target assignment is being computed; Reconciling: members
 * are moving to it; Stable: every member has its target; Dead: deleted. A classic group (Kafka's
 * JoinGroup/SyncGroup protocol) has Kafka's classic states instead of Assigning and Reconciling:
 * PreparingRebalance (members are (re)joining) and CompletingRebalance (waiting for the leader's
 * assignment). */
export type GroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead' | 'PreparingRebalance' | 'CompletingRebalance'

/** 'consumer': faecie's own groups (the heartbeat op, and KIP-848's ConsumerGroupHeartbeat over the
 * Kafka listener); 'classic': groups of Kafka's JoinGroup/SyncGroup protocol (kcat, kafkajs,
 * librdkafka, Java's classic consumer). A group id has one type while it has members. */
export const GROUP_TYPES = ['consumer', 'classic'] as const
export type GroupType = (typeof GROUP_TYPES)[number]

export interface DescribeGroupsRequest {
  groupIds: string[]
}

export interface DescribedMember {
  memberId: string
  instanceId?: string
  clientId: string
  /** A classic group's member: the group's generation. */
  memberEpoch: number
  /** A classic member's host as the broker saw it (Kafka's clientHost). */
  clientHost?: string
  /** A classic member: decoded from its ConsumerProtocol subscription (empty for another protocol type). */
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
  /** A classic group: the protocol chosen at the last rebalance (the client-side assignor, e.g. 'range'). */
  assignor: string
  /** Absent: 'consumer' (and from brokers of before classic groups). */
  type?: GroupType
  /** A classic group: JoinGroup's protocolType ('consumer' for consumers; '' while it is unknown). */
  protocolType?: string
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

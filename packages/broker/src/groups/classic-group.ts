// CONTRACT STUB (issue 17): one classic consumer group, Kafka's JoinGroup/SyncGroup protocol with
// client-side assignors, as librdkafka, kafkajs and Java's classic consumer speak it. To be built
// (helper "classic"): the states Empty -> PreparingRebalance -> CompletingRebalance -> Stable (and
// Dead), generations, the leader, protocol choice, KIP-394 member ids, KIP-345 static members
// (a rejoin with a known instance id fences the old member id: FENCED_INSTANCE_ID), the initial
// rebalance delay, session and rebalance timeouts. Pure: no I/O, no timers, the time passed in;
// held answers are Promises resolved by a later call or tick().
import type { DescribedGroup, GroupState } from '@faecie/protocol'
import type { ClassicHeartbeatRequest, ClassicHeartbeatResult, ClassicLeaveGroupRequest, ClassicLeaveGroupResult, JoinGroupRequest,
  JoinGroupResult, SyncGroupRequest, SyncGroupResult } from './kafka-group-ops.js'

export interface ClassicGroupSettings {
  /** Kafka's group.initial.rebalance.delay.ms: the first rebalance of an empty group waits this long for more members (Kafka: 3000). */
  initialRebalanceDelayMs: number
  sessionTimeoutMsMin: number
  sessionTimeoutMsMax: number
  /** Members of one group; a join past it: GROUP_MAX_SIZE_REACHED. */
  membersPerGroupMax: number
  /** The bytes of one member's protocols (names and metadata together); more: INVALID_REQUEST thrown. */
  memberProtocolBytesMax: number
  /** Protocols one member may offer; more: INVALID_REQUEST thrown. */
  memberProtocolsMax: number
  /** The bytes of one member's assignment in the leader's SyncGroup; more: INVALID_REQUEST thrown. */
  memberAssignmentBytesMax: number
  /** The longest memberId, groupInstanceId, clientId, clientHost, protocolType and protocol name taken. */
  memberFieldCharsMax: number
}

export const DEFAULT_CLASSIC_GROUP_SETTINGS: ClassicGroupSettings = {
  initialRebalanceDelayMs: 3_000,
  sessionTimeoutMsMin: 6_000,
  sessionTimeoutMsMax: 30 * 60_000,
  membersPerGroupMax: 1_000,
  memberProtocolBytesMax: 64 * 1024,
  memberProtocolsMax: 16,
  memberAssignmentBytesMax: 1024 * 1024,
  memberFieldCharsMax: 255,
}

export type ClassicGroupState = Extract<GroupState, 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'>

export class ClassicGroup {
  readonly groupId: string

  constructor(groupId: string, settings: ClassicGroupSettings, newMemberId: (clientId: string) => string) {
    this.groupId = groupId
    void settings
    void newMemberId
  }

  get state(): ClassicGroupState { return 'Empty' }
  get generationId(): number { return 0 }
  /** undefined until the first member joined (and after the group emptied, Kafka keeps it). */
  get protocolType(): string | undefined { return undefined }
  /** The protocol chosen at the last rebalance (undefined before one). */
  get protocolName(): string | undefined { return undefined }
  get memberCount(): number { return 0 }

  /** A join: answered at once (errors, MEMBER_ID_REQUIRED) or once the join phase ends. */
  join(request: JoinGroupRequest, nowMs: number): JoinGroupResult | Promise<JoinGroupResult> { void request; void nowMs; throw new Error('not built') }
  /** A sync: the leader's carries the assignment; others wait for it (or get it at once when Stable). */
  sync(request: SyncGroupRequest, nowMs: number): SyncGroupResult | Promise<SyncGroupResult> { void request; void nowMs; throw new Error('not built') }
  heartbeat(request: ClassicHeartbeatRequest, nowMs: number): ClassicHeartbeatResult { void request; void nowMs; throw new Error('not built') }
  leave(request: ClassicLeaveGroupRequest, nowMs: number): ClassicLeaveGroupResult { void request; void nowMs; throw new Error('not built') }

  /** Expires sessions, ends join phases whose rebalance timeout or initial delay passed, answering held requests. */
  tick(nowMs: number): void { void nowMs }

  /**
   * May this member commit offsets (OffsetCommit with a generation)? 0, or Kafka's error:
   * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS (CompletingRebalance), FENCED_INSTANCE_ID.
   */
  checkCommit(memberId: string, generationId: number, groupInstanceId: string | undefined): number { void memberId; void generationId; void groupInstanceId; return 0 }

  /** Topics the members subscribe to (decoded from 'consumer' protocol metadata): offsets of these are not expired nor deleted by OffsetDelete. */
  subscribedTopics(): Set<string> { return new Set() }

  /** For describeGroups: type 'classic', Kafka's state, the protocol as assignor, members with decoded subscriptions and assignments. */
  describe(): DescribedGroup { throw new Error('not built') }

  /** The group is deleted or its coordinator goes: every held answer gets this error code, and the group is Dead. */
  shutdown(errorCode: number): void { void errorCode }
}

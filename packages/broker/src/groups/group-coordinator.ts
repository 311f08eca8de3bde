// The consumer groups of one broker: their membership (ConsumerGroup), their committed offsets
// (group-offsets.ts), and the op logic of heartbeat, leaveGroup, commitOffsets, fetchOffsets,
// describeGroups, listGroups, deleteGroup and alterGroupOffsets, and offset retention (expired
// offsets tombstoned, dead groups deleted). It runs inside the coordinator actor (one call at a time) and
// does no I/O of its own: the host makes records durable (group records in the metadata log,
// offsets in `__consumer_offsets`) before the change is applied here, and gives the time, so tests
// drive it with a fake clock and no threads.
//
// Classic groups (Kafka's JoinGroup protocol) live beside the consumer groups, in one id space and
// one offset store (classic-groups.ts; their Kafka-only ops come through kafkaGroup()). A group id
// has one type while it has members: a classic join to a consumer group with members is refused
// (INCONSISTENT_GROUP_PROTOCOL), as is a heartbeat to a classic group with members (GROUP_ID_NOT_FOUND,
// Kafka's answer with group.consumer.migration.policy=disabled); an empty group of the other type is
// taken over, its offsets kept. A classic join or sync may answer with a Promise (held until the
// rebalance phase ends), which the host passes on when it settles.
import { strict as assert } from 'node:assert'
import { randomUUID } from 'node:crypto'
import {
  ErrorCode, FaecieError, type AlterGroupOffsetsRequest, type CommitOffsetsRequest, type CommitOffsetsResponse,
  type DescribedGroup, type DescribeGroupsRequest, type DescribeGroupsResponse, type FetchOffsetsRequest, type FetchOffsetsResponse,
  type HeartbeatRequest, type HeartbeatResponse, type LeaveGroupRequest, type LeaveGroupResponse, type ListedGroup, type ListGroupsRequest,
  type ListGroupsResponse, type ServerAssignor,
} from '@faecie/protocol'
import type { Logger } from '../log.js'
import { emptyAssignment, subtract } from './assignment.js'
import { ConsumerGroup, DEFAULT_GROUP_SETTINGS, type GroupSettings, type GroupTopics } from './consumer-group.js'
import type { GroupRecord, OffsetRecord } from './offset-records.js'
import type { RetainedGroup } from './offset-retention.js'
import { checkConsumerCommit, GroupOffsets, unknownMember } from './group-offsets.js'
import { admitConsumerJoin, checkGroupId, checkMemberFields, describeConsumerGroup, listedConsumerGroup } from './group-requests.js'
import { GroupLimits } from './group-limits.js'
import { classicSettingsOf, type ClassicGroupSettings } from './classic-group.js'
import { ClassicGroups, type ConsumerGroupsSide } from './classic-groups.js'
import { deleteOffsets } from './delete-offsets.js'
import type { DeleteOffsetsRequest, DeleteOffsetsResult, KafkaGroupOp, KafkaGroupRequest, KafkaGroupResult } from './kafka-group-ops.js'

export type { GroupRecord } from './offset-records.js'

export interface GroupHost {
  clock(): number
  topics: GroupTopics
  /** Makes the offset records durable (one write, one fsync) before returning. */
  appendOffsets(records: OffsetRecord[]): void
  /** Makes group records durable (in `__consumer_offsets`, after the offset records before them; one fsync) before returning. */
  recordGroups(records: readonly GroupRecord[]): void
  logger: Logger
  newMemberId?(): string
}


export class GroupCoordinator {
  readonly #host: GroupHost
  readonly #settings: GroupSettings
  readonly #groups = new Map<string, ConsumerGroup>()
  readonly #classic: ClassicGroups
  readonly #consumerSide: ConsumerGroupsSide
  readonly #offsets: GroupOffsets
  readonly #limits: GroupLimits
  /** Members of all consumer groups (GroupLimits' membersMax counts them with the classic ones). */
  #consumerMembers = 0

  readonly #startedMs: number
  #nextRetentionCheckMs: number

  constructor(host: GroupHost, settings: Partial<GroupSettings> = {}, classicSettings: Partial<ClassicGroupSettings> = {}) {
    this.#host = host
    this.#settings = { ...DEFAULT_GROUP_SETTINGS, ...settings }
    // The classic settings are the broker's classic* keys (config.ts); `classicSettings` overrides them (tests).
    this.#limits = new GroupLimits(this.#settings, {
      groups: () => this.groupCount,
      members: () => this.#consumerMembers + this.#classic.memberTotal,
      classicMemberBytes: () => this.#classic.bytesTotal,
    })
    this.#classic = new ClassicGroups(host, { ...classicSettingsOf(this.#settings), ...classicSettings }, this.#limits)
    this.#offsets = new GroupOffsets(host)
    this.#consumerSide = {
      membersOf: (groupId) => this.#groups.get(groupId)?.members.size,
      checkNotHolding: (groupId, what) => this.#checkNotHolding(this.#groups.get(groupId)!, what),
      drop: (groupId) => { this.#forgetConsumerGroup(groupId) },
    }
    assert(this.#settings.offsetsRetentionMs > 0 && this.#settings.offsetsRetentionCheckIntervalMs > 0,
      `offset retention ${this.#settings.offsetsRetentionMs} ms, checked every ${this.#settings.offsetsRetentionCheckIntervalMs} ms: both must be positive`)
    this.#startedMs = host.clock()
    this.#nextRetentionCheckMs = this.#startedMs + this.#settings.offsetsRetentionCheckIntervalMs
  }

  // ---- replay -------------------------------------------------------------------------------

  /**
   * A group record, read back from the metadata log (`replayed`: its members of before the start
   * may still be consuming, so it hands out nothing for startupAssignmentDelayMs) or just written.
   */
  applyGroupRecord(record: GroupRecord, replayed = true): void {
    if (record.type === 'group' && record.groupType === 'classic') {
      this.#forgetConsumerGroup(record.groupId)
      this.#classic.apply(record, replayed)
    } else if (record.type === 'group') {
      this.#classic.remove(record.groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
      const group = new ConsumerGroup(record.groupId, record.assignor)
      group.replayed = replayed
      if (replayed) group.holdAssignmentsUntilMs = this.#startedMs + this.#settings.startupAssignmentDelayMs
      else group.emptySinceMs = this.#host.clock()
      this.#forgetConsumerGroup(record.groupId)
      this.#groups.set(record.groupId, group)
    } else {
      this.#classic.remove(record.groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
      this.#forgetConsumerGroup(record.groupId)
      this.#offsets.forget(record.groupId)
    }
  }

  /** An offset record read back from `__consumer_offsets` (or just written). */
  applyOffsetRecord(record: OffsetRecord): void {
    this.#offsets.apply(record)
  }

  /**
   * The replay is over and this coordinator answers from now on (a cluster shard gone active, whose
   * load may have taken long): every replayed group holds its partitions back, and takes its members
   * of before back, for startupAssignmentDelayMs from now rather than from the construction.
   */
  beginReadmission(): void {
    const until = this.#host.clock() + this.#settings.startupAssignmentDelayMs
    for (const group of this.#groups.values()) if (group.replayed) group.holdAssignmentsUntilMs = until
  }

  has(groupId: string): boolean {
    return this.#groups.has(groupId) || this.#classic.get(groupId) !== undefined
  }

  get groupCount(): number {
    return this.#groups.size + this.#classic.size
  }

  // ---- ops ----------------------------------------------------------------------------------

  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    checkGroupId(request.groupId)
    checkMemberFields(request, this.#settings)
    let group = this.#groups.get(request.groupId)
    const classic = this.#classic.get(request.groupId)
    admitConsumerJoin(request, group, classic, this.#limits)
    if (group === undefined) {
      if (request.memberEpoch !== 0) throw unknownMember(request.groupId, request.memberId)
      // An empty classic group is taken over: the consumer group's record replaces it, its offsets stay.
      if (classic !== undefined) this.#classic.remove(request.groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
      group = this.#create(request.groupId, request.serverAssignor)
    }
    const now = this.#host.clock()
    const membersBefore = group.members.size
    const ownedBefore = group.members.get(request.memberId)?.owned ?? emptyAssignment()
    let response: HeartbeatResponse
    try {
      response = group.heartbeat(request, now, this.#settings, this.#host.topics, () => this.#host.newMemberId?.() ?? randomUUID(),
        (topic, partition) => this.#offsets.committerOf(request.groupId, topic, partition))
    } finally {
      this.#noteMembership(group, membersBefore, now)
    }
    this.#offsets.restampTakenOver(group.groupId, response.memberId, subtract(group.members.get(response.memberId)?.owned ?? emptyAssignment(), ownedBefore))
    this.#host.logger.debug({ groupId: group.groupId, memberId: response.memberId, memberEpoch: response.memberEpoch,
      assignment: response.assignment }, 'heartbeat')
    return response
  }

  leaveGroup(request: LeaveGroupRequest): LeaveGroupResponse {
    const group = this.#groups.get(request.groupId)
    if (group === undefined) throw unknownMember(request.groupId, request.memberId)
    const membersBefore = group.members.size
    const { memberId, memberEpoch } = group.leave(request.memberId, request.memberEpoch ?? -1, this.#host.topics)
    this.#noteMembership(group, membersBefore, this.#host.clock())
    this.#host.logger.info({ groupId: group.groupId, memberId, memberEpoch }, 'member left')
    return { memberId, memberEpoch }
  }

  commitOffsets(request: CommitOffsetsRequest): CommitOffsetsResponse {
    checkGroupId(request.groupId)
    if (this.#classic.get(request.groupId) !== undefined) {
      this.#classic.checkCommit(request.groupId, request.memberId, request.memberEpoch, request.groupInstanceId)
      return this.#writeOffsets(request.groupId, request.topics, undefined, request.memberId)
    }
    const refuse = checkConsumerCommit(this.#groups.get(request.groupId), request)
    return this.#writeOffsets(request.groupId, request.topics, refuse, request.memberId)
  }

  alterGroupOffsets(request: AlterGroupOffsetsRequest): CommitOffsetsResponse {
    checkGroupId(request.groupId)
    const classic = this.#classic.get(request.groupId)
    if (classic !== undefined && classic.memberCount > 0) {
      throw new FaecieError(ErrorCode.NON_EMPTY_GROUP, `Classic group ${request.groupId} has ${classic.memberCount} members: stop them first.`)
    }
    const group = this.#groups.get(request.groupId)
    if (group !== undefined && group.members.size > 0) {
      throw new FaecieError(ErrorCode.NON_EMPTY_GROUP, `Group ${request.groupId} has ${group.members.size} members: stop them first.`)
    }
    if (group !== undefined) this.#checkNotHolding(group, 'its offsets cannot be altered')
    return this.#writeOffsets(request.groupId, request.topics)
  }

  fetchOffsets(request: FetchOffsetsRequest): FetchOffsetsResponse {
    return this.#offsets.fetch(request)
  }

  describeGroups(request: DescribeGroupsRequest): DescribeGroupsResponse {
    return {
      groups: request.groupIds.map((groupId): DescribedGroup => {
        const group = this.#groups.get(groupId)
        if (group === undefined && this.#classic.get(groupId) !== undefined) return this.#classic.describe(groupId)
        return describeConsumerGroup(groupId, group)
      }),
    }
  }

  listGroups(request: ListGroupsRequest): ListGroupsResponse {
    const groups = [...this.#groups.values()]
      .map(listedConsumerGroup)
      .concat(this.#classic.list())
      .filter((g) => request.states === undefined || request.states.some((s) => s.toLowerCase() === g.state.toLowerCase()))
      .filter((g) => request.types === undefined || request.types.includes(g.type ?? 'consumer'))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
    return { groups }
  }

  deleteGroup(groupId: string): { groupId: string } {
    const group = this.#groups.get(groupId)
    const classic = this.#classic.get(groupId)
    if (group === undefined && classic === undefined) throw new FaecieError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} does not exist.`)
    const members = group?.members.size ?? classic!.memberCount
    if (members > 0) throw new FaecieError(ErrorCode.NON_EMPTY_GROUP, `Group ${groupId} has ${members} members.`)
    if (group !== undefined) this.#checkNotHolding(group, 'it cannot be deleted')
    const tombstones = this.#offsets.tombstonesOfGroup(groupId)
    if (tombstones.length > 0) this.#host.appendOffsets(tombstones)
    this.#host.recordGroups([{ type: 'groupDeleted', groupId }])
    if (group !== undefined) group.dead = true
    this.applyGroupRecord({ type: 'groupDeleted', groupId }, false)
    this.#host.logger.info({ groupId, offsets: tombstones.length }, 'group deleted')
    return { groupId }
  }

  // ---- Kafka's classic protocol and OffsetDelete (kafka-group-ops.ts) ------------------------

  /** A group op only Kafka's protocol has; a join or sync may be answered later (a Promise). */
  kafkaGroup<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): KafkaGroupResult<Op> | Promise<KafkaGroupResult<Op>> {
    checkGroupId(request.groupId)
    if (request.groupId === '') throw new FaecieError(ErrorCode.INVALID_GROUP_ID, 'A group id is not empty.')
    switch (op) {
      case 'joinGroup': return this.#classic.join(request as KafkaGroupRequest<'joinGroup'>, this.#consumerSide) as KafkaGroupResult<Op>
      case 'syncGroup': return this.#classic.sync(request as KafkaGroupRequest<'syncGroup'>) as KafkaGroupResult<Op>
      case 'classicHeartbeat': return this.#classic.heartbeat(request as KafkaGroupRequest<'classicHeartbeat'>) as KafkaGroupResult<Op>
      case 'classicLeaveGroup': return this.#classic.leave(request as KafkaGroupRequest<'classicLeaveGroup'>) as KafkaGroupResult<Op>
      case 'deleteOffsets': return this.#deleteOffsets(request as KafkaGroupRequest<'deleteOffsets'>) as KafkaGroupResult<Op>
    }
    throw new FaecieError(ErrorCode.INVALID_REQUEST, `${String(op)} is not a Kafka group op.`)
  }

  /** The coordinator goes (shard closed, thread closing): every held classic answer gets `errorCode`. */
  shutdownClassicGroups(errorCode: number): void {
    this.#classic.shutdownAll(errorCode)
  }

  #deleteOffsets(request: DeleteOffsetsRequest): DeleteOffsetsResult {
    const consumer = this.#groups.get(request.groupId)
    const classic = this.#classic.get(request.groupId)
    const group = consumer !== undefined ? { retained: consumer, classicOfOtherProtocol: false }
      : classic !== undefined ? { retained: this.#classic.retained(request.groupId), classicOfOtherProtocol: this.#classic.protocolTypeOf(request.groupId) !== 'consumer' }
        : undefined
    if (consumer !== undefined) this.#checkNotHolding(consumer, 'its offsets cannot be deleted')
    const { result, tombstones } = deleteOffsets(request, group, this.#offsets.of(request.groupId))
    this.#offsets.append(tombstones)
    return result
  }

  // ---- topics and time ----------------------------------------------------------------------

  /** A topic was created, grown or deleted: groups subscribed to it rebalance. */
  onTopicChanged(topic: string, deleted: boolean): void {
    if (deleted) this.#offsets.append(this.#offsets.tombstonesOfTopic(topic))
    for (const group of this.#groups.values()) group.refreshMetadata(this.#host.topics)
  }

  /**
   * Expires members whose session or rebalance timeout ran out; every offsetsRetentionCheckIntervalMs,
   * expired offsets and dead groups too (expireOffsets).
   */
  tick(): void {
    const now = this.#host.clock()
    for (const group of this.#groups.values()) {
      const membersBefore = group.members.size
      const gone = group.expire(now, this.#host.topics)
      this.#noteMembership(group, membersBefore, now)
      if (gone.length > 0) this.#host.logger.info({ groupId: group.groupId, members: gone, groupEpoch: group.groupEpoch }, 'members expired')
    }
    this.#classic.tick()
    if (now >= this.#nextRetentionCheckMs) this.expireOffsets()
  }

  /**
   * Offset retention (offset-retention.ts): tombstones every expired offset, then deletes every
   * empty group with no offset left (its deletion recorded after its tombstones are durable, as
   * deleteGroup does), so a replay brings neither back.
   */
  expireOffsets(): { offsets: number; groups: number } {
    const now = this.#host.clock()
    this.#nextRetentionCheckMs = now + this.#settings.offsetsRetentionCheckIntervalMs
    const retained: Array<readonly [string, RetainedGroup]> = [
      ...[...this.#groups.values()].map((g) => [g.groupId, g] as const),
      ...this.#classic.ids().map((groupId) => [groupId, this.#classic.retained(groupId)] as const),
    ]
    const { tombstones, dead } = this.#offsets.expire(retained, now, this.#settings.offsetsRetentionMs)
    if (dead.length > 0) this.#host.recordGroups(dead)
    for (const record of dead) {
      const group = this.#groups.get(record.groupId)
      if (group !== undefined) group.dead = true
      this.applyGroupRecord(record, false)
    }
    if (tombstones.length > 0 || dead.length > 0) {
      this.#host.logger.info({ offsets: tombstones.length, groups: dead.length, deletedGroups: dead.slice(0, 20).map((r) => r.groupId),
        retentionMs: this.#settings.offsetsRetentionMs }, 'expired offsets and groups removed')
    }
    return { offsets: tombstones.length, groups: dead.length }
  }

  // ---- internals ----------------------------------------------------------------------------

  #create(groupId: string, assignor: ServerAssignor | undefined): ConsumerGroup {
    const record: GroupRecord = { type: 'group', groupId, ...(assignor === undefined ? {} : { assignor }) }
    this.#host.recordGroups([record])
    this.applyGroupRecord(record, false)
    this.#host.logger.info({ groupId }, 'group created')
    return this.#groups.get(groupId)!
  }

  /**
   * A replayed group in its hold window looks empty but its members of before may still be
   * consuming (membership is not durable): an admin change waits for the window to pass.
   */
  #checkNotHolding(group: ConsumerGroup, what: string): void {
    const now = this.#host.clock()
    if (now >= group.holdAssignmentsUntilMs) return
    throw new FaecieError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      `Group ${group.groupId} was loaded by a new coordinator; its members of before may still be consuming and come back for ` +
      `${group.holdAssignmentsUntilMs - now} ms more (startupAssignmentDelayMs): ${what} until then. Retry.`)
  }

  /** Writes the offsets of existing partitions that `refuse` (if given) has no error for, as committed by `memberId` (if any). */
  #writeOffsets(groupId: string, topics: CommitOffsetsRequest['topics'],
    refuse?: (topic: string, partition: number) => FaecieError | undefined, memberId?: string): CommitOffsetsResponse {
    return this.#offsets.write(groupId, topics, () => {
      if (this.has(groupId)) return
      this.#limits.checkNewGroup(groupId)
      this.#create(groupId, undefined)
    }, refuse, memberId)
  }

  /** Keeps the group's emptiness time (offset retention counts from it) and the member total as members come and go. */
  #noteMembership(group: ConsumerGroup, membersBefore: number, nowMs: number): void {
    this.#consumerMembers += group.members.size - membersBefore
    if (group.members.size > 0) group.emptySinceMs = undefined
    else if (membersBefore > 0) group.emptySinceMs = nowMs
  }

  /** The consumer group goes from memory (replaced, taken over or deleted): its members leave the total. */
  #forgetConsumerGroup(groupId: string): void {
    this.#consumerMembers -= this.#groups.get(groupId)?.members.size ?? 0
    this.#groups.delete(groupId)
  }
}

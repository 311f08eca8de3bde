// The consumer groups of one broker: their membership (ConsumerGroup), their committed offsets, and
// the op logic of heartbeat, leaveGroup, commitOffsets, fetchOffsets, describeGroups, listGroups,
// deleteGroup and alterGroupOffsets, and offset retention (offset-retention.ts: expired offsets
// tombstoned, dead groups deleted). It runs inside the coordinator actor (one call at a time) and
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
  ErrorCode, FaecieError, type AlterGroupOffsetsRequest, type CommitOffsetsRequest, type CommitOffsetsResponse, type CommitOffsetsTopicSpec,
  type DescribedGroup, type DescribeGroupsRequest, type DescribeGroupsResponse, type FetchOffsetsPartitionResult,
  type FetchOffsetsRequest, type FetchOffsetsResponse, type FetchOffsetsTopicResult, type HeartbeatRequest, type HeartbeatResponse,
  type LeaveGroupRequest, type LeaveGroupResponse, type ListedGroup, type ListGroupsRequest, type ListGroupsResponse, type ServerAssignor,
} from '@faecie/protocol'
import type { Logger } from '../log.js'
import { TOPIC_NAME_LENGTH_MAX } from '../topics/names.js'
import { emptyAssignment, has, pairsOf, subtract, toWire, type Assignment } from './assignment.js'
import { ConsumerGroup, DEFAULT_GROUP_SETTINGS, type GroupSettings, type GroupTopics } from './consumer-group.js'
import { offsetKey, splitOffsetKey, type CommittedOffset, type GroupRecord, type OffsetRecord } from './offset-records.js'
import { expiredOffsets, type RetainedGroup } from './offset-retention.js'
import type { ClassicGroupSettings } from './classic-group.js'
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

const GROUP_ID_CHARS_MAX = 255
/** Tombstones per batch of `__consumer_offsets` written by one retention check. */
const EXPIRED_OFFSETS_PER_BATCH = 1_000

export class GroupCoordinator {
  readonly #host: GroupHost
  readonly #settings: GroupSettings
  readonly #groups = new Map<string, ConsumerGroup>()
  readonly #classic: ClassicGroups
  readonly #consumerSide: ConsumerGroupsSide
  /** groupId -> "topic\0partition" -> offset. */
  readonly #offsets = new Map<string, Map<string, CommittedOffset>>()

  readonly #startedMs: number
  #nextRetentionCheckMs: number

  constructor(host: GroupHost, settings: Partial<GroupSettings> = {}, classicSettings: Partial<ClassicGroupSettings> = {}) {
    this.#host = host
    this.#settings = { ...DEFAULT_GROUP_SETTINGS, ...settings }
    this.#classic = new ClassicGroups(host, classicSettings)
    this.#consumerSide = {
      membersOf: (groupId) => this.#groups.get(groupId)?.members.size,
      checkNotHolding: (groupId, what) => this.#checkNotHolding(this.#groups.get(groupId)!, what),
      drop: (groupId) => { this.#groups.delete(groupId) },
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
      this.#groups.delete(record.groupId)
      this.#classic.apply(record, replayed)
    } else if (record.type === 'group') {
      this.#classic.remove(record.groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
      const group = new ConsumerGroup(record.groupId, record.assignor)
      group.replayed = replayed
      if (replayed) group.holdAssignmentsUntilMs = this.#startedMs + this.#settings.startupAssignmentDelayMs
      else group.emptySinceMs = this.#host.clock()
      this.#groups.set(record.groupId, group)
    } else {
      this.#classic.remove(record.groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
      this.#groups.delete(record.groupId)
      this.#offsets.delete(record.groupId)
    }
  }

  /** An offset record read back from `__consumer_offsets` (or just written). */
  applyOffsetRecord(record: OffsetRecord): void {
    let offsets = this.#offsets.get(record.groupId)
    const key = offsetKey(record.topic, record.partition)
    if (record.value === null) {
      offsets?.delete(key)
      if (offsets?.size === 0) this.#offsets.delete(record.groupId)
      return
    }
    if (offsets === undefined) this.#offsets.set(record.groupId, (offsets = new Map()))
    offsets.set(key, record.value)
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
    if (classic !== undefined && classic.memberCount > 0) {
      throw new FaecieError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} is a classic group (Kafka's JoinGroup protocol) with ` +
        `${classic.memberCount} members: a consumer-protocol member cannot join it until it is empty (no online upgrade, as Kafka with ` +
        'group.consumer.migration.policy=disabled).')
    }
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
        (topic, partition) => this.#committerOf(request.groupId, topic, partition))
    } finally {
      noteMembership(group, membersBefore, now)
    }
    this.#restampTakenOver(group.groupId, response.memberId, subtract(group.members.get(response.memberId)?.owned ?? emptyAssignment(), ownedBefore))
    this.#host.logger.debug({ groupId: group.groupId, memberId: response.memberId, memberEpoch: response.memberEpoch,
      assignment: response.assignment }, 'heartbeat')
    return response
  }

  leaveGroup(request: LeaveGroupRequest): LeaveGroupResponse {
    const group = this.#groups.get(request.groupId)
    if (group === undefined) throw unknownMember(request.groupId, request.memberId)
    const membersBefore = group.members.size
    const { memberId, memberEpoch } = group.leave(request.memberId, request.memberEpoch ?? -1, this.#host.topics)
    noteMembership(group, membersBefore, this.#host.clock())
    this.#host.logger.info({ groupId: group.groupId, memberId, memberEpoch }, 'member left')
    return { memberId, memberEpoch }
  }

  commitOffsets(request: CommitOffsetsRequest): CommitOffsetsResponse {
    checkGroupId(request.groupId)
    if (this.#classic.get(request.groupId) !== undefined) {
      this.#classic.checkCommit(request.groupId, request.memberId, request.memberEpoch)
      return this.#writeOffsets(request.groupId, request.topics, undefined, request.memberId)
    }
    const group = this.#groups.get(request.groupId)
    let refuse: ((topic: string, partition: number) => FaecieError | undefined) | undefined
    if (request.memberId !== undefined) {
      const member = group?.members.get(request.memberId)
      if (group === undefined || member === undefined) throw unknownMember(request.groupId, request.memberId)
      const epoch = request.memberEpoch ?? -1
      if (epoch < member.memberEpoch) {
        throw new FaecieError(ErrorCode.STALE_MEMBER_EPOCH, `Commit from epoch ${epoch} of member ${member.memberId}; its epoch is ${member.memberEpoch}.`)
      }
      if (epoch > member.memberEpoch) {
        throw new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH, `Commit from epoch ${epoch} of member ${member.memberId}; its epoch is ${member.memberEpoch}.`)
      }
      // A member commits only what it owns at its epoch (including what it is revoking): a stale
      // commit for a partition that has moved on must not rewind its new owner's offset.
      refuse = (topic, partition) => has(member.owned, topic, partition) ? undefined
        : new FaecieError(ErrorCode.STALE_MEMBER_EPOCH, `Member ${member.memberId} does not own ${topic}-${partition} at epoch ${epoch}.`)
    } else if (group !== undefined && group.members.size > 0) {
      throw new FaecieError(ErrorCode.UNKNOWN_MEMBER_ID,
        `Group ${request.groupId} has members: commit with a memberId and memberEpoch (a commit without one is for groups with no members).`)
    }
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
    const offsets = this.#offsets.get(request.groupId) ?? new Map<string, CommittedOffset>()
    const partitionResult = (topic: string, partition: number): FetchOffsetsPartitionResult => {
      const meta = this.#host.topics.topic(topic)
      if (meta === undefined || partition >= meta.partitions) {
        return { partition, offset: -1, metadata: '', commitTimestamp: -1, error: unknownPartition(topic, partition).toWire() }
      }
      const committed = offsets.get(offsetKey(topic, partition))
      if (committed === undefined || committed.topicId !== meta.topicId) return { partition, offset: -1, metadata: '', commitTimestamp: -1 }
      return { partition, offset: committed.offset, metadata: committed.metadata, commitTimestamp: committed.commitTimestamp }
    }
    if (request.topics === undefined) {
      const byTopic = new Map<string, number[]>()
      for (const key of offsets.keys()) {
        const [topic, partition] = splitOffsetKey(key)
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition])
      }
      const topics = [...byTopic.keys()].sort().map((topic) => ({
        topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b).map((p) => partitionResult(topic, p)),
      }))
      return { groupId: request.groupId, topics }
    }
    const topics = request.topics.map((spec): FetchOffsetsTopicResult => {
      if (spec.partitions !== undefined) return { topic: spec.topic, partitions: spec.partitions.map((p) => partitionResult(spec.topic, p)) }
      const meta = this.#host.topics.topic(spec.topic)
      if (meta === undefined) return { topic: spec.topic, partitions: [], error: unknownPartition(spec.topic).toWire() }
      return { topic: spec.topic, partitions: Array.from({ length: meta.partitions }, (_, p) => partitionResult(spec.topic, p)) }
    })
    return { groupId: request.groupId, topics }
  }

  describeGroups(request: DescribeGroupsRequest): DescribeGroupsResponse {
    return { groups: request.groupIds.map((groupId) => this.#describe(groupId)) }
  }

  listGroups(request: ListGroupsRequest): ListGroupsResponse {
    const groups = [...this.#groups.values()]
      .map((g): ListedGroup => ({ groupId: g.groupId, state: g.state, groupEpoch: g.groupEpoch, members: g.members.size }))
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
    const tombstones = [...(this.#offsets.get(groupId)?.keys() ?? [])].map((key): OffsetRecord => {
      const [topic, partition] = splitOffsetKey(key)
      return { groupId, topic, partition, value: null }
    })
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
    const { result, tombstones } = deleteOffsets(request, group, this.#offsets.get(request.groupId))
    if (tombstones.length > 0) {
      this.#host.appendOffsets(tombstones)
      for (const r of tombstones) this.applyOffsetRecord(r)
    }
    return result
  }

  // ---- topics and time ----------------------------------------------------------------------

  /** A topic was created, grown or deleted: groups subscribed to it rebalance. */
  onTopicChanged(topic: string, deleted: boolean): void {
    if (deleted) {
      const tombstones: OffsetRecord[] = []
      for (const [groupId, offsets] of this.#offsets) {
        for (const key of offsets.keys()) {
          const [t, partition] = splitOffsetKey(key)
          if (t === topic) tombstones.push({ groupId, topic, partition, value: null })
        }
      }
      if (tombstones.length > 0) {
        this.#host.appendOffsets(tombstones)
        for (const r of tombstones) this.applyOffsetRecord(r)
      }
    }
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
      noteMembership(group, membersBefore, now)
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
    const tombstones: OffsetRecord[] = []
    const dead: GroupRecord[] = []
    const retained: Array<readonly [string, RetainedGroup]> = [
      ...[...this.#groups.values()].map((g) => [g.groupId, g] as const),
      ...this.#classic.ids().map((groupId) => [groupId, this.#classic.retained(groupId)] as const),
    ]
    for (const [groupId, group] of retained) {
      const verdict = expiredOffsets(group, this.#offsets.get(groupId), now, this.#settings.offsetsRetentionMs)
      for (const key of verdict.expiredKeys) {
        const [topic, partition] = splitOffsetKey(key)
        tombstones.push({ groupId, topic, partition, value: null })
      }
      if (verdict.dead) dead.push({ type: 'groupDeleted', groupId })
    }
    for (let i = 0; i < tombstones.length; i += EXPIRED_OFFSETS_PER_BATCH) {
      this.#host.appendOffsets(tombstones.slice(i, i + EXPIRED_OFFSETS_PER_BATCH))
    }
    for (const r of tombstones) this.applyOffsetRecord(r)
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

  /**
   * Partitions a member has just taken up whose latest offset another member committed: the same
   * offset is written again as committed by this member (its commit time kept, so retention is
   * unchanged). After a coordinator move, a returning member's claim is refused where another
   * member committed last (consumer-group.ts #readmit); without this, a member that took a partition
   * over and had nothing new to commit there would be refused it at every move.
   */
  #restampTakenOver(groupId: string, memberId: string, taken: Assignment): void {
    const records: OffsetRecord[] = []
    for (const [topic, partition] of pairsOf(taken)) {
      const committed = this.#offsets.get(groupId)?.get(offsetKey(topic, partition))
      const committer = this.#committerOf(groupId, topic, partition)
      if (committed === undefined || committer === undefined || committer === memberId) continue
      records.push({ groupId, topic, partition, value: { ...committed, memberId } })
    }
    if (records.length === 0) return
    this.#host.appendOffsets(records)
    for (const r of records) this.applyOffsetRecord(r)
  }

  /** The member that committed the group's latest offset of a partition (of the topic as it is now), if known. */
  #committerOf(groupId: string, topic: string, partition: number): string | undefined {
    const committed = this.#offsets.get(groupId)?.get(offsetKey(topic, partition))
    if (committed === undefined || committed.topicId !== this.#host.topics.topic(topic)?.topicId) return undefined
    return committed.memberId
  }

  /** Writes the offsets of existing partitions that `refuse` (if given) has no error for, as committed by `memberId` (if any). */
  #writeOffsets(groupId: string, topics: CommitOffsetsTopicSpec[],
    refuse?: (topic: string, partition: number) => FaecieError | undefined, memberId?: string): CommitOffsetsResponse {
    const now = this.#host.clock()
    const records: OffsetRecord[] = []
    const answer: CommitOffsetsResponse = {
      topics: topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const meta = this.#host.topics.topic(t.topic)
          if (meta === undefined || p.partition >= meta.partitions) return { partition: p.partition, error: unknownPartition(t.topic, p.partition).toWire() }
          const refused = refuse?.(t.topic, p.partition)
          if (refused !== undefined) return { partition: p.partition, error: refused.toWire() }
          records.push({ groupId, topic: t.topic, partition: p.partition, value: { offset: p.offset, metadata: p.metadata ?? '', commitTimestamp: now, topicId: meta.topicId,
            ...(memberId === undefined ? {} : { memberId }) } })
          return { partition: p.partition }
        }),
      })),
    }
    if (records.length === 0) return answer
    if (!this.#groups.has(groupId)) this.#create(groupId, undefined)
    this.#host.appendOffsets(records)
    for (const r of records) this.applyOffsetRecord(r)
    return answer
  }

  #describe(groupId: string): DescribedGroup {
    const group = this.#groups.get(groupId)
    if (group === undefined && this.#classic.get(groupId) !== undefined) return this.#classic.describe(groupId)
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
}

/** Keeps the group's emptiness time (offset retention counts from it) as members come and go. */
function noteMembership(group: ConsumerGroup, membersBefore: number, nowMs: number): void {
  if (group.members.size > 0) group.emptySinceMs = undefined
  else if (membersBefore > 0) group.emptySinceMs = nowMs
}

function checkGroupId(groupId: string): void {
  if (groupId.length > GROUP_ID_CHARS_MAX) throw new FaecieError(ErrorCode.INVALID_GROUP_ID, `A group id has at most ${GROUP_ID_CHARS_MAX} characters.`)
}

/**
 * What a member gives that the coordinator keeps while it lives (up to sessionTimeoutMsMax): each
 * bounded, so a frame-sized string or list per join cannot pile up. A subscribed name longer than
 * any topic's can never match one.
 */
function checkMemberFields(request: HeartbeatRequest, settings: GroupSettings): void {
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

function unknownMember(groupId: string, memberId: string): FaecieError {
  return new FaecieError(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${groupId} has no member ${memberId}: join again (memberEpoch 0).`)
}

function unknownPartition(topic: string, partition?: number): FaecieError {
  const what = partition === undefined ? `Topic ${topic}` : `Partition ${topic}-${partition}`
  return new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${what} does not exist.`)
}

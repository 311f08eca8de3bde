// The classic groups of one coordinator (Kafka's JoinGroup/SyncGroup protocol, classic-group.ts),
// kept beside its consumer groups (group-coordinator.ts, which delegates the classic ops here) in
// one id space and one committed-offset store. What this file adds to ClassicGroup: the group
// records (a classic group is recorded when made or when it takes over an empty consumer group;
// its membership is not durable, so after a restart it comes back Empty with its offsets, and its
// members, answered UNKNOWN_MEMBER_ID, join again), emptiness times for offset retention, and the
// answers for a group that is not classic (UNKNOWN_MEMBER_ID, as Kafka for a group it does not know).
//
// The type rule (a group id has one type while it has members) is the coordinator's: see
// GroupCoordinator.joinGroup and heartbeat.
import { randomUUID } from 'node:crypto'
import { ErrorCode, FaecieError, type DescribedGroup, type ListedGroup } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { ClassicGroup, DEFAULT_CLASSIC_GROUP_SETTINGS, protocolBytes, type ClassicGroupSettings } from './classic-group.js'
import { checkJoinRequest } from './classic-member.js'
import type { GroupLimits } from './group-limits.js'
import type { ClassicHeartbeatRequest, ClassicHeartbeatResult, ClassicLeaveGroupRequest, ClassicLeaveGroupResult, JoinGroupRequest,
  JoinGroupResult, SyncGroupRequest, SyncGroupResult } from './kafka-group-ops.js'
import type { GroupRecord } from './offset-records.js'
import type { RetainedGroup } from './offset-retention.js'

/** The coordinator's consumer groups, as the type rule of a join needs them. */
export interface ConsumerGroupsSide {
  /** Members of the consumer group of this id; undefined when there is none. */
  membersOf(groupId: string): number | undefined
  /** Throws COORDINATOR_LOAD_IN_PROGRESS while a replayed consumer group may still get its members back. */
  checkNotHolding(groupId: string, what: string): void
  /** The (empty) consumer group is taken over by a classic one: it goes from memory, its offsets stay. */
  drop(groupId: string): void
}

export interface ClassicGroupsHost {
  clock(): number
  /** Makes group records durable before returning (GroupHost.recordGroups). */
  recordGroups(records: readonly GroupRecord[]): void
  logger: Logger
  newMemberId?(): string
}

interface Entry {
  group: ClassicGroup
  /** As recorded (a replayed group's ClassicGroup knows none until a member joins). */
  protocolType: string
  /** When it last became empty (undefined: it has members, or it was replayed empty). */
  emptySinceMs: number | undefined
  hadMembers: boolean
  /** Its members (and pending ids) and their bytes as last counted in the totals. */
  members: number
  bytes: number
}

export class ClassicGroups {
  readonly #host: ClassicGroupsHost
  readonly #settings: ClassicGroupSettings
  readonly #groups = new Map<string, Entry>()
  readonly #limits: GroupLimits | undefined
  #members = 0
  #bytes = 0

  constructor(host: ClassicGroupsHost, settings: Partial<ClassicGroupSettings> = {}, limits?: GroupLimits) {
    this.#host = host
    this.#settings = { ...DEFAULT_CLASSIC_GROUP_SETTINGS, ...settings }
    this.#limits = limits
  }

  /** Members and KIP-394 pending ids of every classic group. */
  get memberTotal(): number { return this.#members }
  /** Bytes classic members hold (protocols and assignments). */
  get bytesTotal(): number { return this.#bytes }

  get(groupId: string): ClassicGroup | undefined {
    return this.#groups.get(groupId)?.group
  }

  get size(): number {
    return this.#groups.size
  }

  ids(): string[] {
    return [...this.#groups.keys()]
  }

  /** A classic group's record, read back (replayed: empty, no emptiness time) or just written. */
  apply(record: GroupRecord, replayed: boolean): void {
    this.remove(record.groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
    const group = new ClassicGroup(record.groupId, this.#settings,
      (clientId) => `${clientId}-${this.#host.newMemberId?.() ?? randomUUID()}`)
    this.#groups.set(record.groupId, { group, protocolType: record.protocolType ?? '', emptySinceMs: replayed ? undefined : this.#host.clock(), hadMembers: false,
      members: 0, bytes: 0 })
  }

  /** Records a new classic group (or an empty group of the other type taken over), then makes it. */
  create(groupId: string, protocolType: string): ClassicGroup {
    const record: GroupRecord = { type: 'group', groupId, groupType: 'classic', protocolType }
    this.#host.recordGroups([record])
    this.apply(record, false)
    this.#host.logger.info({ groupId, protocolType }, 'classic group created')
    return this.#groups.get(groupId)!.group
  }

  /** The group goes (deleted, or replaced by a consumer group): held answers get `errorCode`. Its offsets are not touched. */
  remove(groupId: string, errorCode: number): void {
    const entry = this.#groups.get(groupId)
    if (entry === undefined) return
    entry.group.shutdown(errorCode)
    this.#members -= entry.members
    this.#bytes -= entry.bytes
    this.#groups.delete(groupId)
  }

  /** The coordinator goes: every held answer gets `errorCode` (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE). */
  shutdownAll(errorCode: number): void {
    for (const { group } of this.#groups.values()) group.shutdown(errorCode)
  }

  /**
   * A JoinGroup, with the type rule: a consumer group with members refuses it (INCONSISTENT_GROUP_PROTOCOL,
   * Kafka's answer to a join its group cannot host: faecie has no mixed groups, as Kafka's online
   * upgrade with group.consumer.migration.policy=disabled); an empty one is taken over (its offsets
   * kept); no group: a first join (member id '') makes one, a rejoin is UNKNOWN_MEMBER_ID.
   */
  join(request: JoinGroupRequest, consumers: ConsumerGroupsSide): JoinGroupResult | Promise<JoinGroupResult> {
    const { groupId } = request
    const refused = this.#refuseBeforeJoin(request)
    if (refused !== 0) return refusedJoin(request, refused)
    if (!this.#groups.has(groupId)) {
      const members = consumers.membersOf(groupId)
      if (members !== undefined && members > 0) {
        this.#host.logger.info({ groupId, members, clientId: request.clientId }, 'classic join refused: the group is a consumer group with members')
        return refusedJoin(request, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
      }
      if (members === undefined && request.memberId !== '') return refusedJoin(request, ErrorCode.UNKNOWN_MEMBER_ID)
      if (members === undefined) this.#limits?.checkNewGroup(groupId)
      if (members !== undefined) {
        consumers.checkNotHolding(groupId, 'a classic member cannot take it over')
        this.create(groupId, request.protocolType)
        consumers.drop(groupId)
      } else this.create(groupId, request.protocolType)
    }
    return this.#run(groupId, (group, now) => group.join(request, now))!
  }

  sync(request: SyncGroupRequest): SyncGroupResult | Promise<SyncGroupResult> {
    const group = this.#groups.get(request.groupId)?.group
    if (group !== undefined && request.assignments.length > 0) {
      let added = -group.assignmentBytes()
      for (const a of request.assignments) added += a.assignment.byteLength
      this.#limits?.checkClassicBytes(request.groupId, added)
    }
    return this.#run(request.groupId, (group, now) => group.sync(request, now)) ??
      { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: new Uint8Array(0) }
  }

  heartbeat(request: ClassicHeartbeatRequest): ClassicHeartbeatResult {
    return this.#run(request.groupId, (group, now) => group.heartbeat(request, now)) ?? { errorCode: ErrorCode.UNKNOWN_MEMBER_ID }
  }

  leave(request: ClassicLeaveGroupRequest): ClassicLeaveGroupResult {
    return this.#run(request.groupId, (group, now) => group.leave(request, now)) ?? {
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      members: request.members.map((m) => ({ memberId: m.memberId, ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
    }
  }

  /**
   * May this commit be written? A member commits with its generation (ClassicGroup.checkCommit); a
   * commit without a member only while the group is Empty (Kafka's "simple" commit). A static member's
   * commit names its instance id: one whose id was taken over gets FENCED_INSTANCE_ID. Throws Kafka's error.
   */
  checkCommit(groupId: string, memberId: string | undefined, generationId: number | undefined, groupInstanceId?: string): void {
    const group = this.#groups.get(groupId)!.group
    if (memberId === undefined) {
      if (group.memberCount === 0) return
      throw new FaecieError(ErrorCode.UNKNOWN_MEMBER_ID,
        `Classic group ${groupId} has ${group.memberCount} members: commit with a member id and the generation (a commit without one is for empty groups).`)
    }
    const code = group.checkCommit(memberId, generationId ?? -1, groupInstanceId)
    if (code === 0) return
    throw new FaecieError(code, `Commit of member ${memberId} at generation ${generationId ?? -1} refused by classic group ${groupId} ` +
      `(${group.state}, generation ${group.generationId}).`)
  }

  /** Expires sessions, ends join phases; emptiness times kept. */
  tick(): void {
    const now = this.#host.clock()
    for (const entry of this.#groups.values()) {
      entry.group.tick(now)
      this.#noteMembership(entry, now)
    }
  }

  /** JoinGroup's protocolType of the group ('' while unknown). */
  protocolTypeOf(groupId: string): string {
    const entry = this.#groups.get(groupId)!
    return entry.group.protocolType ?? entry.protocolType
  }

  describe(groupId: string): DescribedGroup {
    const { group, protocolType } = this.#groups.get(groupId)!
    return { ...group.describe(), type: 'classic', protocolType: group.protocolType ?? protocolType }
  }

  list(): ListedGroup[] {
    return [...this.#groups.entries()].map(([groupId, { group, protocolType }]) => ({
      groupId, state: group.state, groupEpoch: group.generationId, members: group.memberCount, type: 'classic' as const,
      protocolType: group.protocolType ?? protocolType,
    }))
  }

  /**
   * The group as offset retention and OffsetDelete see it. A group of another protocol type than
   * 'consumer' (subscriptions unknown) counts as subscribed to every topic while it has members.
   */
  retained(groupId: string): RetainedGroup {
    const entry = this.#groups.get(groupId)!
    const members = entry.group.memberCount
    const consumerProtocol = (entry.group.protocolType ?? entry.protocolType) === 'consumer'
    const topics = members > 0 && consumerProtocol ? entry.group.subscribedTopics() : undefined
    return {
      holdAssignmentsUntilMs: 0,
      members: { size: members },
      emptySinceMs: entry.emptySinceMs,
      subscribes: (topic) => members > 0 && (topics === undefined || topics.has(topic)),
    }
  }

  /**
   * What a join is refused before any group is made or recorded for it: a malformed request
   * (INVALID_REQUEST thrown), a session timeout out of bounds, no protocol (for a new group), and the
   * coordinator's limits (COORDINATOR_NOT_AVAILABLE thrown) for a new member or more bytes.
   */
  #refuseBeforeJoin(request: JoinGroupRequest): number {
    checkJoinRequest(request, this.#settings)
    if (request.sessionTimeoutMs < this.#settings.sessionTimeoutMsMin || request.sessionTimeoutMs > this.#settings.sessionTimeoutMsMax) {
      return ErrorCode.INVALID_SESSION_TIMEOUT
    }
    const group = this.#groups.get(request.groupId)?.group
    if ((group === undefined || group.memberCount === 0) && (request.protocolType === '' || request.protocols.length === 0)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL
    }
    const takesOver = request.groupInstanceId !== undefined && group?.hasInstance(request.groupInstanceId) === true
    if (request.memberId === '' && !takesOver) this.#limits?.checkNewMember(request.groupId)
    const replaced = takesOver ? 0 : group?.protocolBytesOf(request.memberId) ?? 0
    this.#limits?.checkClassicBytes(request.groupId, protocolBytes(request.protocols) - replaced)
    return 0
  }

  /** Runs a classic op on the group (undefined when there is none), keeping its emptiness time. */
  #run<T>(groupId: string, op: (group: ClassicGroup, nowMs: number) => T): T | undefined {
    const entry = this.#groups.get(groupId)
    if (entry === undefined) return undefined
    const now = this.#host.clock()
    try {
      return op(entry.group, now)
    } finally {
      this.#noteMembership(entry, now)
    }
  }

  #noteMembership(entry: Entry, nowMs: number): void {
    const held = entry.group.heldMemberCount
    const bytes = entry.group.heldBytes()
    this.#members += held - entry.members
    this.#bytes += bytes - entry.bytes
    entry.members = held
    entry.bytes = bytes
    const members = entry.group.memberCount
    if (members > 0) entry.emptySinceMs = undefined
    else if (entry.hadMembers) entry.emptySinceMs = nowMs
    entry.hadMembers = members > 0
  }
}

function refusedJoin(request: JoinGroupRequest, errorCode: number): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: request.memberId, members: [] }
}

// One classic consumer group: Kafka's JoinGroup/SyncGroup protocol with client-side assignors, as
// librdkafka, kafkajs and Java's classic consumer speak it (Kafka 4.x's GroupMetadataManager,
// classicGroupJoin/Sync/Heartbeat/Leave). The states, timers and sessions are in
// classic-rebalance.ts, the membership in classic-members.ts; this file takes the requests.
//
// - JoinGroup: a first join ('' member id) of a dynamic member on v4+ (KIP-394) is answered
//   MEMBER_ID_REQUIRED at once with its id, kept pending until it joins with it or its session ends;
//   v0-3 joins are added at once. Ids are newMemberId(groupInstanceId ?? clientId) (Kafka:
//   `${that}-${uuid}`). A join is held until its join phase ends (or answered at once when nothing
//   changes: a follower rejoining a Stable group unchanged gets the current generation back).
// - KIP-345 static members: a '' join with a known groupInstanceId takes over the old member id,
//   whose held requests are answered FENCED_INSTANCE_ID and whose later requests get it too; in a
//   Stable group whose protocol does not change it is answered at once (KIP-814: the leader gets
//   skipAssignment and need not assign again).
// - SyncGroup: the leader's assignment makes the group Stable and answers every held sync with
//   that member's bytes; a follower's sync waits for it; a sync while Stable is answered at once.
// - Held answers: a newer JoinGroup or SyncGroup of the same member answers the older one
//   REBALANCE_IN_PROGRESS (the client rejoins); a removed member's get UNKNOWN_MEMBER_ID; shutdown's
//   get the shutdown's code. Each is answered exactly once (asserted).
// Pure: no I/O, no timers; every call takes the time, and deadlines passed are acted on first.
import { ErrorCode, type DescribedGroup, type GroupState } from '@faecie/protocol'
import { type ClassicMemberBytes, describeClassicGroup, memberBytesOf, subscribedTopicsOf } from './classic-describe.js'
import { checkJoinRequest, checkLeaveRequest, checkSyncRequest, ClassicMember, Held } from './classic-member.js'
import { protocolBytes, type ClassicGroupSettings } from './classic-settings.js'
import { ClassicRebalance, joinError, syncError } from './classic-rebalance.js'
import type { ClassicHeartbeatRequest, ClassicHeartbeatResult, ClassicLeaveGroupRequest, ClassicLeaveGroupResult, JoinGroupRequest,
  JoinGroupResult, SyncGroupRequest, SyncGroupResult } from './kafka-group-ops.js'

export { classicSettingsOf, DEFAULT_CLASSIC_GROUP_SETTINGS, protocolBytes, type ClassicGroupSettings } from './classic-settings.js'

export type ClassicGroupState = Extract<GroupState, 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'>

const SUPERSEDED = ErrorCode.REBALANCE_IN_PROGRESS

export class ClassicGroup extends ClassicRebalance {
  /** subscribedTopics(), kept while the members and the chosen protocol stay. */
  private subscribed: { key: string; topics: ReadonlySet<string> } | undefined
  /** heldBytes(), kept while the members, generation and state stay. */
  private held: { key: string; bytes: number } | undefined

  constructor(groupId: string, settings: ClassicGroupSettings, private readonly newMemberId: (clientId: string) => string) {
    super(groupId, settings)
  }

  get state(): ClassicGroupState { return this.current }
  get generationId(): number { return this.generation }
  /** undefined until the first member joined (and after the group emptied, Kafka keeps it). */
  get protocolType(): string | undefined { return this.members.protocolType }
  /** The protocol chosen at the last rebalance (undefined before one). */
  get protocolName(): string | undefined { return this.chosenProtocol }
  get memberCount(): number { return this.members.size }
  /** Members and KIP-394's pending ids (the coordinator's membersMax counts both). */
  get heldMemberCount(): number { return this.members.size + this.members.pending.size }
  /** Whether a join of this instance id takes over a member (KIP-345) rather than adding one. */
  hasInstance(groupInstanceId: string): boolean { return this.members.staticMemberId(groupInstanceId) !== undefined }

  /** The bytes its members hold: protocol names and metadata, and assignments (the coordinator's classicMemberBytesMax). */
  heldBytes(): number {
    // Protocols change only with the membership version, assignments only with a state change.
    const key = `${this.members.version}:${this.generation}:${this.current}`
    if (this.held?.key === key) return this.held.bytes
    let bytes = 0
    for (const m of this.members.all()) bytes += protocolBytes(m.protocols) + m.assignment.byteLength
    this.held = { key, bytes }
    return bytes
  }

  /** The bytes of this member's protocols (0: no such member). */
  protocolBytesOf(memberId: string): number {
    const member = this.members.get(memberId)
    return member === undefined ? 0 : protocolBytes(member.protocols)
  }

  /** The bytes of its members' assignments. */
  assignmentBytes(): number {
    let bytes = 0
    for (const m of this.members.all()) bytes += m.assignment.byteLength
    return bytes
  }
  /** The leader of the current generation (undefined with no members). */
  get leaderId(): string | undefined { return this.members.leaderId }

  /** A join: answered at once (errors, MEMBER_ID_REQUIRED) or once the join phase ends. */
  join(request: JoinGroupRequest, nowMs: number): JoinGroupResult | Promise<JoinGroupResult> {
    checkJoinRequest(request, this.settings)
    this.runTimers(nowMs)
    const held = new Held<JoinGroupResult>(`JoinGroup of ${request.memberId || request.clientId} in group ${this.groupId}`)
    const error = this.refuseJoin(request, nowMs)
    if (error !== 0) held.answer(joinError(error, error === ErrorCode.GROUP_MAX_SIZE_REACHED ? '' : request.memberId))
    else if (request.memberId === '') this.joinNewMember(request, held, nowMs)
    else this.joinKnownMember(request, held, nowMs)
    this.checkInvariants()
    return held.valueOrPromise()
  }

  private refuseJoin(request: JoinGroupRequest, nowMs: number): number {
    if (this.current === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (request.sessionTimeoutMs < this.settings.sessionTimeoutMsMin || request.sessionTimeoutMs > this.settings.sessionTimeoutMsMax) {
      return ErrorCode.INVALID_SESSION_TIMEOUT
    }
    if (!this.acceptsJoiningMember(request)) {
      if (this.members.pending.has(request.memberId) || this.members.has(request.memberId)) this.expireAfterRefusal(request.memberId, nowMs)
      return ErrorCode.GROUP_MAX_SIZE_REACHED
    }
    if (!this.members.supports(this.current === 'Empty', request.protocolType, request.protocols)) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL
    return 0
  }

  /** Kafka's acceptJoiningMember, and KIP-394's pending ids held to the same bound. */
  private acceptsJoiningMember(request: JoinGroupRequest): boolean {
    const max = this.settings.membersPerGroupMax
    const member = this.members.get(request.memberId)
    if (request.memberId === '' && request.groupInstanceId === undefined && request.requireKnownMemberId && this.members.pending.size >= max) return false
    switch (this.current) {
      case 'Empty': case 'Dead': return true
      case 'PreparingRebalance': return member?.awaitingJoin === true || this.members.awaitingJoinCount() < max
      case 'CompletingRebalance': case 'Stable': return member !== undefined || this.members.size < max
    }
  }

  /** A member refused for the group's size goes (Kafka removes it), and the phase may end without it. */
  private expireAfterRefusal(memberId: string, nowMs: number): void {
    this.removeMember(memberId)
    this.maybeCompleteJoinPhase(nowMs)
  }

  private joinNewMember(request: JoinGroupRequest, held: Held<JoinGroupResult>, nowMs: number): void {
    const memberId = this.newMemberId(request.groupInstanceId ?? request.clientId)
    if (request.groupInstanceId !== undefined) {
      const oldMemberId = this.members.staticMemberId(request.groupInstanceId)
      if (oldMemberId !== undefined) this.replaceStaticMember(request, oldMemberId, memberId, held, nowMs)
      else this.addMember(memberId, request, held, nowMs)
    } else if (request.requireKnownMemberId) {
      this.members.pending.set(memberId, nowMs + request.sessionTimeoutMs)
      held.answer(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId))
    } else {
      this.addMember(memberId, request, held, nowMs)
    }
  }

  private joinKnownMember(request: JoinGroupRequest, held: Held<JoinGroupResult>, nowMs: number): void {
    const memberId = request.memberId
    if (request.groupInstanceId === undefined && this.members.pending.has(memberId)) {
      this.members.pending.delete(memberId)
      this.addMember(memberId, request, held, nowMs)
      return
    }
    const error = this.members.validate(memberId, request.groupInstanceId)
    if (error !== 0) { held.answer(joinError(error, memberId)); return }
    const member = this.members.get(memberId)!
    const isLeader = this.members.isLeader(memberId)
    const unchanged = member.matches(request.protocols)
    if (this.current === 'PreparingRebalance' || (this.current === 'CompletingRebalance' && !unchanged) || (this.current === 'Stable' && (isLeader || !unchanged))) {
      this.updateMember(member, request, held, nowMs)
      this.maybePrepareRebalanceOrCompleteJoin(nowMs)
    } else {
      // The same metadata again (a lost JoinGroup answer, or a follower checking in): the current generation.
      member.touch(nowMs)
      held.answer(this.generationAnswer(memberId, isLeader && this.current === 'CompletingRebalance', false))
    }
  }

  private addMember(memberId: string, request: JoinGroupRequest, held: Held<JoinGroupResult>, nowMs: number): void {
    const member = new ClassicMember(memberId, request, nowMs, this.settings.subscribedTopicNamesMax)
    member.heldJoin = held
    member.newJoinDeadlineMs = nowMs + this.settings.newMemberJoinTimeoutMs
    this.noteMemberAdded()
    this.members.add(member)
    this.maybePrepareRebalanceOrCompleteJoin(nowMs)
  }

  private updateMember(member: ClassicMember, request: JoinGroupRequest, held: Held<JoinGroupResult>, nowMs: number): void {
    this.members.setProtocols(member, request.protocols)
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
    member.sessionTimeoutMs = request.sessionTimeoutMs
    member.touch(nowMs)
    if (member.newJoinDeadlineMs !== undefined) member.newJoinDeadlineMs = nowMs + this.settings.newMemberJoinTimeoutMs
    this.answerJoin(member, joinError(SUPERSEDED, member.memberId))
    member.heldJoin = held
  }

  private replaceStaticMember(request: JoinGroupRequest, oldMemberId: string, memberId: string, held: Held<JoinGroupResult>, nowMs: number): void {
    const old = this.members.get(oldMemberId)!
    this.answerJoin(old, joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId))
    this.answerSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID))
    const member = this.members.replaceStatic(request.groupInstanceId!, oldMemberId, memberId)
    if (this.pendingSync.delete(oldMemberId)) this.pendingSync.add(memberId)
    this.updateMember(member, request, held, nowMs)
    if (this.current === 'Stable' && this.members.selectProtocol() === this.chosenProtocol) {
      const isLeader = this.members.isLeader(memberId)
      this.answerJoin(member, this.generationAnswer(memberId, isLeader, isLeader))
    } else if (this.current === 'CompletingRebalance') {
      // The leader may be assigning the old member id: assign again.
      this.prepareRebalance(nowMs)
    } else {
      this.maybePrepareRebalanceOrCompleteJoin(nowMs)
    }
  }

  /** A sync: the leader's carries the assignment; others wait for it (or get it at once when Stable). */
  sync(request: SyncGroupRequest, nowMs: number): SyncGroupResult | Promise<SyncGroupResult> {
    checkSyncRequest(request, this.settings)
    this.runTimers(nowMs)
    const held = new Held<SyncGroupResult>(`SyncGroup of ${request.memberId} in group ${this.groupId}`)
    const error = this.refuseSync(request)
    if (error !== 0) {
      held.answer(syncError(error))
    } else {
      const member = this.members.get(request.memberId)!
      member.touch(nowMs)
      this.pendingSync.delete(member.memberId)
      if (this.current === 'Stable') {
        held.answer({ errorCode: 0, protocolType: this.members.protocolType ?? null, protocolName: this.chosenProtocol ?? null, assignment: member.assignment })
      } else {
        this.answerSync(member, syncError(SUPERSEDED))
        member.heldSync = held
        if (this.members.isLeader(member.memberId)) {
          this.setAndPropagateAssignment(new Map(request.assignments.map((a) => [a.memberId, a.assignment.slice()])), nowMs)
        }
      }
    }
    this.checkInvariants()
    return held.valueOrPromise()
  }

  private refuseSync(request: SyncGroupRequest): number {
    if (this.current === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE
    const error = this.members.validate(request.memberId, request.groupInstanceId)
    if (error !== 0) return error
    if (request.generationId !== this.generation) return ErrorCode.ILLEGAL_GENERATION
    if (inconsistent(request.protocolType, this.members.protocolType) || inconsistent(request.protocolName, this.chosenProtocol)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL
    }
    if (this.current === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS
    return this.current === 'Empty' ? ErrorCode.UNKNOWN_MEMBER_ID : 0
  }

  heartbeat(request: ClassicHeartbeatRequest, nowMs: number): ClassicHeartbeatResult {
    this.runTimers(nowMs)
    let errorCode = this.current === 'Dead' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : this.members.validate(request.memberId, request.groupInstanceId)
    if (errorCode === 0 && request.generationId !== this.generation) errorCode = ErrorCode.ILLEGAL_GENERATION
    if (errorCode === 0) {
      this.members.get(request.memberId)!.touch(nowMs)
      // PreparingRebalance: this is how members learn to rejoin.
      if (this.current === 'PreparingRebalance') errorCode = ErrorCode.REBALANCE_IN_PROGRESS
    }
    this.checkInvariants()
    return { errorCode }
  }

  leave(request: ClassicLeaveGroupRequest, nowMs: number): ClassicLeaveGroupResult {
    checkLeaveRequest(request, this.settings)
    this.runTimers(nowMs)
    if (this.current === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] }
    const members: ClassicLeaveGroupResult['members'] = []
    let left = 0
    for (const m of request.members) {
      let memberId = m.memberId
      let errorCode = 0
      if (memberId === '') {
        // By instance id alone (an admin's removal of a static member).
        const staticId = m.groupInstanceId === undefined ? undefined : this.members.staticMemberId(m.groupInstanceId)
        if (staticId === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID
        else memberId = staticId
      } else if (!this.members.pending.has(memberId)) {
        errorCode = this.members.validate(memberId, m.groupInstanceId)
      }
      if (errorCode === 0) { this.removeMember(memberId); left++ }
      const answer: ClassicLeaveGroupResult['members'][number] = { memberId: m.memberId, errorCode }
      if (m.groupInstanceId !== undefined) answer.groupInstanceId = m.groupInstanceId
      members.push(answer)
    }
    if (left > 0 && (this.current === 'Stable' || this.current === 'CompletingRebalance')) this.prepareRebalance(nowMs)
    else if (left > 0) this.maybeCompleteJoinPhase(nowMs)
    this.checkInvariants()
    return { errorCode: 0, members }
  }

  /** Expires sessions, ends join phases whose rebalance timeout or initial delay passed, answering held requests. */
  tick(nowMs: number): void {
    this.runTimers(nowMs)
    this.checkInvariants()
  }

  /**
   * May this member commit offsets (OffsetCommit with a generation)? 0, or Kafka's error:
   * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS (CompletingRebalance), FENCED_INSTANCE_ID,
   * COORDINATOR_NOT_AVAILABLE (Dead). Generation -1 with no member id: a simple consumer's commit, taken while Empty.
   */
  checkCommit(memberId: string, generationId: number, groupInstanceId: string | undefined): number {
    if (this.current === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (generationId < 0 && this.current === 'Empty') return 0
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== undefined) {
      const error = this.members.validate(memberId, groupInstanceId)
      if (error !== 0) return error
      if (generationId !== this.generation) return ErrorCode.ILLEGAL_GENERATION
    } else if (this.current !== 'Empty') {
      return ErrorCode.UNKNOWN_MEMBER_ID
    }
    return this.current === 'CompletingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : 0
  }

  /** Topics the members subscribe to (decoded from 'consumer' protocol metadata): offsets of these are not expired nor deleted by OffsetDelete. */
  subscribedTopics(): ReadonlySet<string> {
    const key = `${this.members.version}\0${this.chosenProtocol === undefined ? '-' : `+${this.chosenProtocol}`}`
    if (this.subscribed?.key !== key) this.subscribed = { key, topics: subscribedTopicsOf(this.members.protocolType, this.chosenProtocol, this.members.all()) }
    return this.subscribed.topics
  }

  /** For describeGroups: type 'classic', Kafka's state, the protocol as assignor, members with decoded subscriptions and assignments. */
  describe(): DescribedGroup {
    return describeClassicGroup(this.groupId, this.current, this.generation, this.members.protocolType, this.chosenProtocol, this.members.all())
  }

  /** The bytes as the members sent them, for Kafka's DescribeGroups. */
  memberBytes(): ClassicMemberBytes[] {
    return memberBytesOf(this.members.all(), this.chosenProtocol)
  }

  /** The group is deleted or its coordinator goes: every held answer gets this error code, and the group is Dead. */
  shutdown(errorCode: number): void {
    if (this.current === 'Dead') return
    for (const m of this.members.all()) {
      this.answerJoin(m, joinError(errorCode, m.memberId))
      this.answerSync(m, syncError(errorCode))
    }
    this.clear()
    this.transition('Dead')
    this.checkInvariants()
  }
}

/** SyncGroup v5+: a protocol type or name given that is not the group's. */
function inconsistent(requested: string | undefined, group: string | undefined): boolean {
  return requested !== undefined && group !== undefined && requested !== group
}

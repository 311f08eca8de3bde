// The rebalance engine of a classic group (Kafka's GroupMetadataManager, its classic half): the
// states, the generation, the join phase and its timers, the sync phase, sessions. ClassicGroup
// (classic-group.ts) puts the JoinGroup/SyncGroup/Heartbeat/LeaveGroup requests on top.
//
//   Empty --join--> PreparingRebalance --every member rejoined, or the rebalance timeout--> CompletingRebalance
//   CompletingRebalance --the leader's SyncGroup--> Stable
//   Stable / CompletingRebalance --a member joins, changes or goes--> PreparingRebalance
//   PreparingRebalance --nobody left--> Empty;  anything --shutdown--> Dead
//
// Timers are deadlines checked by runTimers(nowMs) (called by tick() and at the start of every
// request), earliest first, so the group is a pure function of its calls and their times:
// - the join timer, always set while PreparingRebalance: the end of the join phase. A new group's
//   first phase waits group.initial.rebalance.delay.ms, again while members keep coming, at most
//   up to the rebalance timeout; a later one waits the rebalance timeout (the largest of the members').
// - the sync timer: members that got the join answer but have not sent SyncGroup within the
//   rebalance timeout are removed, and the group rebalances.
// - each member's session, which a heartbeat, join or sync restarts; a member with a held join or
//   sync is waiting on the group, not silent, and does not expire. KIP-394's pending ids expire too.
// - a new member's join (Kafka's group.classic.new.member.join.timeout): a member not yet in a
//   generation is removed, its held join answered UNKNOWN_MEMBER_ID, newMemberJoinTimeoutMs after it
//   joined, so a huge rebalance timeout cannot hold a join for days.
import { strict as assert } from 'node:assert'
import { ErrorCode } from '@faecie/protocol'
import type { ClassicGroupSettings, ClassicGroupState } from './classic-group.js'
import type { ClassicMember } from './classic-member.js'
import { ClassicMembers } from './classic-members.js'
import type { JoinGroupResult, SyncGroupResult } from './kafka-group-ops.js'

type JoinTimer =
  | { kind: 'initial'; deadlineMs: number; delayMs: number; remainingMs: number }
  | { kind: 'rebalance'; deadlineMs: number }

const EMPTY_BYTES = new Uint8Array(0)

const NEXT_STATES: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  Empty: ['PreparingRebalance', 'Dead'],
  PreparingRebalance: ['CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['Stable', 'PreparingRebalance', 'Dead'],
  Stable: ['PreparingRebalance', 'Dead'],
  Dead: [],
}

export function joinError(errorCode: number, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] }
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES }
}

export abstract class ClassicRebalance {
  protected readonly members = new ClassicMembers()
  protected current: ClassicGroupState = 'Empty'
  protected previous: ClassicGroupState = 'Empty'
  protected generation = 0
  protected chosenProtocol: string | undefined
  /** Members of this generation that have not sent SyncGroup yet. */
  protected readonly pendingSync = new Set<string>()
  private joinTimer: JoinTimer | undefined
  private syncTimer: { deadlineMs: number; generationId: number } | undefined
  /** A member joined during the first phase of a new group: the initial delay runs once more. */
  private newMemberAdded = false
  /** The latest time a request or tick brought (timers fire at their own deadline, earlier). */
  private latestNowMs = Number.NEGATIVE_INFINITY

  constructor(readonly groupId: string, protected readonly settings: ClassicGroupSettings) {}

  protected transition(to: ClassicGroupState): void {
    assert(NEXT_STATES[this.current].includes(to), `group ${this.groupId}: no transition from ${this.current} to ${to}`)
    this.previous = this.current
    this.current = to
  }

  /** The largest rebalance timeout of the members (Kafka's group rebalance timeout). */
  protected rebalanceTimeoutMs(): number {
    let ms = 0
    for (const m of this.members.all()) ms = Math.max(ms, m.rebalanceTimeoutMs)
    return ms
  }

  protected noteMemberAdded(): void {
    if (this.current === 'PreparingRebalance' && this.previous === 'Empty') this.newMemberAdded = true
  }

  protected maybePrepareRebalanceOrCompleteJoin(nowMs: number): void {
    if (this.current === 'Empty' || this.current === 'Stable' || this.current === 'CompletingRebalance') this.prepareRebalance(nowMs)
    else this.maybeCompleteJoinPhase(nowMs)
  }

  /** Ends the join phase if every member rejoined (not during a new group's initial delay) or none is left. */
  protected maybeCompleteJoinPhase(nowMs: number): void {
    if (this.current !== 'PreparingRebalance') return
    if (this.members.size === 0 || (this.members.hasAllJoined() && this.previous !== 'Empty')) this.completeJoin(nowMs)
  }

  protected prepareRebalance(nowMs: number): void {
    if (this.current === 'CompletingRebalance') {
      for (const m of this.members.all()) m.assignment = EMPTY_BYTES
      this.propagateAssignment(ErrorCode.REBALANCE_IN_PROGRESS, nowMs)
    }
    this.pendingSync.clear()
    this.syncTimer = undefined
    const initial = this.current === 'Empty'
    this.transition('PreparingRebalance')
    if (initial) {
      const delayMs = this.settings.initialRebalanceDelayMs
      this.newMemberAdded = false
      this.joinTimer = { kind: 'initial', deadlineMs: nowMs + delayMs, delayMs, remainingMs: Math.max(this.rebalanceTimeoutMs() - delayMs, 0) }
    } else if (this.members.size === 0 || this.members.hasAllJoined()) {
      this.completeJoin(nowMs)
    } else {
      this.joinTimer = { kind: 'rebalance', deadlineMs: nowMs + this.rebalanceTimeoutMs() }
    }
  }

  /** The join phase ends: dynamic members that did not rejoin go, the next generation starts. */
  protected completeJoin(nowMs: number): void {
    assert(this.current === 'PreparingRebalance', `group ${this.groupId}: join phase completed in ${this.current}`)
    this.joinTimer = undefined
    for (const m of this.members.notYetRejoined()) if (!m.isStatic) this.removeMember(m.memberId)
    if (!this.members.electJoinedLeader() && this.members.size > 0) {
      // Only static members are left and none rejoined: wait on (from now, not from a timer's past
      // deadline, so a late tick does not spin); their sessions will end if they are gone.
      this.joinTimer = { kind: 'rebalance', deadlineMs: Math.max(nowMs, this.latestNowMs) + Math.max(this.rebalanceTimeoutMs(), 1) }
      return
    }
    this.generation++
    this.pendingSync.clear()
    this.syncTimer = undefined
    if (this.members.size === 0) {
      this.chosenProtocol = undefined
      this.transition('Empty')
      return
    }
    this.chosenProtocol = this.members.selectProtocol()
    this.transition('CompletingRebalance')
    for (const m of this.members.all()) {
      this.answerJoin(m, this.generationAnswer(m.memberId, this.members.isLeader(m.memberId), false))
      m.newJoinDeadlineMs = undefined
      m.touch(nowMs)
      this.pendingSync.add(m.memberId)
    }
    this.syncTimer = { deadlineMs: nowMs + this.rebalanceTimeoutMs(), generationId: this.generation }
  }

  /** The current generation as a JoinGroup answer; the leader's lists every member. */
  protected generationAnswer(memberId: string, withMembers: boolean, skipAssignment: boolean): JoinGroupResult {
    return {
      errorCode: 0,
      generationId: this.generation,
      protocolType: this.members.protocolType ?? null,
      protocolName: this.chosenProtocol ?? null,
      leader: this.members.leaderId ?? '',
      skipAssignment,
      memberId,
      members: withMembers ? this.members.joinMembers(this.chosenProtocol) : [],
    }
  }

  protected answerJoin(member: ClassicMember, result: JoinGroupResult): void {
    const held = member.heldJoin
    if (held === undefined) return
    member.heldJoin = undefined
    held.answer(result)
  }

  protected answerSync(member: ClassicMember, result: SyncGroupResult): void {
    const held = member.heldSync
    if (held === undefined) return
    member.heldSync = undefined
    held.answer(result)
  }

  /** The leader's assignment: each member gets its bytes (none: empty), and the group is Stable. */
  protected setAndPropagateAssignment(assignments: ReadonlyMap<string, Uint8Array>, nowMs: number): void {
    assert(this.current === 'CompletingRebalance', `group ${this.groupId}: assignment taken in ${this.current}`)
    for (const m of this.members.all()) m.assignment = assignments.get(m.memberId) ?? EMPTY_BYTES
    this.propagateAssignment(0, nowMs)
    this.transition('Stable')
  }

  private propagateAssignment(errorCode: number, nowMs: number): void {
    for (const m of this.members.all()) {
      if (!m.awaitingSync) continue
      this.answerSync(m, errorCode === 0
        ? { errorCode, protocolType: this.members.protocolType ?? null, protocolName: this.chosenProtocol ?? null, assignment: m.assignment }
        : { ...syncError(errorCode), assignment: m.assignment })
      m.touch(nowMs)
    }
  }

  /** A member goes (or a pending id): what it waits for is answered UNKNOWN_MEMBER_ID. */
  protected removeMember(memberId: string): void {
    const member = this.members.get(memberId)
    if (member !== undefined) {
      this.answerJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, ''))
      this.answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    }
    this.members.remove(memberId)
    this.pendingSync.delete(memberId)
    if (this.pendingSync.size === 0) this.syncTimer = undefined
  }

  /** A member's session ended (or a pending id's): it goes, and the group moves on without it. */
  private expire(memberId: string, nowMs: number): void {
    this.removeMember(memberId)
    if (this.current === 'Stable' || this.current === 'CompletingRebalance') this.maybePrepareRebalanceOrCompleteJoin(nowMs)
    else if (this.current === 'PreparingRebalance' && (this.members.size === 0 || this.members.hasAllJoined())) this.completeJoin(nowMs)
  }

  private fireJoinTimer(timer: JoinTimer, nowMs: number): void {
    this.joinTimer = undefined
    if (timer.kind === 'initial' && this.newMemberAdded && timer.remainingMs !== 0) {
      this.newMemberAdded = false
      const delayMs = Math.min(this.settings.initialRebalanceDelayMs, timer.remainingMs)
      this.joinTimer = { kind: 'initial', deadlineMs: nowMs + delayMs, delayMs, remainingMs: Math.max(timer.remainingMs - timer.delayMs, 0) }
    } else {
      this.completeJoin(nowMs)
    }
  }

  private fireSyncTimer(timer: { generationId: number }, nowMs: number): void {
    this.syncTimer = undefined
    assert(timer.generationId === this.generation, `group ${this.groupId}: a sync timer of generation ${timer.generationId} outlived it`)
    if (this.pendingSync.size === 0) return
    for (const memberId of [...this.pendingSync]) this.removeMember(memberId)
    this.prepareRebalance(nowMs)
  }

  /** Fires every deadline at or before nowMs, earliest first, each at its own deadline (a tick may come late). */
  protected runTimers(nowMs: number): void {
    this.latestNowMs = Math.max(this.latestNowMs, nowMs)
    const firingsMax = 16 + 4 * (this.members.size + this.members.pending.size)
    for (let firings = 0; ; firings++) {
      assert(firings <= firingsMax, `group ${this.groupId}: timers keep firing at ${nowMs}`)
      let dueMs = Number.POSITIVE_INFINITY
      let fire: ((atMs: number) => void) | undefined
      const consider = (atMs: number, action: (atMs: number) => void): void => {
        if (atMs <= nowMs && atMs < dueMs) { dueMs = atMs; fire = action }
      }
      const joinTimer = this.joinTimer
      if (joinTimer !== undefined) consider(joinTimer.deadlineMs, (atMs) => this.fireJoinTimer(joinTimer, atMs))
      const syncTimer = this.syncTimer
      if (syncTimer !== undefined) consider(syncTimer.deadlineMs, (atMs) => this.fireSyncTimer(syncTimer, atMs))
      for (const m of this.members.all()) {
        if (!m.awaitingJoin && !m.awaitingSync) consider(m.sessionDeadlineMs, (atMs) => this.expire(m.memberId, atMs))
        if (m.awaitingJoin && m.newJoinDeadlineMs !== undefined) consider(m.newJoinDeadlineMs, (atMs) => this.expire(m.memberId, atMs))
      }
      for (const [memberId, deadlineMs] of this.members.pending) consider(deadlineMs, (atMs) => this.expire(memberId, atMs))
      if (fire === undefined) return
      fire(dueMs)
    }
  }

  /** Drops everything: the group is Dead. Held answers are the caller's to answer first. */
  protected clear(): void {
    for (const m of this.members.all()) this.members.remove(m.memberId)
    this.members.pending.clear()
    this.pendingSync.clear()
    this.joinTimer = undefined
    this.syncTimer = undefined
  }

  /** The invariants every request and tick leaves behind (a broken one is a bug here, not bad input). */
  protected checkInvariants(): void {
    const state = this.current
    const size = this.members.size
    assert((state === 'Empty' || state === 'Dead') === (size === 0), `group ${this.groupId}: ${state} with ${size} members`)
    assert((state === 'PreparingRebalance') === (this.joinTimer !== undefined), `group ${this.groupId}: ${state} and a join timer ${this.joinTimer !== undefined}`)
    assert(state !== 'CompletingRebalance' || this.syncTimer !== undefined, `group ${this.groupId}: CompletingRebalance without a sync timer`)
    assert(size === 0 || (this.members.leaderId !== undefined && this.members.has(this.members.leaderId)), `group ${this.groupId}: leader not a member`)
    for (const m of this.members.all()) {
      assert(!m.awaitingJoin || state === 'PreparingRebalance', `group ${this.groupId}: a join held in ${state}`)
      assert(!m.awaitingSync || state === 'CompletingRebalance', `group ${this.groupId}: a sync held in ${state}`)
    }
  }
}

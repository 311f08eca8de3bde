// The membership of a classic group, without its state machine (Kafka's ClassicGroup, its member
// bookkeeping half): members in join order, static members by instance id, KIP-394's pending member
// ids, the leader, the protocol type, and how many members support each protocol (a protocol is a
// candidate when every member supports it; each member votes its most preferred candidate).
import { strict as assert } from 'node:assert'
import { ErrorCode } from '@faecie/protocol'
import type { ClassicMember } from './classic-member.js'
import type { ClassicProtocol, JoinGroupMember } from './kafka-group-ops.js'

export class ClassicMembers {
  /** In join order (a replaced static member moves to the end, as its new id is new). */
  private readonly byId = new Map<string, ClassicMember>()
  private readonly byInstanceId = new Map<string, string>()
  /** KIP-394: ids handed out with MEMBER_ID_REQUIRED, not joined yet, with the end of their session. */
  readonly pending = new Map<string, number>()
  private readonly protocolCounts = new Map<string, number>()
  leaderId: string | undefined
  /** Set by the first member of an empty group; kept after the group empties, as Kafka does. */
  protocolType: string | undefined
  /** Goes up whenever a member comes, goes or changes its protocols (what the members subscribe to may change). */
  version = 0

  get size(): number { return this.byId.size }
  get(memberId: string): ClassicMember | undefined { return this.byId.get(memberId) }
  has(memberId: string): boolean { return this.byId.has(memberId) }
  all(): ClassicMember[] { return [...this.byId.values()] }
  staticMemberId(groupInstanceId: string): string | undefined { return this.byInstanceId.get(groupInstanceId) }
  isLeader(memberId: string): boolean { return this.leaderId === memberId }

  /** UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (the instance id belongs to another member id), or 0 (Kafka's validateMember). */
  validate(memberId: string, groupInstanceId: string | undefined): number {
    if (groupInstanceId !== undefined) {
      const current = this.byInstanceId.get(groupInstanceId)
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID
    }
    return this.byId.has(memberId) ? 0 : ErrorCode.UNKNOWN_MEMBER_ID
  }

  add(member: ClassicMember): void {
    assert(!this.byId.has(member.memberId) && !this.pending.has(member.memberId), `member ${member.memberId} added twice`)
    if (this.byId.size === 0) this.protocolType = member.protocolType
    this.byId.set(member.memberId, member)
    if (member.groupInstanceId !== undefined) {
      assert(!this.byInstanceId.has(member.groupInstanceId), `instance ${member.groupInstanceId} added twice`)
      this.byInstanceId.set(member.groupInstanceId, member.memberId)
    }
    this.count(member.protocols, 1)
    this.version++
    this.leaderId ??= member.memberId
  }

  /** Removes a member (its held answers must be answered first) or a pending id. */
  remove(memberId: string): ClassicMember | undefined {
    this.pending.delete(memberId)
    const member = this.byId.get(memberId)
    if (member === undefined) return undefined
    assert(!member.awaitingJoin && !member.awaitingSync, `member ${memberId} removed with a held answer`)
    this.byId.delete(memberId)
    if (member.groupInstanceId !== undefined) this.byInstanceId.delete(member.groupInstanceId)
    this.count(member.protocols, -1)
    this.version++
    if (this.leaderId === memberId) this.leaderId = this.byId.keys().next().value
    return member
  }

  /** KIP-345: the member of this instance id goes on under a new member id (its held answers answered first). */
  replaceStatic(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicMember {
    const member = this.byId.get(oldMemberId)
    assert(member !== undefined && this.byInstanceId.get(groupInstanceId) === oldMemberId, `no static member ${oldMemberId} to replace`)
    assert(!member.awaitingJoin && !member.awaitingSync, `static member ${oldMemberId} replaced with a held answer`)
    assert(!this.byId.has(newMemberId) && !this.pending.has(newMemberId), `new member id ${newMemberId} is taken`)
    this.byId.delete(oldMemberId)
    member.memberId = newMemberId
    this.byId.set(newMemberId, member)
    this.byInstanceId.set(groupInstanceId, newMemberId)
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId
    return member
  }

  setProtocols(member: ClassicMember, protocols: ClassicProtocol[]): void {
    this.count(member.protocols, -1)
    member.setProtocols(protocols)
    this.count(member.protocols, 1)
    this.version++
  }

  private count(protocols: readonly ClassicProtocol[], delta: number): void {
    for (const p of protocols) {
      const n = (this.protocolCounts.get(p.name) ?? 0) + delta
      assert(n >= 0, `protocol ${p.name} counted below zero`)
      if (n === 0) this.protocolCounts.delete(p.name)
      else this.protocolCounts.set(p.name, n)
    }
  }

  /** The protocols every member supports. */
  candidates(): Set<string> {
    return new Set([...this.protocolCounts].filter(([, n]) => n === this.byId.size).map(([name]) => name))
  }

  /**
   * May a member of this protocol type and these protocols join? An empty group takes any non-empty
   * type with at least one protocol; otherwise the type must be the group's and one of the protocols
   * supported by every member.
   */
  supports(groupIsEmpty: boolean, protocolType: string, protocols: readonly ClassicProtocol[]): boolean {
    if (groupIsEmpty) return protocolType !== '' && protocols.length > 0
    return this.protocolType === protocolType && protocols.some((p) => (this.protocolCounts.get(p.name) ?? 0) === this.byId.size)
  }

  /** Each member votes its most preferred candidate; the most votes win (a tie: the first to reach it, in join order). */
  selectProtocol(): string {
    assert(this.byId.size > 0, 'a protocol is chosen for members, and there are none')
    const candidates = this.candidates()
    const votes = new Map<string, number>()
    let best: string | undefined
    for (const member of this.byId.values()) {
      const choice = member.vote(candidates)
      const n = (votes.get(choice) ?? 0) + 1
      votes.set(choice, n)
      if (best === undefined || n > votes.get(best)!) best = choice
    }
    return best!
  }

  /** Every member has a held join and no pending id is still to join. */
  hasAllJoined(): boolean {
    if (this.pending.size > 0) return false
    for (const member of this.byId.values()) if (!member.awaitingJoin) return false
    return true
  }

  awaitingJoinCount(): number {
    let n = 0
    for (const member of this.byId.values()) if (member.awaitingJoin) n++
    return n
  }

  notYetRejoined(): ClassicMember[] {
    return this.all().filter((m) => !m.awaitingJoin)
  }

  /** The leader stays if it rejoined, else the first member that did leads; false when none did. */
  electJoinedLeader(): boolean {
    if (this.leaderId === undefined) return false
    if (this.byId.get(this.leaderId)!.awaitingJoin) return true
    const joined = this.all().find((m) => m.awaitingJoin)
    if (joined === undefined) return false
    this.leaderId = joined.memberId
    return true
  }

  /** The leader's JoinGroup answer: every member with its metadata for the chosen protocol. */
  joinMembers(protocolName: string | undefined): JoinGroupMember[] {
    return this.all().map((m) => {
      const entry: JoinGroupMember = { memberId: m.memberId, metadata: m.metadata(protocolName) }
      if (m.groupInstanceId !== undefined) entry.groupInstanceId = m.groupInstanceId
      return entry
    })
  }
}

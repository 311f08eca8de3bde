// A leader's view of its followers (Kafka's Partition/Replica state, DESIGN.md section 7), pure: no
// log, no disk, the time passed in. It learns each follower's log end offset from its fetches
// (fetchOffset), keeps when each follower was last caught up, computes the cap the high watermark
// obeys (the lowest log end offset of the other members of the maximal ISR: etcd's ISR united with
// the ISR proposed and not yet seen committed, KIP-497), proposes ISR shrinks (a follower not caught
// up for replicaLagTimeMaxMs) and expands (a follower at or past the high watermark and the start of
// this leader's epoch) unless the role names it ISR-ineligible (a broker in controlled shutdown: it is
// about to stop, and once in the ISR it would hold the high watermark), at most one at a time, and holds acks=all answers until the high watermark
// passes them, they time out, or leadership ends.
//
// The high watermark itself is the log's (storage/log-flush.ts nextHighWatermark): it is the cap given
// here and the leader's own stable end, and never moves back.
import { strict as assert } from 'node:assert'
import { ErrorCode } from '@faecie/protocol'
import type { LeaderRole } from './messages.js'

/** An acks=all answer waiting for the high watermark to pass `lastOffset`. */
export interface HeldAllAck {
  lastOffset: number
  /** Past this instant it fails with REQUEST_TIMED_OUT. */
  deadlineMs: number
  send(): void
  fail(code: number, message: string): void
}

export interface IsrProposal {
  leaderEpoch: number
  /** The partitionEpoch the proposal is based on (the one etcd's state must still have). */
  partitionEpoch: number
  proposedIsr: number[]
  reason: 'shrink' | 'expand'
}

interface Follower {
  /** The follower's log end offset as its last fetch told it; -1 until its first fetch at this epoch. */
  logEndOffset: number
  lastCaughtUpMs: number
  lastFetchMs: number
  /** The leader's log end offset at the follower's previous fetch (Kafka's lastFetchLeaderLogEndOffset). */
  lastFetchLeaderLogEndOffset: number
}

export class ReplicaState {
  #role: LeaderRole
  /** Where this leader's epoch starts in its log: a follower joins the ISR only past it. */
  readonly epochStartOffset: number
  readonly #followers = new Map<number, Follower>()
  #pending: (IsrProposal & { sinceMs: number }) | undefined
  #held: HeldAllAck[] = []
  #nextLagCheckMs: number

  constructor(role: LeaderRole, epochStartOffset: number, nowMs: number) {
    assert(roleProblem(role) === undefined, roleProblem(role))
    this.#role = role
    this.epochStartOffset = epochStartOffset
    // ISR members get replicaLagTimeMaxMs from now to fetch before they count as behind.
    for (const id of role.replicas) if (id !== role.brokerId) this.#followers.set(id, newFollower(nowMs))
    this.#nextLagCheckMs = nowMs + this.#lagCheckMs
  }

  get role(): LeaderRole {
    return this.#role
  }

  get pending(): IsrProposal | undefined {
    return this.#pending
  }

  get heldCount(): number {
    return this.#held.length
  }

  get #lagCheckMs(): number {
    return Math.max(1, Math.floor(this.#role.replicaLagTimeMaxMs / 2))
  }

  /** The same epoch again from etcd: ISR, partitionEpoch or settings changed. */
  updateRole(role: LeaderRole, nowMs: number): void {
    assert(roleProblem(role) === undefined, roleProblem(role))
    assert(role.leaderEpoch === this.#role.leaderEpoch && role.brokerId === this.#role.brokerId, 'updateRole across epochs')
    // A stale repetition (an older partitionEpoch) changes nothing.
    if (role.partitionEpoch < this.#role.partitionEpoch) return
    this.#role = role
    if (this.#pending !== undefined && role.partitionEpoch > this.#pending.partitionEpoch) this.#pending = undefined
    // An expansion with a broker that has since become ineligible will not be written (the ISR writer
    // refuses it): left pending it would count in the maximal ISR and hold the high watermark for a
    // broker about to stop. It is dropped; nothing replaces it.
    if (this.#pending?.reason === 'expand' && this.#pending.proposedIsr.some((id) => this.#ineligible(id))) this.#pending = undefined
    for (const id of role.replicas) if (id !== role.brokerId && !this.#followers.has(id)) this.#followers.set(id, newFollower(nowMs))
    for (const id of [...this.#followers.keys()]) if (!role.replicas.includes(id)) this.#followers.delete(id)
  }

  /** etcd's ISR united with the pending proposal's: who the high watermark waits for. */
  maximalIsr(): number[] {
    const members = new Set(this.#role.isr)
    for (const id of this.#pending?.proposedIsr ?? []) members.add(id)
    return [...members].sort((a, b) => a - b)
  }

  /** The cap on the high watermark: the lowest known log end offset of the other maximal-ISR members (undefined: none). */
  highWatermarkLimit(): number | undefined {
    let limit: number | undefined
    for (const id of this.maximalIsr()) {
      if (id === this.#role.brokerId) continue
      const leo = this.#followers.get(id)?.logEndOffset ?? -1
      limit = limit === undefined ? leo : Math.min(limit, leo)
    }
    // An unknown follower (-1) holds the high watermark where it is: it never moves back anyway.
    return limit === undefined ? undefined : Math.max(limit, 0)
  }

  /**
   * A follower fetched at `fetchOffset` (its log end offset) while the leader's log ended at
   * `leaderLogEndOffset`. Returns an expand proposal when the follower has caught up enough.
   */
  recordFetch(replicaId: number, fetchOffset: number, leaderLogEndOffset: number, highWatermark: number, nowMs: number): IsrProposal | undefined {
    const follower = this.#followers.get(replicaId)
    assert(follower !== undefined, `fetch from ${replicaId}, not a follower of ${this.#role.replicas.join(',')}`)
    follower.logEndOffset = fetchOffset
    if (fetchOffset >= leaderLogEndOffset) follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, nowMs)
    else if (fetchOffset >= follower.lastFetchLeaderLogEndOffset) follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, follower.lastFetchMs)
    follower.lastFetchLeaderLogEndOffset = leaderLogEndOffset
    follower.lastFetchMs = nowMs
    if (this.#pending !== undefined || this.#role.isr.includes(replicaId)) return undefined
    if (fetchOffset < highWatermark || fetchOffset < this.epochStartOffset) return undefined
    if (this.#ineligible(replicaId)) return undefined
    return this.#propose([...this.#role.isr, replicaId], 'expand', nowMs)
  }

  /** Whether `replicaId` may not join the ISR (controlled shutdown). */
  #ineligible(replicaId: number): boolean {
    return this.#role.isrIneligible?.includes(replicaId) === true && !this.#role.isr.includes(replicaId)
  }

  /** The follower's log end offset as last fetched (-1: unknown). */
  followerLogEndOffset(replicaId: number): number {
    return this.#followers.get(replicaId)?.logEndOffset ?? -1
  }

  /**
   * The timer: every replicaLagTimeMaxMs/2 a shrink of the followers not caught up for
   * replicaLagTimeMaxMs, or, when a proposal got no answer for replicaLagTimeMaxMs, the same again.
   */
  checkLag(nowMs: number): IsrProposal | undefined {
    if (nowMs < this.#nextLagCheckMs) return undefined
    this.#nextLagCheckMs = nowMs + this.#lagCheckMs
    if (this.#pending !== undefined) {
      if (nowMs - this.#pending.sinceMs < this.#role.replicaLagTimeMaxMs) return undefined
      this.#pending.sinceMs = nowMs
      return strip(this.#pending)
    }
    const behind = this.#role.isr.filter((id) => id !== this.#role.brokerId &&
      nowMs - (this.#followers.get(id)?.lastCaughtUpMs ?? -Infinity) > this.#role.replicaLagTimeMaxMs)
    if (behind.length === 0) return undefined
    return this.#propose(this.#role.isr.filter((id) => !behind.includes(id)), 'shrink', nowMs)
  }

  #propose(isr: number[], reason: IsrProposal['reason'], nowMs: number): IsrProposal {
    const proposedIsr = [...new Set(isr)].sort((a, b) => a - b)
    assert(proposedIsr.includes(this.#role.brokerId), 'the leader never leaves its ISR')
    this.#pending = { leaderEpoch: this.#role.leaderEpoch, partitionEpoch: this.#role.partitionEpoch, proposedIsr, reason, sinceMs: nowMs }
    return strip(this.#pending)
  }

  /** Whether an acks=all produce may be appended: the maximal ISR has min.insync.replicas members. */
  enoughReplicas(): boolean {
    return this.maximalIsr().length >= this.#role.minInsyncReplicas
  }

  /** Holds an acks=all answer; answers it at once when the high watermark already passed it. */
  hold(ack: HeldAllAck, highWatermark: number): void {
    this.#held.push(ack)
    this.release(highWatermark)
  }

  /** Answers the held acks below `highWatermark`: NOT_ENOUGH_REPLICAS_AFTER_APPEND when etcd's ISR is below min.insync.replicas. */
  release(highWatermark: number): void {
    if (this.#held.length === 0) return
    const waiting: HeldAllAck[] = []
    const enough = this.#role.isr.length >= this.#role.minInsyncReplicas
    for (const ack of this.#held) {
      if (ack.lastOffset >= highWatermark) waiting.push(ack)
      else if (enough) ack.send()
      else ack.fail(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        `the ISR ${this.#role.isr.join(',')} is smaller than min.insync.replicas ${this.#role.minInsyncReplicas}`)
    }
    this.#held = waiting
  }

  /** Fails the held acks whose deadline passed with REQUEST_TIMED_OUT. */
  expire(nowMs: number): void {
    if (this.#held.length === 0) return
    const waiting: HeldAllAck[] = []
    for (const ack of this.#held) {
      if (nowMs < ack.deadlineMs) waiting.push(ack)
      else ack.fail(ErrorCode.REQUEST_TIMED_OUT, `the in-sync replicas did not reach offset ${ack.lastOffset} within ${this.#role.ackTimeoutMs} ms`)
    }
    this.#held = waiting
  }

  /** Leadership ended: every held ack fails with `code`. */
  failAll(code: number, message: string): void {
    for (const ack of this.#held.splice(0)) ack.fail(code, message)
  }
}

function newFollower(nowMs: number): Follower {
  return { logEndOffset: -1, lastCaughtUpMs: nowMs, lastFetchMs: nowMs, lastFetchLeaderLogEndOffset: Number.MAX_SAFE_INTEGER }
}

function strip(p: IsrProposal): IsrProposal {
  return { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, proposedIsr: [...p.proposedIsr], reason: p.reason }
}

/** What makes a role break the model's invariants, or undefined when it is sound. */
export function roleProblem(role: LeaderRole): string | undefined {
  const ints = [role.brokerId, role.leaderEpoch, role.partitionEpoch, role.minInsyncReplicas, role.replicaLagTimeMaxMs, role.ackTimeoutMs]
  if (!ints.every(Number.isSafeInteger) || role.leaderEpoch < 0) return `leader role with a bad number: ${JSON.stringify(role)}`
  if (!role.replicas.includes(role.brokerId) || !role.isr.includes(role.brokerId)) return `leader ${role.brokerId} not in its replicas and ISR`
  if (!role.isr.every((id) => role.replicas.includes(id))) return `ISR ${role.isr.join(',')} outside replicas ${role.replicas.join(',')}`
  if (role.minInsyncReplicas < 1 || role.replicaLagTimeMaxMs < 1 || role.ackTimeoutMs < 1) return 'role limits must be positive'
  return undefined
}

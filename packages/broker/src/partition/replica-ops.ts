// A partition actor's replication (cluster mode, docs/cluster.md "Replication"): its role (a single
// broker's partition until becomeLeader/becomeFollower, then leader or follower at an epoch), its
// leader-epoch cache, and the handlers of the ops becomeLeader, becomeFollower, replicaFetch,
// offsetsForLeaderEpoch, appendReplica, truncateReplica and resetReplica. The actor (partition-actor.ts)
// asks it which epoch to stamp, whether client ops are refused, and hands it acks=all answers to hold.
// A leader's answers to its followers are replica-leader.ts, its bookkeeping replica-state.ts; the
// high watermark rule is storage/log-flush.ts. The high watermark across a restart:
// replica-high-watermark.ts.
import { ErrorCode } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { LeaderEpochCache } from '../storage/leader-epoch-cache.js'
import type { PartitionLog } from '../storage/log.js'
import type {
  AppendReplicaResult, LeaderRole, OffsetsForLeaderEpochResult, PartitionConfig, PartitionOffsets, PartitionRequest,
  ReplicaFetchResult, ReplicaRoleResult,
} from './messages.js'
import type { HeldAck } from './pipelined-commit.js'
import { RequestError } from './produce-validation.js'
import { checkLeaderEpoch, checkReplicaFetch, leaderStatusOf, notLeader, replicaFetchAnswer, type LeaderStatus } from './replica-leader.js'
import { appendReplicated, epochsOfLog, restartReplicaAt } from './replica-follower.js'
import { HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS, restartHighWatermark, writeHighWatermark } from './replica-high-watermark.js'
import type { ProducerState } from './producer-state.js'
import { ReplicaState, roleProblem, type IsrProposal } from './replica-state.js'

export type { LeaderStatus }

export type ReplicaOp = Extract<PartitionRequest, { op: 'becomeLeader' | 'becomeFollower' | 'replicaFetch' | 'offsetsForLeaderEpoch' | 'appendReplica' | 'truncateReplica' | 'resetReplica' }>

export const REPLICA_OPS = new Set<PartitionRequest['op']>(['becomeLeader', 'becomeFollower', 'replicaFetch', 'offsetsForLeaderEpoch', 'appendReplica', 'truncateReplica', 'resetReplica'])

/** What replication borrows from its actor. */
export interface ReplicationHost {
  log(): PartitionLog
  config(): PartitionConfig
  producers(): ProducerState
  offsets(): PartitionOffsets
  /** Producer state changed under the log (a truncation): snapshot it. */
  writeSnapshot(): void
  clock(): number
  logger: Logger
  onIsrChange?: (proposal: IsrProposal) => void
}

type Role =
  | { kind: 'single' }
  | { kind: 'leader'; state: ReplicaState }
  | { kind: 'follower'; leader: number; leaderEpoch: number }

export class Replication {
  readonly #host: ReplicationHost
  #role: Role = { kind: 'single' }
  #epochs: LeaderEpochCache | undefined
  /** The high watermark in the replication-offset-checkpoint file as this actor last wrote it. */
  #checkpointedHighWatermark: number | undefined
  #nextHighWatermarkCheckpointMs = 0

  constructor(host: ReplicationHost) {
    this.#host = host
  }

  /** The epoch stamped into produced batches: the leader's, 0 for a single broker's partition. */
  get stampEpoch(): number {
    return this.#role.kind === 'leader' ? this.#role.state.role.leaderEpoch : 0
  }

  get isFollower(): boolean {
    return this.#role.kind === 'follower'
  }

  /** Refusal of a client's produce/fetch/listOffsets on a follower. */
  clientOpRefusal(): RequestError | undefined {
    if (this.#role.kind !== 'follower') return undefined
    return notLeader(`this broker follows ${this.#role.leader} at leader epoch ${this.#role.leaderEpoch}`)
  }

  /** Refusal of an acks=all produce before its append: NOT_ENOUGH_REPLICAS. */
  allAcksRefusal(): RequestError | undefined {
    if (this.#role.kind !== 'leader' || this.#role.state.enoughReplicas()) return undefined
    const role = this.#role.state.role
    return new RequestError(ErrorCode.NOT_ENOUGH_REPLICAS,
      `the ISR ${this.#role.state.maximalIsr().join(',')} is smaller than min.insync.replicas ${role.minInsyncReplicas}`)
  }

  /** An acks=all answer, once durable locally, waits for the high watermark (leaders only; else as given). */
  waitForReplicas(ack: HeldAck, nowMs: number): HeldAck {
    if (this.#role.kind !== 'leader') return ack
    const deadlineMs = nowMs + this.#role.state.role.ackTimeoutMs
    return {
      lastOffset: ack.lastOffset,
      fail: ack.fail,
      send: () => {
        if (this.#role.kind !== 'leader') ack.fail(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'leadership ended before the replicas had this batch')
        else this.#role.state.hold({ lastOffset: ack.lastOffset, deadlineMs, send: ack.send, fail: ack.fail }, this.#host.log().highWatermark)
      },
    }
  }

  /** Held acks below the high watermark go out (after anything moved it). */
  release(): void {
    if (this.#role.kind === 'leader') this.#role.state.release(this.#host.log().highWatermark)
  }

  /** The actor's timer: held acks time out, the ISR shrink check. */
  onTimer(nowMs: number): void {
    if (this.#role.kind !== 'single' && nowMs >= this.#nextHighWatermarkCheckpointMs) {
      this.#nextHighWatermarkCheckpointMs = nowMs + HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS
      this.checkpointHighWatermark()
    }
    if (this.#role.kind !== 'leader') return
    const state = this.#role.state
    state.expire(nowMs)
    const proposal = state.checkLag(nowMs)
    if (proposal !== undefined) this.#propose(proposal)
    this.#applyLimit()
  }

  /** The disk refused a write: held acks fail with its error (the producer retries; the records may not be durable). */
  failHeld(code: number, message: string): void {
    if (this.#role.kind === 'leader') this.#role.state.failAll(code, message)
  }

  /** The partition closes or goes away: held acks fail. */
  close(): void {
    if (this.#role.kind === 'leader') this.#role.state.failAll(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the partition closed on this broker')
  }

  /** A replicated partition's high watermark into its checkpoint when it moved (timer; close, log still open). */
  checkpointHighWatermark(): void {
    if (this.#role.kind !== 'single') this.#checkpointedHighWatermark = writeHighWatermark(this.#host.log(), this.#checkpointedHighWatermark, this.#host.logger)
  }

  /** The actor reopened its log (a healed disk): the cap goes on the new one. */
  logReplaced(): void {
    this.#epochs?.truncateFromEnd(this.#host.log().logEndOffset + 1)
    if (this.#role.kind !== 'single') this.#restartHighWatermark()
    if (this.#role.kind === 'leader') this.#applyLimit()
    else if (this.#role.kind === 'follower') this.#host.log().limitHighWatermark(this.#host.log().highWatermark)
  }

  statusExtras(): LeaderStatus | undefined {
    if (this.#role.kind !== 'leader') return undefined
    return leaderStatusOf(this.#role.state, this.#host.log())
  }

  handle(request: ReplicaOp): unknown {
    switch (request.op) {
      case 'becomeLeader': return this.#becomeLeader(request.role)
      case 'becomeFollower': return this.#becomeFollower(request.leader, request.leaderEpoch)
      case 'replicaFetch': return this.#replicaFetch(request)
      case 'offsetsForLeaderEpoch': return this.#offsetsForLeaderEpoch(request.leaderEpoch, request.currentLeaderEpoch)
      case 'appendReplica': return this.#appendReplica(request)
      case 'truncateReplica': return this.#truncateReplica(request.offset)
      case 'resetReplica': return this.#resetReplica(request.logStartOffset)
    }
  }

  /** The cache, loaded (or rebuilt from the batch headers) on first use. */
  get epochs(): LeaderEpochCache {
    if (this.#epochs === undefined) {
      const log = this.#host.log()
      this.#epochs = LeaderEpochCache.load(log.disk, log.dir, this.#host.logger, log.logEndOffset, () => epochsOfLog(log))
    }
    return this.#epochs
  }

  /** The newest epoch this replica knows of: its role's, or its log's. */
  #knownEpoch(): number {
    const roleEpoch = this.#role.kind === 'leader' ? this.#role.state.role.leaderEpoch : this.#role.kind === 'follower' ? this.#role.leaderEpoch : -1
    return Math.max(roleEpoch, this.epochs.latestEpoch)
  }

  #roleResult(): ReplicaRoleResult {
    return { ...this.#host.offsets(), latestEpoch: this.epochs.latestEpoch }
  }

  #becomeLeader(role: LeaderRole): ReplicaRoleResult {
    const problem = roleProblem(role)
    if (problem !== undefined) throw new RequestError(ErrorCode.INVALID_REQUEST, problem)
    const known = this.#knownEpoch()
    if (role.leaderEpoch < known) throw new RequestError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${role.leaderEpoch} is older than ${known}`)
    if (this.#role.kind === 'single') this.#restartHighWatermark()
    const log = this.#host.log()
    const nowMs = this.#host.clock()
    if (this.#role.kind === 'leader' && this.#role.state.role.leaderEpoch === role.leaderEpoch) {
      this.#role.state.updateRole(role, nowMs)
    } else {
      this.epochs.assign(role.leaderEpoch, log.logEndOffset)
      this.#role = { kind: 'leader', state: new ReplicaState(role, log.logEndOffset, nowMs) }
      this.#host.logger.info({ leaderEpoch: role.leaderEpoch, isr: role.isr, logEndOffset: log.logEndOffset }, 'partition leads')
    }
    this.#applyLimit()
    return this.#roleResult()
  }

  #becomeFollower(leader: number, leaderEpoch: number): ReplicaRoleResult {
    if (!Number.isSafeInteger(leader) || !Number.isSafeInteger(leaderEpoch) || leaderEpoch < 0) {
      throw new RequestError(ErrorCode.INVALID_REQUEST, `becomeFollower(${leader}, ${leaderEpoch})`)
    }
    const known = this.#knownEpoch()
    if (leaderEpoch < known) throw new RequestError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${leaderEpoch} is older than ${known}`)
    if (this.#role.kind === 'single') this.#restartHighWatermark()
    if (this.#role.kind === 'leader') {
      this.#role.state.failAll(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker now follows ${leader} at leader epoch ${leaderEpoch}`)
      this.#host.logger.info({ leader, leaderEpoch }, 'partition follows')
    }
    this.#role = { kind: 'follower', leader, leaderEpoch }
    // A follower's high watermark moves only with its leader's (appendReplica).
    const log = this.#host.log()
    log.limitHighWatermark(log.highWatermark)
    return this.#roleResult()
  }

  #leaderAt(leaderEpoch: number): ReplicaState {
    if (this.#role.kind !== 'leader') throw notLeader('this broker does not lead the partition')
    checkLeaderEpoch(leaderEpoch, this.#role.state.role.leaderEpoch)
    return this.#role.state
  }

  #replicaFetch(request: Extract<ReplicaOp, { op: 'replicaFetch' }>): ReplicaFetchResult {
    const state = this.#leaderAt(request.leaderEpoch)
    const log = this.#host.log()
    checkReplicaFetch(state, log, request)
    // A follower behind the log start (retention, DeleteRecords) must resetReplica at it. Its
    // position is not recorded: it is not caught up, and stays out of (or leaves) the ISR.
    if (request.fetchOffset < log.logStartOffset) return replicaFetchAnswer(state, log, request)
    const proposal = state.recordFetch(request.replicaId, request.fetchOffset, log.logEndOffset, log.highWatermark, this.#host.clock())
    this.#applyLimit()
    if (proposal !== undefined) this.#propose(proposal)
    return replicaFetchAnswer(state, log, request)
  }

  #offsetsForLeaderEpoch(leaderEpoch: number, currentLeaderEpoch: number | null): OffsetsForLeaderEpochResult {
    if (currentLeaderEpoch !== null) this.#leaderAt(currentLeaderEpoch)
    if (!Number.isSafeInteger(leaderEpoch)) throw new RequestError(ErrorCode.INVALID_REQUEST, `leader epoch ${leaderEpoch}`)
    const found = this.epochs.endOffsetFor(leaderEpoch, this.#host.log().logEndOffset)
    return { leaderEpoch: found.epoch, endOffset: found.endOffset }
  }

  #follower(leaderEpoch: number): void {
    if (this.#role.kind !== 'follower') throw notLeader('this broker does not follow the partition')
    if (leaderEpoch < this.#role.leaderEpoch) throw new RequestError(ErrorCode.FENCED_LEADER_EPOCH, `batches of epoch ${leaderEpoch}, following ${this.#role.leaderEpoch}`)
    if (leaderEpoch > this.#role.leaderEpoch) throw new RequestError(ErrorCode.UNKNOWN_LEADER_EPOCH, `batches of epoch ${leaderEpoch}, following ${this.#role.leaderEpoch}`)
  }

  #appendReplica(request: Extract<ReplicaOp, { op: 'appendReplica' }>): AppendReplicaResult {
    this.#follower(request.leaderEpoch)
    return appendReplicated(this.#host.log(), this.#host.config(), this.epochs, this.#host.producers(), request)
  }

  #truncateReplica(offset: number): ReplicaRoleResult {
    if (this.#role.kind !== 'follower') throw notLeader('only a follower truncates to its leader')
    const log = this.#host.log()
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RequestError(ErrorCode.INVALID_REQUEST, `truncation to ${offset}`)
    const to = Math.max(offset, log.logStartOffset)
    if (to < log.logEndOffset) {
      log.truncateTo(to)
      this.#host.producers().truncateFrom(log.logEndOffset)
      this.#host.writeSnapshot()
      this.#host.logger.info({ offset, logEndOffset: log.logEndOffset }, 'divergent tail truncated')
    }
    this.epochs.truncateFromEnd(Math.min(offset, log.logEndOffset))
    return this.#roleResult()
  }

  #resetReplica(logStartOffset: number): ReplicaRoleResult {
    if (this.#role.kind !== 'follower') throw notLeader('only a follower resets to its leader')
    if (!Number.isSafeInteger(logStartOffset) || logStartOffset < 0) throw new RequestError(ErrorCode.INVALID_REQUEST, `reset to ${logStartOffset}`)
    if (restartReplicaAt(this.#host.log(), this.epochs, this.#host.producers(), logStartOffset, this.#host.logger)) this.#host.writeSnapshot()
    return this.#roleResult()
  }

  /** The first role after an open (or a healed reopen): replica-high-watermark.ts. */
  #restartHighWatermark(): void {
    this.#checkpointedHighWatermark = restartHighWatermark(this.#host.log(), this.#host.logger)
  }

  #applyLimit(): void {
    if (this.#role.kind !== 'leader') return
    const state = this.#role.state
    const hw = this.#host.log().limitHighWatermark(state.highWatermarkLimit())
    state.release(hw)
  }

  #propose(proposal: IsrProposal): void {
    this.#host.logger.info({ ...proposal }, 'proposing an ISR change')
    this.#host.onIsrChange?.(proposal)
  }
}

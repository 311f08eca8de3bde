// A leader's side of replication (replica-ops.ts, which keeps the role and applies what these find):
// a follower's fetch checked and answered from the log up to its end, the fence on a request's leader
// epoch, and the extra fields of a leader's `status` answer. The bookkeeping of the followers (their
// log end offsets, the ISR, the high watermark's cap) is replica-state.ts.
import { ErrorCode } from '@faecie/protocol'
import type { PartitionLog } from '../storage/log.js'
import type { PartitionRequest, ReplicaFetchResult } from './messages.js'
import { RequestError } from './produce-validation.js'
import type { ReplicaState } from './replica-state.js'

/** The extra fields a leader's `status` answer carries (metrics inputs). */
export interface LeaderStatus {
  isr: number[]
  underReplicated: boolean
  /** The largest (leader log end - follower log end) over the other replicas (unknown: from the log start). */
  followerLagOffsets: number
}

export type ReplicaFetchRequest = Extract<PartitionRequest, { op: 'replicaFetch' }>

export const notLeader = (what: string): RequestError => new RequestError(ErrorCode.NOT_LEADER_OR_FOLLOWER, what)

/** Refuses a request naming `leaderEpoch` unless it is the leader's own, `epoch`. */
export function checkLeaderEpoch(leaderEpoch: number, epoch: number): void {
  if (leaderEpoch < epoch) throw new RequestError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${leaderEpoch} is older than ${epoch}`)
  if (leaderEpoch > epoch) throw new RequestError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${leaderEpoch} is newer than ${epoch}`)
}

/**
 * Refuses a follower's fetch that is not one: from a broker not among the other replicas, at an
 * offset past the log end, or with a bad maxBytes.
 */
export function checkReplicaFetch(state: ReplicaState, log: PartitionLog, request: ReplicaFetchRequest): void {
  const { replicaId, fetchOffset } = request
  if (replicaId === state.role.brokerId || !state.role.replicas.includes(replicaId)) {
    throw notLeader(`broker ${replicaId} is not a follower of this partition (replicas ${state.role.replicas.join(',')})`)
  }
  if (!Number.isSafeInteger(fetchOffset) || fetchOffset < 0 || fetchOffset > log.logEndOffset) {
    throw new RequestError(ErrorCode.OFFSET_OUT_OF_RANGE, `fetch offset ${fetchOffset} outside [${log.logStartOffset}, ${log.logEndOffset}]`)
  }
  if (!Number.isSafeInteger(request.maxBytes) || request.maxBytes < 0) throw new RequestError(ErrorCode.INVALID_REQUEST, `maxBytes ${request.maxBytes}`)
}

/**
 * The answer to a follower's fetch: the batches from `fetchOffset` up to the log end (not the high
 * watermark: the follower needs them for it to move), or none when it is behind the log start (the
 * follower must resetReplica at the log start it is told).
 */
export function replicaFetchAnswer(state: ReplicaState, log: PartitionLog, request: ReplicaFetchRequest): ReplicaFetchResult {
  const bytes = request.fetchOffset < log.logStartOffset
    ? new Uint8Array(0)
    : log.read(request.fetchOffset, request.maxBytes, { isolation: 'logEnd' }).bytes
  return {
    bytes, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset,
    leaderEpoch: state.role.leaderEpoch,
  }
}

/** A leader's `status` extras: its ISR, whether it is short of replicas, and how far the last follower lags. */
export function leaderStatusOf(state: ReplicaState, log: PartitionLog): LeaderStatus {
  let lag = 0
  for (const id of state.role.replicas) {
    if (id === state.role.brokerId) continue
    const leo = state.followerLogEndOffset(id)
    lag = Math.max(lag, log.logEndOffset - (leo < 0 ? log.logStartOffset : leo))
  }
  return { isr: [...state.role.isr], underReplicated: state.role.isr.length < state.role.replicas.length, followerLagOffsets: lag }
}

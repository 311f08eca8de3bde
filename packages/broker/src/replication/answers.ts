// Checks of what a leader answers a follower: the answers come from the network, so they are
// validated before the follower's log acts on them (a malformed partition result is left out and
// that partition is asked again; it never reaches an assertion).
import type { OffsetsForLeaderEpochPartitionResult, ReplicaFetchPartitionResult, WireError } from '@faecie/protocol'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isInt(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min
}

function validError(value: unknown): value is WireError | undefined {
  return value === undefined || (isRecord(value) && isInt(value.code, -1) && typeof value.message === 'string')
}

function validKey(r: Record<string, unknown>): boolean {
  return typeof r.topic === 'string' && isInt(r.partition, 0)
}

export function validFetchResult(r: unknown): r is ReplicaFetchPartitionResult {
  if (!isRecord(r) || !validKey(r) || !validError(r.error)) return false
  // An error answer carries what the leader knew (-1 when nothing): only an answer without one is used.
  if (r.error !== undefined) return true
  return r.records instanceof Uint8Array && isInt(r.logStartOffset, 0) && isInt(r.highWatermark, r.logStartOffset as number) &&
    isInt(r.logEndOffset, r.highWatermark as number) && isInt(r.leaderEpoch, 0)
}

export function validEpochResult(r: unknown): r is OffsetsForLeaderEpochPartitionResult {
  if (!isRecord(r) || !validKey(r) || !validError(r.error)) return false
  if (r.error !== undefined) return true
  return isInt(r.leaderEpoch, -1) && isInt(r.endOffset, -1)
}

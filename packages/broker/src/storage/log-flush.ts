// The flush path of a partition log (log.ts): what the log promises durable, and when. It moves the
// log's offsets (LogOffsets, which the log lends it) only after the syncs:
//
//   flush:            fsync sealed indexes, fdatasync logs (unflushed-segments.ts), then move
//                     recoveryPoint to the log end
//   pipelined flush:  beginFlush (indexes synced, the .log paths handed out) .. the caller's
//                     off-thread fdatasyncs .. completeFlush (the recovery point moves to the end it promised)
//
// The high watermark follows in one place, nextHighWatermark: the log's stable end (the recovery
// point under flush `always`, else the log end), capped by the replication limit when the partition
// is replicated (the lowest log end offset of the other in-sync replicas, or a follower's leader's
// high watermark), and never moving back (only a truncation cuts it).
//
// The recovery-point file ("1\n<offset>\n", checkpoint.ts) follows lazily: it is rewritten when the
// recovery point enters a new segment (recovery rescans whole segments, so a finer file would save
// nothing), and by the caller whenever it must go down (truncation) or at close.
import type { Disk } from './disk.js'
import { writeRecoveryPoint } from './checkpoint.js'
import type { LogConfig } from './log-api.js'
import type { Segment } from './segment.js'
import type { SegmentSet } from './segment-set.js'
import type { UnflushedSegments } from './unflushed-segments.js'

/** The offsets a flush, an append or a truncation moves (log.ts states their order). */
export interface LogOffsets {
  highWatermark: number
  recoveryPoint: number
  /** The offset the recovery-point file holds. */
  recoveryPointOnDisk: number
  lastFlushMs: number
}

/** A flush whose fdatasyncs run off-thread (beginFlush); completeFlush moves the offsets after them. */
export interface PendingFlush {
  /** The .log files to fdatasync. */
  readonly paths: readonly string[]
  /** Everything below this offset is durable once those syncs are done. */
  readonly endOffset: number
  readonly segments: readonly Segment[]
}

export interface LogFlushState {
  readonly disk: Disk
  readonly dir: string
  readonly segments: SegmentSet
  readonly unflushed: UnflushedSegments
  readonly offsets: LogOffsets
  readonly clock: () => number
}

export function persistRecoveryPoint(state: LogFlushState, offset: number): void {
  writeRecoveryPoint(state.disk, state.dir, offset)
  state.offsets.recoveryPointOnDisk = offset
}

/** Makes everything appended durable now, then moves the recovery point and high watermark to the end. */
export function flushAll(state: LogFlushState): void {
  const { segments, offsets } = state
  // A sync still running off-thread may not have finished: this flush promises all of it, and
  // supersedes it (its completeFlush must not come: the caller abandons it).
  state.unflushed.syncAll(state.disk)
  const logEndOffset = segments.active.nextOffset
  offsets.recoveryPoint = logEndOffset
  offsets.lastFlushMs = state.clock()
  if (segments.floorIndex(offsets.recoveryPointOnDisk) !== segments.floorIndex(logEndOffset)) {
    persistRecoveryPoint(state, logEndOffset)
  }
}

/** The pipelined flush, step one: rolled segments' indexes synced now, the rest handed out. */
export function beginPipelinedFlush(state: LogFlushState): PendingFlush {
  const segments = state.unflushed.begin(state.disk)
  return { paths: segments.map((s) => s.logPath), endOffset: state.segments.active.nextOffset, segments }
}

/** The pipelined flush, step two: the syncs of `pending` are done; offsets move to its end. */
export function completePipelinedFlush(state: LogFlushState, pending: PendingFlush): void {
  const { segments, offsets } = state
  const end = pending.endOffset
  if (end > offsets.recoveryPoint) offsets.recoveryPoint = end
  offsets.lastFlushMs = state.clock()
  if (segments.floorIndex(offsets.recoveryPointOnDisk) !== segments.floorIndex(end)) persistRecoveryPoint(state, end)
}

/**
 * Whether the flush policy wants a flush at `nowMs`: `interval` when flushMs has passed since the
 * last flush, `always` whenever something is unflushed, `never` never.
 */
export function flushDue(state: LogFlushState, config: LogConfig, nowMs: number): boolean {
  const dirty = state.unflushed.anyWritten || state.offsets.recoveryPoint < state.segments.active.nextOffset
  const due = config.flush === 'always' || (config.flush === 'interval' && nowMs - state.offsets.lastFlushMs >= config.flushMs)
  return dirty && due
}

/**
 * The high watermark after anything moved: the stable end (what may be acknowledged: durable under
 * flush `always`, appended otherwise), capped by `limit` (replication: undefined for a partition that
 * is not replicated), and never below `current`.
 */
export function nextHighWatermark(current: number, stableEnd: number, limit: number | undefined): number {
  const candidate = limit === undefined ? stableEnd : Math.min(stableEnd, limit)
  return Math.max(current, candidate)
}

// Where a partition log (log.ts) loses records: at its head, the log start moving up, and at its
// tail, truncation.
//
// Head: retention (rules in retention.ts) moves the log start a whole segment at a time; a repair
// past the damage and DeleteRecords move it to an offset, inside a segment if need be. Either way the
// new start is made durable in log-start-offset first (log-start.ts), then the segments wholly below
// it go and the directory is fsynced: a crash between leaves only segments wholly below the
// checkpoint, which open deletes, never a first segment past it (which open takes for a lost file).
//
// Tail: truncation (a replica's divergent tail) lowers the recovery-point file before it cuts, never
// splits a batch, fdatasyncs the cut and fsyncs the directory when segments went.
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { LogDamage } from './damage.js'
import type { Disk } from './disk.js'
import { offsetOutOfRange } from './errors.js'
import { deletesByRetention, type LogConfig } from './log-api.js'
import type { Logger } from '../log.js'
import { persistRecoveryPoint, type LogOffsets } from './log-flush.js'
import { prepareSegment, type LogReadState } from './log-read.js'
import { logStartOffsetOf } from './log-open.js'
import type { LogStartCheckpoint } from './log-start.js'
import type { RecoveryReport } from './recovery.js'
import type { Segment } from './segment.js'
import type { SegmentSet } from './segment-set.js'
import type { UnflushedSegments } from './unflushed-segments.js'

export interface LogTrimState {
  readonly disk: Disk
  readonly dir: string
  readonly segments: SegmentSet
  readonly unflushed: UnflushedSegments
  readonly start: LogStartCheckpoint
  readonly damage: LogDamage
  readonly offsets: LogOffsets
  readonly logger: Logger
  readonly clock: () => number
}

/**
 * Moves the log start up to `newStart` (a repair, or DeleteRecords), with the high watermark and
 * recovery point when they lie below it. Returns how many segments were deleted.
 */
export function moveLogStartTo(state: LogTrimState, newStart: number): number {
  const { disk, segments, offsets } = state
  let segmentsDeleted = 0
  state.start.move(newStart, false)
  while (segments.count > 1 && segments.endOffsetOf(0) <= newStart) {
    const segment = segments.shift()
    segment.delete(disk)
    state.unflushed.forget([segment])
    segmentsDeleted++
  }
  if (segmentsDeleted > 0) disk.fsyncDir(state.dir)
  if (offsets.highWatermark < newStart) offsets.highWatermark = newStart
  if (offsets.recoveryPoint < newStart) offsets.recoveryPoint = newStart
  return segmentsDeleted
}

/**
 * A repair: the log start past the last damage not yet repaired. `move` moves it (moveLogStartTo,
 * guarded by the log); nothing moves when there is no damage.
 */
export function repairPastDamage(state: LogTrimState, report: RecoveryReport, move: (newStart: number) => number):
  { logStartOffset: number; offsetsSkipped: number; segmentsDeleted: number } {
  const before = logStartOffsetOf(state.segments, state.damage, state.start)
  const damage = state.damage.above(before)
  if (damage.length === 0) return { logStartOffset: before, offsetsSkipped: 0, segmentsDeleted: 0 }
  const newStart = damage[damage.length - 1]!.resumeOffset
  const logEndOffset = state.segments.active.nextOffset
  assert(newStart <= logEndOffset, `repair to ${newStart} past the log end ${logEndOffset}`)
  const segmentsDeleted = move(newStart)
  const offsetsSkipped = newStart - before
  report.damagedOffsets = 0
  state.logger.warn({ before, logStartOffset: newStart, offsetsSkipped, repaired: damage, segmentsDeleted },
    'partition repaired: log start moved past the damage, offsets below it are gone')
  return { logStartOffset: newStart, offsetsSkipped, segmentsDeleted }
}

/**
 * DeleteRecords: the log start up to `offset` with `move` (moveLogStartTo, guarded by the log);
 * POLICY_VIOLATION unless the log deletes by retention, OFFSET_OUT_OF_RANGE past the high watermark.
 */
export function deleteRecordsTo(state: LogTrimState, config: LogConfig, offset: number, move: (newStart: number) => number):
  { logStartOffset: number; segmentsDeleted: number } {
  const { segments, damage, start } = state
  const highWatermark = state.offsets.highWatermark
  if (!deletesByRetention(config)) {
    throw new FaecieError(ErrorCode.POLICY_VIOLATION, `Records of ${state.dir} cannot be deleted: its cleanup.policy is ${config.cleanupPolicy}.`)
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > highWatermark) {
    throw offsetOutOfRange(offset, logStartOffsetOf(segments, damage, start), highWatermark)
  }
  const before = logStartOffsetOf(segments, damage, start)
  if (offset <= before) return { logStartOffset: before, segmentsDeleted: 0 }
  const segmentsDeleted = move(offset)
  state.logger.info({ before, logStartOffset: offset, segmentsDeleted }, 'records deleted: log start moved')
  return { logStartOffset: logStartOffsetOf(segments, damage, start), segmentsDeleted }
}

/**
 * Deletes `victims`, the oldest segments (segmentsPastRetention), the log start moving to the next
 * base. On a full disk the checkpoint may have to wait for the room the deletion makes.
 */
export function deleteRetainedSegments(state: LogTrimState, victims: readonly { segment: Segment }[]): void {
  const { disk, segments, start } = state
  start.move(Math.max(segments.at(victims.length).baseOffset, start.floor), true)
  for (const { segment } of victims) {
    assert(segments.shift() === segment, 'retention deletes from the front')
    segment.delete(disk)
    state.unflushed.forget([segment])
  }
  disk.fsyncDir(state.dir)
  if (!start.persisted) start.move(start.floor, true)
  // Damage below what retention deleted is gone with it.
  const first = segments.first.baseOffset
  state.damage.retain((r) => r.resumeOffset > first)
}

/**
 * Removes every record at or after `offset`, a whole batch when `offset` falls inside it (the log
 * end becomes its base); segments wholly past it are deleted. `lowerCleanerCheckpoint` is told of
 * the cut before anything is cut: what is appended after it has not been cleaned.
 */
export function truncateLogTo(state: LogTrimState & LogReadState, offset: number, lowerCleanerCheckpoint: (offset: number) => void): void {
  const { disk, segments, offsets } = state
  // The recovery point goes down first, to where the cut will be (a batch is never split): a crash
  // half way then rescans, never trusts, the cut segment, and finds no promised offset missing.
  const found = prepareSegment(state, segments.floorIndex(offset)).findBatch(disk, offset)
  const cut = found === null ? offset : Math.min(offset, found.baseOffset)
  if (offsets.recoveryPointOnDisk > cut) persistRecoveryPoint(state, Math.min(offsets.recoveryPoint, cut))
  lowerCleanerCheckpoint(offset)
  const keep = segments.floorIndex(offset)
  const segment = prepareSegment(state, keep)
  const removed = segments.truncateAfter(keep)
  for (let i = removed.length - 1; i >= 0; i--) removed[i]!.delete(disk)
  segment.truncateTo(disk, offset)
  if (segment.sealed) segment.activate(disk, state.clock())
  disk.fdatasync(segment.fd(disk))
  if (removed.length > 0) disk.fsyncDir(state.dir)
  state.unflushed.forget(removed)
  const logEndOffset = segments.active.nextOffset
  offsets.recoveryPoint = Math.min(offsets.recoveryPoint, logEndOffset)
  offsets.highWatermark = Math.min(offsets.highWatermark, logEndOffset)
  state.damage.retain((r) => r.resumeOffset <= offset)
  state.logger.info({ offset, logEndOffset, segmentsRemoved: removed.length }, 'log truncated')
}

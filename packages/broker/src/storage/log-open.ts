// The open path of a partition log (log.ts): the directory created or recovered (recovery.ts, which
// runs the continuity checks of continuity.ts and removes what log-start.ts finds wholly below the
// log start), then the running log's collaborators built from what it found: the segments
// (segment-set.ts), the damage (damage.ts) and the log start checkpoint (log-start.ts). It makes the
// checkpoints agree with the log it opened before the log accepts writes: the recovery point at the
// log end, the cleaner checkpoint at most the log end, and log-start-offset present.
import type { RecoveryContext, RecoveryReport } from './recovery.js'
import { readCleanerCheckpoint, writeRecoveryPoint } from './checkpoint.js'
import { LogDamage } from './damage.js'
import { mkdirDurably } from './disk.js'
import { LogStartCheckpoint } from './log-start.js'
import { openPartitionDir } from './recovery.js'
import { SegmentSet } from './segment-set.js'

/** What a partition log starts from. Its high watermark and recovery point start at the log end. */
export interface OpenedLog {
  report: RecoveryReport
  segments: SegmentSet
  damage: LogDamage
  start: LogStartCheckpoint
  /** The offset the recovery-point file holds now: the log end. */
  recoveryPointOnDisk: number
  /** Compaction has cleaned every closed segment below this offset (the cleaner checkpoint). */
  cleanedUpTo: number
}

/**
 * The log start offset: the first segment's base offset, or the first damaged offset when the damage
 * lies before it; at least the checkpointed floor (DeleteRecords, a repair), at most the log end.
 */
export function logStartOffsetOf(segments: SegmentSet, damage: LogDamage, start: LogStartCheckpoint): number {
  const first = segments.first.baseOffset
  const front = damage.ranges[0]
  const offset = front !== undefined && front.firstOffset < first ? front.firstOffset : first
  return Math.min(Math.max(offset, start.floor), segments.active.nextOffset)
}

/** Creates the partition directory `ctx.dir` or recovers it. */
export function openLog(ctx: RecoveryContext): OpenedLog {
  const { disk, dir, logger } = ctx
  mkdirDurably(disk, dir)
  const opened = openPartitionDir(ctx)
  const report = opened.report
  const damage = new LogDamage(disk, dir, logger, report, opened.damage)
  const start = new LogStartCheckpoint(disk, dir, logger, opened.logStartOffsetOnDisk)
  const segments = new SegmentSet(opened.segments)
  segments.releaseClosed(disk)
  const logEndOffset = segments.active.nextOffset
  let recoveryPointOnDisk = opened.recoveryPointOnDisk ?? -1
  if (recoveryPointOnDisk !== logEndOffset) {
    writeRecoveryPoint(disk, dir, logEndOffset)
    recoveryPointOnDisk = logEndOffset
  }
  const cleanedUpTo = Math.min(readCleanerCheckpoint(disk, dir, logger) ?? 0, logEndOffset)
  const logStartOffset = logStartOffsetOf(segments, damage, start)
  // A new directory, or one from before the file existed: its start is checked from now on.
  if (!start.persisted) start.move(logStartOffset, false)
  const level = report.clean && report.leftoversRemoved.length === 0 ? 'debug' : 'info'
  logger[level]({ ...report, logStartOffset: logStartOffsetOf(segments, damage, start), logEndOffset, segments: segments.count },
    report.clean ? 'partition log opened' : 'partition log recovered')
  return { report, segments, damage, start, recoveryPointOnDisk, cleanedUpTo }
}

// The open path of a partition log (log.ts), and its mirror, the close. Open creates the directory
// or recovers it (recovery.ts, which runs the continuity checks of continuity.ts and removes what
// log-start.ts finds wholly below the log start), then builds the running log's collaborators from
// what it found: the segments (segment-set.ts), the damage (damage.ts) and the log start checkpoint
// (log-start.ts). It makes the checkpoints agree with the log it opened before the log accepts
// writes: the recovery point at the log end, the cleaner checkpoint at most the log end, and
// log-start-offset present. A clean close leaves the clean-shutdown marker that lets the next open
// trust the tail. The partition's directory, which the log owns (nothing else writes there except
// the actor's producer-state snapshot):
//
//   DATA_DIR/TOPIC-PARTITION/
//     00000000000000000000.log         batches back to back (segment.ts)
//     00000000000000000000.index       sparse offset -> position, 8-byte entries (offset-index.ts)
//     00000000000000000000.timeindex   sparse timestamp -> offset, 12-byte entries (time-index.ts)
//     00000000000000004711.log         the next segment, named by its base offset, 20 digits
//     00000000000000004711.index       (index files appear when a segment gets entries or rolls)
//     00000000000000004711.timeindex
//     recovery-point                   "1\n<offset>\n": fdatasynced below it (checkpoint.ts)
//     .clean-shutdown                  "1\n<log end>\n": present only between close and open
//     producer-state                   the actor's idempotence snapshot (partition/)
//     cleaner-checkpoint               "1\n<offset>\n": compaction cleaned below it (checkpoint.ts)
//     damage                           offsets lost to damaged or missing files (damage.ts)
//     log-start-offset                 "1\n<offset>\n": the log start offset, written whenever it moves
//                                      (checkpoint.ts); checked against the first segment at open
//                                      (log-start.ts)
//     leader-epoch-checkpoint          replicated partitions: epoch start offsets (leader-epoch-cache.ts)
//     replication-offset-checkpoint    "1\n<offset>\n": replicated partitions: the high watermark (checkpoint.ts)
//     *.tmp *.deleted *.cleaned *.swap leftovers of an interrupted operation (recovery.ts,
//                                      compaction-swap.ts)
import type { Logger } from '../log.js'
import type { RecoveryContext, RecoveryReport } from './recovery.js'
import { readCleanerCheckpoint, writeCleanShutdown, writeRecoveryPoint } from './checkpoint.js'
import { LogDamage } from './damage.js'
import { mkdirDurably, type Disk } from './disk.js'
import { persistRecoveryPoint, type LogFlushState } from './log-flush.js'
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

/** Closes every segment (its indexes completed), the recovery point at the log end, then the marker. */
export function closeCleanly(state: LogFlushState): void {
  const { disk, segments } = state
  for (const segment of segments.all()) segment.close(disk)
  const logEndOffset = segments.active.nextOffset
  if (state.offsets.recoveryPointOnDisk !== logEndOffset) persistRecoveryPoint(state, logEndOffset)
  writeCleanShutdown(disk, state.dir, logEndOffset)
}

/**
 * Closes the segments' files as they are, nothing written. With `failureMessage`, a file that fails
 * to close is logged with it and the others still closed; without, the failure is thrown.
 */
export function closeFiles(state: { disk: Disk; segments: SegmentSet; logger: Logger }, failureMessage?: string): void {
  for (const segment of state.segments.all()) {
    if (failureMessage === undefined) {
      segment.closeFd(state.disk)
      continue
    }
    try {
      segment.closeFd(state.disk)
    } catch (err) {
      state.logger.warn({ err, segment: segment.logPath }, failureMessage)
    }
  }
}

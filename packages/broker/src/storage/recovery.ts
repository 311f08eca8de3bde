// Opening a partition directory: what is there, what can be trusted, and what a crash or a power cut
// left half done. (The directory's layout is drawn at the top of log.ts.)
//
// 1. Inventory. Leftovers of an operation a crash interrupted are removed:
//    - `*.tmp`      a small file (recovery-point, .clean-shutdown, producer-state) being replaced by
//                   writeFileAtomic; the rename never happened, so the old file is whole: drop the tmp.
//    - `*.deleted`  a file renamed for deletion (Kafka's convention for deleting segments in the
//                   background); its deletion was decided: finish it.
//    - `*.swap`     a compacted segment being swapped in: finished when its `.log.swap` is there (the
//                   commit point), rolled back otherwise (the suffix protocol: compaction-swap.ts).
//    - `*.cleaned`  the output of a compaction not yet swapped in; compaction will run again.
//    - an .index or .timeindex whose .log is gone: a segment deletion that stopped half way (segments
//      are deleted .log first).
//    Unknown files are logged and left alone.
// 2. Clean start (the .clean-shutdown marker is there): the files are trusted; only the active
//    segment's tail is checked, cheaply: its indexes' sanity, a walk of the batch headers from its
//    last index entry to the end of the file, the last batch's CRC, and the log end offset the marker
//    recorded. If any of that fails, the start is treated as unclean.
// 3. Unclean start: every segment from the one holding the last record below the recovery point
//    on is scanned batch by batch (length, structure, CRC, offsets increasing, each segment starting
//    where the previous one ended: segment-scan.ts). Offsets may skip inside a segment and between
//    batches: compaction removes records but keeps each batch's offsets and each segment's base and
//    last offset (cleaner.ts), so only the increase is checked within a segment. Only a bad *tail*
//    is cut (a torn write: a bad batch with nothing valid after it, in its segment or a later one),
//    with the segments after it; a bad batch with valid batches after it is damage (damage.ts):
//    its bytes are kept, the offsets it held are answered LOG_DAMAGED, the rest stays readable.
//    Indexes are rebuilt from the scan and rewritten where they disagree with the files. The scanned
//    logs are fdatasynced, so the recovery point can move to the new log end.
// 4. Continuity (continuity.ts): segments below the recovery point are trusted, but each closed one
//    must end where the next begins (a cheap walk of its last few headers) and the log must reach
//    the end a checkpoint promised. A segment that fails, or whose index file is missing, is scanned
//    whole and its indexes rebuilt; what it lost is damage, never cut: data once made durable is
//    never dropped silently. A partition whose segments are all gone while a checkpoint says it held
//    data opens damaged, not empty at 0.
// 5. Log start (log-start.ts): segments wholly below the checkpointed log start are deleted (before
//    anything else reads them), and offsets missing between it and the first segment are damage.
import { join } from 'node:path'
import { checkBatch } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { BatchCursor } from './batch-cursor.js'
import { CLEANED_SUFFIX, settleInterruptedSwaps } from './compaction-swap.js'
import {
  CLEAN_SHUTDOWN_FILE, CLEANER_CHECKPOINT_FILE, LOG_START_OFFSET_FILE, readCleanShutdown, readLogStartOffset, readRecoveryPoint, RECOVERY_POINT_FILE,
  removeCleanShutdown,
} from './checkpoint.js'
import { closedSegmentProblem } from './continuity.js'
import { DAMAGE_FILE, mergeDamage, offsetsLost, readDamage, writeDamage, type DamageRange } from './damage.js'
import { TMP_SUFFIX, type Disk } from './disk.js'
import { storageCorrupt } from './errors.js'
import type { Offset } from './log-api.js'
import { damageBeforeFirstSegment, removeSegmentsBelowLogStart } from './log-start.js'
import { LOG_SUFFIX, parseSegmentFileName, RELATIVE_OFFSET_MAX, Segment, segmentStem } from './segment.js'
import { ChunkReader, damagedBatchAt, findValidBatch, scanSegment } from './segment-scan.js'

export const DELETED_SUFFIX = '.deleted'
export { CLEANED_SUFFIX }
const KNOWN_FILES = new Set([RECOVERY_POINT_FILE, CLEAN_SHUTDOWN_FILE, CLEANER_CHECKPOINT_FILE, DAMAGE_FILE, LOG_START_OFFSET_FILE, 'producer-state', 'leader-epoch-checkpoint',
  'replication-offset-checkpoint', 'partition.metadata'])

export interface RecoveryContext {
  disk: Disk
  dir: string
  logger: Logger
  indexIntervalBytes: number
  nowMs: number
}

/** What opening found and did, for the log line and for tests. */
export interface RecoveryReport {
  clean: boolean
  segmentsScanned: number
  bytesTruncated: number
  segmentsRemoved: number
  indexesRebuilt: number
  leftoversRemoved: string[]
  /** Offsets the partition lost (damage.ts): reads crossing them get LOG_DAMAGED. */
  damagedOffsets: number
}

export function emptyReport(clean: boolean): RecoveryReport {
  return { clean, segmentsScanned: 0, bytesTruncated: 0, segmentsRemoved: 0, indexesRebuilt: 0, leftoversRemoved: [], damagedOffsets: 0 }
}

/** Step 1: the base offsets of the segments that have a .log, in order, after removing leftovers. */
export function inventory(ctx: RecoveryContext, report: RecoveryReport): Offset[] {
  const { disk, dir, logger } = ctx
  const logs = new Set<Offset>()
  const indexes: { name: string; baseOffset: Offset }[] = []
  const settled = settleInterruptedSwaps(disk, dir, disk.readdir(dir))
  report.leftoversRemoved.push(...settled.removed)
  if (settled.completed.length > 0) logger.warn({ segments: settled.completed }, 'finished the swap of compacted segments')
  const names = disk.readdir(dir)
  for (const name of names) {
    const segmentFile = parseSegmentFileName(name)
    if (segmentFile?.suffix === LOG_SUFFIX) logs.add(segmentFile.baseOffset)
    else if (segmentFile !== null) indexes.push({ name, baseOffset: segmentFile.baseOffset })
    else if (name.endsWith(TMP_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX)) {
      disk.unlink(join(dir, name))
      report.leftoversRemoved.push(name)
    } else if (!KNOWN_FILES.has(name)) logger.warn({ file: name }, 'unknown file in a partition directory, left alone')
  }
  for (const { name, baseOffset } of indexes) {
    if (logs.has(baseOffset)) continue
    disk.unlink(join(dir, name))
    report.leftoversRemoved.push(name)
  }
  if (report.leftoversRemoved.length > 0) {
    disk.fsyncDir(dir)
    logger.info({ files: report.leftoversRemoved }, 'removed leftovers of an interrupted operation')
  }
  return [...logs].sort((a, b) => a - b)
}

/** Writes a rebuilt segment's indexes where they differ from the files; counts rewrites in the report. */
function persistIndexes(ctx: RecoveryContext, segment: Segment, sealed: boolean, report: RecoveryReport): void {
  if (sealed) segment.appendFinalTimeEntry(ctx.disk)
  const outcomes = [segment.offsetIndex.persistRebuilt(ctx.disk), segment.timeIndex.persistRebuilt(ctx.disk)]
  segment.sealed = sealed
  if (!sealed) segment.startRollClock(ctx.disk, ctx.nowMs)
  if (outcomes.includes('rewritten')) {
    report.indexesRebuilt++
    ctx.logger.warn({ segment: segmentStem(segment.baseOffset) }, 'index disagreed with its log and was rebuilt')
  } else if (outcomes.includes('completed')) report.indexesRebuilt++
}

/**
 * Step 3: scans `segments[start...]`. A bad batch with valid batches after it (in its segment or a
 * later one) is damage: kept, skipped and returned, never cut. A bad tail (nothing valid after it) is
 * cut with the segments after it; indexes are rebuilt, logs fdatasynced. Returns what remains.
 */
export function recoverFrom(ctx: RecoveryContext, segments: Segment[], start: number, report: RecoveryReport,
  damage: DamageRange[], durableOffset: number): Segment[] {
  const { disk, logger } = ctx
  const reader = new ChunkReader()
  let kept = segments.length
  for (let i = start; i < segments.length; i++) {
    const segment = segments[i]!
    const previous = segments[i - 1]
    if (i > start && previous !== undefined && segment.baseOffset !== previous.nextOffset) {
      if (segment.baseOffset > previous.nextOffset && previous.nextOffset < durableOffset && laterDataExists(ctx, segments, i, reader)) {
        // Durable offsets between two segments are missing (a segment file deleted): the later ones are
        // kept. (Above the durable point, write-back without order explains it: a torn tail.)
        damage.push({ segmentBaseOffset: previous.baseOffset, firstOffset: previous.nextOffset, resumeOffset: segment.baseOffset,
          position: -1, endPosition: -1, problem: 'offsets missing between two segments (a segment file is gone)' })
        previous.nextOffset = segment.baseOffset
      } else {
        // A segment emptied by a power cut after a torn one, or one overlapping it: a torn tail.
        logger.warn({ segment: segmentStem(segment.baseOffset), previousEnd: previous.nextOffset },
          'segment does not start where the previous one ends; it and later segments are removed')
        kept = i
        break
      }
    }
    const isLast = i === segments.length - 1
    const offsetLimit = isLast ? Infinity : segments[i + 1]!.baseOffset
    const outcome = scanSegment(ctx, segment, offsetLimit, reader, durableOffset)
    report.segmentsScanned++
    damage.push(...outcome.damage)
    if (outcome.problem !== null && !isLast && laterDataExists(ctx, segments, i + 1, reader) &&
      (segment.nextOffset < durableOffset || damagedBatchAt(ctx, segment, segment.sizeBytes, segment.nextOffset, reader))) {
      // A bad tail with valid segments after it: damage up to the next segment, its bytes kept.
      damage.push({ segmentBaseOffset: segment.baseOffset, firstOffset: segment.nextOffset, resumeOffset: offsetLimit,
        position: segment.sizeBytes, endPosition: outcome.fileSizeBytes, problem: outcome.problem })
      segment.sizeBytes = outcome.fileSizeBytes
      segment.nextOffset = offsetLimit as Offset
      segment.finishRebuild(disk, outcome.fileSizeBytes)
      continue
    }
    segment.finishRebuild(disk, outcome.fileSizeBytes)
    const droppedBytes = outcome.fileSizeBytes - segment.sizeBytes
    if (droppedBytes > 0) {
      report.bytesTruncated += droppedBytes
      logger.warn({ segment: segmentStem(segment.baseOffset), position: segment.sizeBytes, problem: outcome.problem,
        droppedBytes, logEndOffset: segment.nextOffset }, 'torn or corrupt tail truncated')
      kept = i + 1
      break
    }
  }
  for (let i = segments.length - 1; i >= kept; i--) segments[i]!.delete(disk)
  const removed = segments.length - kept
  if (removed > 0) {
    report.segmentsRemoved += removed
    logger.warn({ removed, logEndOffset: segments[kept - 1]!.nextOffset }, 'segments after a torn one removed')
  }
  const remaining = segments.slice(0, kept)
  for (let i = start; i < kept; i++) {
    const segment = remaining[i]!
    persistIndexes(ctx, segment, i < kept - 1, report)
    disk.fdatasync(segment.fd(disk))
    if (i < kept - 1) segment.release(disk)
  }
  // Removed segments, and index files created by the rebuild.
  disk.fsyncDir(ctx.dir)
  return remaining
}

/** Whether any of `segments[from...]` holds a valid batch: then a bad tail before them is damage. */
function laterDataExists(ctx: RecoveryContext, segments: Segment[], from: number, reader: ChunkReader): boolean {
  for (let j = from; j < segments.length; j++) {
    const limit = j === segments.length - 1 ? Infinity : segments[j + 1]!.baseOffset
    if (findValidBatch(ctx, segments[j]!, 0, segments[j]!.baseOffset, limit, reader) >= 0) return true
  }
  return false
}

/**
 * A trusted closed segment (below the recovery point) whose index file is missing, or that failed
 * the continuity checks: scanned whole, its indexes rebuilt. What it lost is returned as damage,
 * never cut: data once made durable is not silently dropped.
 */
export function rebuildTrustedIndexes(ctx: RecoveryContext, segment: Segment, endOffset: number, report: RecoveryReport): DamageRange[] {
  const outcome = scanSegment(ctx, segment, endOffset, new ChunkReader())
  const damage = [...outcome.damage]
  const validEnd: number = segment.nextOffset
  if (validEnd < endOffset) {
    const bytesKept = outcome.problem !== null
    damage.push({ segmentBaseOffset: segment.baseOffset, firstOffset: validEnd, resumeOffset: endOffset,
      position: bytesKept ? segment.sizeBytes : -1, endPosition: bytesKept ? outcome.fileSizeBytes : -1,
      problem: outcome.problem ?? `the segment ends at offset ${validEnd}, the next one starts at ${endOffset}` })
  }
  // Bad bytes stay where they are: reads stop before them (damage.ts).
  segment.sizeBytes = outcome.fileSizeBytes
  segment.nextOffset = endOffset as Offset
  segment.finishRebuild(ctx.disk, outcome.fileSizeBytes)
  persistIndexes(ctx, segment, true, report)
  ctx.disk.fsyncDir(ctx.dir)
  ctx.logger.warn({ segment: segmentStem(segment.baseOffset) }, 'missing or damaged index rebuilt from its log')
  return damage
}

/** Step 2: true when the active segment's tail holds together and matches the marker's log end. */
export function checkCleanTail(ctx: RecoveryContext, active: Segment, markedLogEndOffset: number): boolean {
  const { disk, logger } = ctx
  const stem = segmentStem(active.baseOffset)
  const problem = active.loadIndexes(disk, active.baseOffset + RELATIVE_OFFSET_MAX + 1)
  if (problem !== null) {
    logger.warn({ segment: stem, problem }, 'clean shutdown marker, but the active segment index is damaged')
    return false
  }
  try {
    const cursor = new BatchCursor(disk, active.fd(disk), active.offsetIndex.lastPosition, active.sizeBytes, active.logPath)
    let lastPosition = -1
    let lastSize = 0
    while (cursor.next()) {
      lastPosition = cursor.position
      lastSize = cursor.sizeBytes
    }
    if (lastPosition >= 0) {
      const last = active.read(disk, lastPosition, lastSize)
      const check = checkBatch(last, 0, last.length, true)
      if (!check.ok) throw storageCorrupt(`last batch: ${check.problem}`)
    }
    active.activate(disk, ctx.nowMs)
  } catch (err) {
    logger.warn({ segment: stem, err }, 'clean shutdown marker, but the active segment tail is damaged')
    return false
  }
  if (active.nextOffset !== markedLogEndOffset) {
    logger.warn({ segment: stem, logEndOffset: active.nextOffset, markedLogEndOffset },
      'clean shutdown marker disagrees with the log end')
    return false
  }
  return true
}

/** What opening a partition directory leaves: its segments (the last one active) and the report. */
export interface OpenedDir {
  segments: Segment[]
  report: RecoveryReport
  /** The recovery point the file held, or null when there was no valid file. */
  recoveryPointOnDisk: number | null
  /** The log start offset the file held (checkpoint.ts), or null when there was no valid file. */
  logStartOffsetOnDisk: number | null
  /** Offsets lost, in order (the damage file, with what this open found merged in). */
  damage: DamageRange[]
}

/** Steps 1 to 3 for the directory `ctx.dir`, which exists. The clean-shutdown marker is gone after. */
export function openPartitionDir(ctx: RecoveryContext): OpenedDir {
  const { disk, dir, logger } = ctx
  const report = emptyReport(false)
  const logStartOffsetOnDisk = readLogStartOffset(disk, dir, logger)
  const bases = removeSegmentsBelowLogStart(ctx, inventory(ctx, report), logStartOffsetOnDisk, report)
  const markedEnd = readCleanShutdown(disk, dir, logger)
  const recoveryPointOnDisk = readRecoveryPoint(disk, dir, logger)
  // Damage in segments deleted above is gone with them, as retention drops it.
  const knownDamage = readDamage(disk, dir, logger).filter((r) => bases.length === 0 || r.resumeOffset > bases[0]!)
  // The last log end a checkpoint promised: what is below it was durable and must still be here (and
  // the log never ends before it starts).
  const knownEnd = Math.max(markedEnd ?? 0, recoveryPointOnDisk ?? 0, logStartOffsetOnDisk ?? 0)
  const found: DamageRange[] = []
  let segments = bases.map((base) => Segment.open(disk, dir, base))
  if (segments.length === 0) {
    segments = [Segment.create(disk, dir, knownEnd as Offset)]
    disk.fsyncDir(dir)
    report.clean = true
    const start = logStartOffsetOnDisk ?? 0
    if (knownEnd > start) {
      found.push({ segmentBaseOffset: knownEnd, firstOffset: start, resumeOffset: knownEnd, position: -1, endPosition: -1,
        problem: 'every segment file is missing' })
    }
  } else {
    report.clean = markedEnd !== null && checkCleanTail(ctx, segments[segments.length - 1]!, markedEnd)
    let trustedCount = segments.length - 1
    if (!report.clean) {
      // From the segment holding the last durable record: a segment that ends exactly at the
      // recovery point may have been sealed after the last flush, its indexes not yet fsynced.
      const lastDurable = (recoveryPointOnDisk ?? 0) - 1
      let start = 0
      for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= lastDurable) start = i
      segments = recoverFrom(ctx, segments, start, report, found, recoveryPointOnDisk ?? 0)
      trustedCount = Math.min(start, segments.length - 1)
    }
    for (let i = 0; i < trustedCount; i++) {
      const segment = segments[i]!
      const endOffset = segments[i + 1]!.baseOffset
      segment.nextOffset = endOffset as Offset
      if (segment.indexesMissing) found.push(...rebuildTrustedIndexes(ctx, segment, endOffset, report))
      else {
        const problem = closedSegmentProblem(disk, segment, endOffset)
        if (problem !== null) {
          logger.error({ segment: segmentStem(segment.baseOffset), problem }, 'closed segment does not hold together; scanning it')
          found.push(...rebuildTrustedIndexes(ctx, segment, endOffset, report))
        }
      }
    }
    const active = segments[segments.length - 1]!
    if (active.nextOffset < knownEnd) {
      // Offsets a checkpoint promised are gone from the end: appends go on after them, never renumber them.
      found.push({ segmentBaseOffset: active.baseOffset, firstOffset: active.nextOffset, resumeOffset: knownEnd, position: -1,
        endPosition: -1, problem: `the log ends at ${active.nextOffset}, but a checkpoint says offsets below ${knownEnd} were durable` })
      active.seal(disk)
      active.syncIndexes(disk)
      active.nextOffset = knownEnd as Offset
      segments.push(Segment.create(disk, dir, knownEnd as Offset))
      disk.fsyncDir(dir)
    }
    const missingFront = damageBeforeFirstSegment(segments[0]!.baseOffset, logStartOffsetOnDisk)
    if (missingFront !== null) found.unshift(missingFront)
  }
  const logEndOffset = segments[segments.length - 1]!.nextOffset
  const damage = mergeDamage(knownDamage.filter((r) => r.firstOffset < logEndOffset), found)
  if (JSON.stringify(damage) !== JSON.stringify(knownDamage)) writeDamage(disk, dir, damage)
  for (const range of damage) {
    logger.error({ ...range, segment: segmentStem(range.segmentBaseOffset), offsetsLost: range.resumeOffset - range.firstOffset },
      'partition log is damaged: reads crossing these offsets get LOG_DAMAGED until it is repaired')
  }
  report.damagedOffsets = offsetsLost(damage)
  removeCleanShutdown(disk, dir)
  return { segments, report, recoveryPointOnDisk, logStartOffsetOnDisk, damage }
}

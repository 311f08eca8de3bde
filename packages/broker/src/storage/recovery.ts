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
//    on is scanned batch by batch (length, structure, CRC, offsets increasing, each segment starting where the previous one
//    ended). Offsets may skip inside a segment and between batches: compaction removes records but
//    keeps each batch's offsets and each segment's base and last offset (cleaner.ts), so only the
//    increase is checked within a segment, and the boundaries between segments still meet exactly. The first bad batch and everything after it are cut, later segments are deleted, and
//    the indexes are rebuilt from the scan and rewritten where they disagree with the files. The
//    scanned logs are fdatasynced, so the recovery point can move to the new log end.
// Segments below the recovery point are trusted; if one's index file is missing it is rebuilt, and
// if that finds a bad batch, the partition does not open (KAFKA_STORAGE_ERROR): data once made
// durable is never cut silently.
import { join } from 'node:path'
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, checkBatch, readInt64 } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { BatchCursor } from './batch-cursor.js'
import { CLEANED_SUFFIX, settleInterruptedSwaps } from './compaction-swap.js'
import { CLEAN_SHUTDOWN_FILE, CLEANER_CHECKPOINT_FILE, readCleanShutdown, readRecoveryPoint, RECOVERY_POINT_FILE, removeCleanShutdown } from './checkpoint.js'
import { TMP_SUFFIX, type Disk } from './disk.js'
import { storageCorrupt } from './errors.js'
import type { Offset } from './log-api.js'
import { LOG_SUFFIX, parseSegmentFileName, RELATIVE_OFFSET_MAX, Segment, segmentStem } from './segment.js'

export const DELETED_SUFFIX = '.deleted'
export { CLEANED_SUFFIX }
const KNOWN_FILES = new Set([RECOVERY_POINT_FILE, CLEAN_SHUTDOWN_FILE, CLEANER_CHECKPOINT_FILE, 'producer-state'])
const SCAN_CHUNK_BYTES = 1024 * 1024

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
}

export function emptyReport(clean: boolean): RecoveryReport {
  return { clean, segmentsScanned: 0, bytesTruncated: 0, segmentsRemoved: 0, indexesRebuilt: 0, leftoversRemoved: [] }
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

/** Reads a segment's .log in large chunks, so that each batch can be checked whole (CRC). */
class ChunkReader {
  buf = new Uint8Array(SCAN_CHUNK_BYTES)
  dv = new DataView(this.buf.buffer)
  #start = 0
  #end = 0
  #segment: Segment | null = null

  /** Makes [position, position + length) of the file readable; returns where it starts in buf. */
  window(disk: Disk, segment: Segment, position: number, length: number, fileSizeBytes: number): number {
    if (segment === this.#segment && position >= this.#start && position + length <= this.#end) return position - this.#start
    if (length > this.buf.length) {
      this.buf = new Uint8Array(length)
      this.dv = new DataView(this.buf.buffer)
    }
    const read = disk.pread(segment.fd(disk), this.buf, 0, Math.min(this.buf.length, fileSizeBytes - position), position)
    this.#segment = segment
    this.#start = position
    this.#end = position + read
    return read >= length ? 0 : -1
  }
}

interface ScanOutcome {
  problem: string | null
  fileSizeBytes: number
}

/**
 * Checks every batch of `segment` and notes it again (offsets, indexes, timestamps) until the end of
 * the file or the first bad batch; the segment's sizeBytes is then where the valid batches end.
 */
function scanSegment(ctx: RecoveryContext, segment: Segment, offsetLimit: number, reader: ChunkReader): ScanOutcome {
  const { disk } = ctx
  const fileSizeBytes = disk.fileSize(segment.fd(disk))
  segment.resetForRebuild()
  let expected: number = segment.baseOffset
  let pos = 0
  while (pos < fileSizeBytes) {
    if (pos > RELATIVE_OFFSET_MAX) return { problem: 'position past u32', fileSizeBytes }
    if (fileSizeBytes - pos < BATCH_HEADER_BYTES) return { problem: 'truncated header', fileSizeBytes }
    let at = reader.window(disk, segment, pos, BATCH_HEADER_BYTES, fileSizeBytes)
    if (at < 0) return { problem: 'file shorter than its size', fileSizeBytes }
    const size = reader.dv.getInt32(at + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
    if (size < BATCH_HEADER_BYTES) return { problem: 'bad-length', fileSizeBytes }
    if (size > fileSizeBytes - pos) return { problem: 'truncated', fileSizeBytes }
    at = reader.window(disk, segment, pos, size, fileSizeBytes)
    if (at < 0) return { problem: 'file shorter than its size', fileSizeBytes }
    const check = checkBatch(reader.buf, at, at + size, true)
    if (!check.ok) return { problem: check.problem, fileSizeBytes }
    const baseOffset = readInt64(reader.dv, at + BatchField.baseOffset)
    const lastOffset = baseOffset + reader.dv.getInt32(at + BatchField.lastOffsetDelta)
    if (baseOffset < expected) return { problem: `offset ${baseOffset} does not follow ${expected - 1}`, fileSizeBytes }
    if (lastOffset >= offsetLimit) return { problem: `offset ${lastOffset} reaches the next segment`, fileSizeBytes }
    if (lastOffset - segment.baseOffset > RELATIVE_OFFSET_MAX) return { problem: 'relative offset past u32', fileSizeBytes }
    const maxTimestampMs = readInt64(reader.dv, at + BatchField.maxTimestamp)
    segment.noteBatch(disk, baseOffset, lastOffset, size, maxTimestampMs, ctx.indexIntervalBytes, ctx.nowMs)
    expected = lastOffset + 1
    pos += size
  }
  return { problem: null, fileSizeBytes }
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
 * Step 3: scans `segments[start...]`, cuts the first bad batch and what follows, deletes the segments
 * after it, rebuilds indexes, fdatasyncs. Returns the segments that remain.
 */
export function recoverFrom(ctx: RecoveryContext, segments: Segment[], start: number, report: RecoveryReport): Segment[] {
  const { disk, logger } = ctx
  const reader = new ChunkReader()
  let kept = segments.length
  for (let i = start; i < segments.length; i++) {
    const segment = segments[i]!
    const previous = segments[i - 1]
    if (i > start && previous !== undefined && segment.baseOffset !== previous.nextOffset) {
      logger.warn({ segment: segmentStem(segment.baseOffset), previousEnd: previous.nextOffset },
        'segment does not start where the previous one ends; it and later segments are removed')
      kept = i
      break
    }
    const isLast = i === segments.length - 1
    const outcome = scanSegment(ctx, segment, isLast ? Infinity : segments[i + 1]!.baseOffset, reader)
    report.segmentsScanned++
    segment.finishRebuild(disk, outcome.fileSizeBytes)
    const droppedBytes = outcome.fileSizeBytes - segment.sizeBytes
    if (droppedBytes > 0) {
      report.bytesTruncated += droppedBytes
      logger.warn({ segment: segmentStem(segment.baseOffset), position: segment.sizeBytes, problem: outcome.problem,
        droppedBytes, logEndOffset: segment.nextOffset }, 'torn or corrupt tail truncated')
    }
    // (A segment emptied by a power cut, with later ones kept, fails the boundary check that follows.)
    if (droppedBytes > 0) {
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

/**
 * A trusted segment (below the recovery point) whose index file is missing: rebuilt from its log.
 * A bad batch here is not a torn write but damage to durable data, so the open fails.
 */
export function rebuildTrustedIndexes(ctx: RecoveryContext, segment: Segment, endOffset: number, report: RecoveryReport): void {
  const outcome = scanSegment(ctx, segment, endOffset, new ChunkReader())
  if (outcome.problem !== null || segment.sizeBytes !== outcome.fileSizeBytes) {
    throw storageCorrupt(`${segment.logPath} is below the recovery point but has a bad batch at position ` +
      `${segment.sizeBytes} (${outcome.problem ?? 'unknown'})`)
  }
  segment.finishRebuild(ctx.disk, outcome.fileSizeBytes)
  persistIndexes(ctx, segment, true, report)
  ctx.disk.fsyncDir(ctx.dir)
  ctx.logger.warn({ segment: segmentStem(segment.baseOffset) }, 'missing or damaged index rebuilt from its log')
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
}

/** Steps 1 to 3 for the directory `ctx.dir`, which exists. The clean-shutdown marker is gone after. */
export function openPartitionDir(ctx: RecoveryContext): OpenedDir {
  const { disk, dir, logger } = ctx
  const report = emptyReport(false)
  const bases = inventory(ctx, report)
  const markedEnd = readCleanShutdown(disk, dir, logger)
  const recoveryPointOnDisk = readRecoveryPoint(disk, dir, logger)
  let segments = bases.map((base) => Segment.open(disk, dir, base))
  if (segments.length === 0) {
    if ((recoveryPointOnDisk ?? 0) > 0) logger.warn({ recoveryPointOnDisk }, 'no segments but a recovery point: starting empty at 0')
    segments = [Segment.create(disk, dir, 0 as Offset)]
    disk.fsyncDir(dir)
    report.clean = true
  } else {
    report.clean = markedEnd !== null && checkCleanTail(ctx, segments[segments.length - 1]!, markedEnd)
    let trustedCount = segments.length - 1
    if (!report.clean) {
      // From the segment holding the last durable record: a segment that ends exactly at the
      // recovery point may have been sealed after the last flush, its indexes not yet fsynced.
      const lastDurable = (recoveryPointOnDisk ?? 0) - 1
      let start = 0
      for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= lastDurable) start = i
      segments = recoverFrom(ctx, segments, start, report)
      trustedCount = start
    }
    for (let i = 0; i < trustedCount; i++) {
      const segment = segments[i]!
      segment.nextOffset = segments[i + 1]!.baseOffset
      if (segment.indexesMissing) rebuildTrustedIndexes(ctx, segment, segment.nextOffset, report)
    }
  }
  removeCleanShutdown(disk, dir)
  return { segments, report, recoveryPointOnDisk }
}

// Swapping a compacted segment in place of the original, so that a crash at any point leaves either
// the whole original segment or the whole cleaned one, never a mix of a log and another's indexes.
//
// The suffix protocol, per segment NNNN (the cleaner wrote and fsynced the first three files):
//
//   NNNN.{index,timeindex}.cleaned  written by the cleaner (cleaner.ts), not yet decided on
//   NNNN.log.cleaned
//     1. rename NNNN.index.cleaned -> NNNN.index.swap, NNNN.timeindex.cleaned -> NNNN.timeindex.swap;
//        fsync the directory
//     2. rename NNNN.log.cleaned -> NNNN.log.swap; fsync the directory.   <- the commit point
//     3. rename NNNN.index.swap -> NNNN.index, NNNN.timeindex.swap -> NNNN.timeindex; fsync the directory
//     4. rename NNNN.log.swap -> NNNN.log (replacing the original); fsync the directory.
//
// On open (recovery.ts, before anything else is looked at): where NNNN.log.swap exists, the swap was
// decided: steps 3 and 4 are done again for whatever .swap files are left (roll forward). Any other
// .swap file belongs to a swap that never reached its commit point: it is deleted with the .cleaned
// files (roll back), and the original segment stands. Because the .log is renamed last in both
// phases, an index file named like a segment always belongs with the .log of that name.
//
// The actor does all of this (the only code that renames its partition's files) and then reopens the
// segment; offsets are the same before and after, since compaction keeps every segment's base offset
// and last offset (cleaner.ts).
import { join } from 'node:path'
import type { CleanerResult } from './cleaner.js'
import type { Disk } from './disk.js'
import { OFFSET_INDEX_SUFFIX } from './offset-index.js'
import { LOG_SUFFIX, Segment, segmentStem } from './segment.js'
import type { SegmentSet } from './segment-set.js'
import { TIME_INDEX_SUFFIX } from './time-index.js'

export const CLEANED_SUFFIX = '.cleaned'
export const SWAP_SUFFIX = '.swap'

export interface SegmentPaths {
  log: string
  index: string
  timeindex: string
}

/** The paths of a segment's three files, with `suffix` (`.cleaned`, `.swap`) after each name. */
export function segmentPaths(dir: string, baseOffset: number, suffix = ''): SegmentPaths {
  const stem = join(dir, segmentStem(baseOffset))
  return { log: stem + LOG_SUFFIX + suffix, index: stem + OFFSET_INDEX_SUFFIX + suffix, timeindex: stem + TIME_INDEX_SUFFIX + suffix }
}

/** The swap steps, numbered as above, so that tests can stop after any of them as a crash would. */
export type SwapStep = 1 | 2 | 3 | 4

/**
 * Steps 1 to `upTo` (4: the whole swap) for the cleaned segment at `baseOffset`. The caller has
 * closed the original's fd and reopens the segment afterwards.
 */
export function swapCleanedSegment(disk: Disk, dir: string, baseOffset: number, upTo: SwapStep = 4): void {
  const cleaned = segmentPaths(dir, baseOffset, CLEANED_SUFFIX)
  const swap = segmentPaths(dir, baseOffset, SWAP_SUFFIX)
  disk.rename(cleaned.index, swap.index)
  disk.rename(cleaned.timeindex, swap.timeindex)
  disk.fsyncDir(dir)
  if (upTo < 2) return
  disk.rename(cleaned.log, swap.log)
  disk.fsyncDir(dir)
  if (upTo < 3) return
  rollForward(disk, dir, baseOffset, upTo)
}

/** Steps 3 and 4 for whatever .swap files of the segment remain. */
function rollForward(disk: Disk, dir: string, baseOffset: number, upTo: SwapStep = 4): void {
  const swap = segmentPaths(dir, baseOffset, SWAP_SUFFIX)
  const final = segmentPaths(dir, baseOffset)
  if (disk.exists(swap.index)) disk.rename(swap.index, final.index)
  if (disk.exists(swap.timeindex)) disk.rename(swap.timeindex, final.timeindex)
  disk.fsyncDir(dir)
  if (upTo < 4) return
  disk.rename(swap.log, final.log)
  disk.fsyncDir(dir)
}

/** Whether the cleaner's three files are all there (a reopen of the partition removes them). */
export function cleanedFilesPresent(disk: Disk, dir: string, baseOffset: number): boolean {
  const cleaned = segmentPaths(dir, baseOffset, CLEANED_SUFFIX)
  return disk.exists(cleaned.log) && disk.exists(cleaned.index) && disk.exists(cleaned.timeindex)
}

/** Removes a segment's .cleaned files (a swap given up: the segment changed while it was cleaned). */
export function discardCleaned(disk: Disk, dir: string, baseOffset: number): void {
  const cleaned = segmentPaths(dir, baseOffset, CLEANED_SUFFIX)
  for (const path of [cleaned.log, cleaned.index, cleaned.timeindex]) if (disk.exists(path)) disk.unlink(path)
}

/**
 * On open: finishes every swap past its commit point and rolls back the others (the .swap files
 * left without their NNNN.log.swap). Returns the names it completed or removed.
 */
export function settleInterruptedSwaps(disk: Disk, dir: string, names: string[]): { completed: string[]; removed: string[] } {
  const completed: string[] = []
  const removed: string[] = []
  const committed = new Set<string>()
  for (const name of names) if (name.endsWith(LOG_SUFFIX + SWAP_SUFFIX)) committed.add(name.slice(0, -(LOG_SUFFIX + SWAP_SUFFIX).length))
  for (const stem of committed) {
    rollForward(disk, dir, Number(stem))
    completed.push(stem + LOG_SUFFIX)
  }
  for (const name of names) {
    if (!name.endsWith(SWAP_SUFFIX)) continue
    const stem = name.slice(0, name.indexOf('.'))
    if (committed.has(stem)) continue
    disk.unlink(join(dir, name))
    removed.push(name)
  }
  if (completed.length > 0 || removed.length > 0) disk.fsyncDir(dir)
  return { completed, removed }
}

export interface CompactionOutcome {
  segmentsSwapped: number
  segmentsSkipped: number
  bytesBefore: number
  bytesAfter: number
}

/**
 * Puts a cleaner's output in place in `segments`: each cleaned segment that is still here, closed
 * and of the size the cleaner read replaces the original (`replaced` is told of each original,
 * closed); the output of any other is discarded (retention or a truncation got there first).
 */
export function swapCleanedSegments(disk: Disk, dir: string, segments: SegmentSet, result: CleanerResult,
  replaced: (original: Segment) => void): CompactionOutcome {
  const outcome: CompactionOutcome = { segmentsSwapped: 0, segmentsSkipped: 0, bytesBefore: 0, bytesAfter: 0 }
  for (const cleaned of result.segments) {
    const i = segments.floorIndex(cleaned.baseOffset)
    const segment = i >= 0 ? segments.at(i) : undefined
    if (segment === undefined || segment.baseOffset !== cleaned.baseOffset || i >= segments.count - 1 ||
      segment.sizeBytes !== cleaned.originalSizeBytes || !cleanedFilesPresent(disk, dir, cleaned.baseOffset)) {
      discardCleaned(disk, dir, cleaned.baseOffset)
      outcome.segmentsSkipped++
      continue
    }
    segment.closeFd(disk)
    replaced(segment)
    swapCleanedSegment(disk, dir, cleaned.baseOffset)
    segments.replace(i, Segment.open(disk, dir, segment.baseOffset))
    outcome.segmentsSwapped++
    outcome.bytesBefore += cleaned.originalSizeBytes
    outcome.bytesAfter += cleaned.sizeBytes
  }
  return outcome
}

// Which segments compaction may rewrite, and whether it is time to: a decision apart from the
// rewriting (cleaner.ts) and the swap (compaction-swap.ts), as retention.ts is for deletion.
//
//   [ seg 0 ][ seg 1 ][ seg 2 ][ seg 3 ][ seg 4 ] ... [ seg n ][ active ]
//   |<-- cleaned before -->|<------- dirty ------->|   ^ high watermark somewhere here or later
//   log start              firstDirtyOffset (the cleaner checkpoint)
//
// Cleanable: the closed segments from the log start whose every record is below the high watermark
// (consumers may not read past it, and it could still move back under `always`: nothing past it is
// final). The active segment never is. The dirty ratio is the bytes of the segments ending past the
// checkpoint over the bytes of all the cleanable ones; compaction runs when it reaches
// min.cleanable.dirty.ratio (or when asked to, whatever the ratio).
import type { CleanerInput } from './cleaner.js'
import { DEFAULT_DELETE_RETENTION_MS, DEFAULT_MIN_CLEANABLE_DIRTY_RATIO, type LogConfig } from './log-api.js'
import type { SegmentSet } from './segment-set.js'

/** What a cleaner gets (cleaner.ts), but the clock, which the cleaner's caller supplies. */
export interface CompactionPlan extends Omit<CleanerInput, 'nowMs'> {
  /** Not-yet-cleaned bytes / bytes of the segments in the plan, when it was made. */
  dirtyRatio: number
}

export interface CleanableRange {
  segments: CompactionPlan['segments']
  /** One past the last cleanable offset: the base of the first segment not cleanable. */
  endOffset: number
  dirtyBytes: number
  dirtyRatio: number
}

/** The cleanable segments and their dirty ratio; null when no closed segment is below the high watermark. */
export function cleanableRange(segments: SegmentSet, highWatermark: number, firstDirtyOffset: number): CleanableRange | null {
  let count = 0
  while (count < segments.count - 1 && segments.endOffsetOf(count) <= highWatermark) count++
  if (count === 0) return null
  let totalBytes = 0
  let dirtyBytes = 0
  const planned: CompactionPlan['segments'] = []
  for (let i = 0; i < count; i++) {
    const segment = segments.at(i)
    totalBytes += segment.sizeBytes
    if (segments.endOffsetOf(i) > firstDirtyOffset) dirtyBytes += segment.sizeBytes
    planned.push({ baseOffset: segment.baseOffset, sizeBytes: segment.sizeBytes })
  }
  return { segments: planned, endOffset: segments.endOffsetOf(count - 1), dirtyBytes, dirtyRatio: totalBytes === 0 ? 0 : dirtyBytes / totalBytes }
}

/**
 * The plan for the cleanable segments of the log in `dir`, or null when there are none or, unless
 * `force`, when the dirty ratio is below min.cleanable.dirty.ratio.
 */
export function planCompaction(dir: string, segments: SegmentSet, highWatermark: number, firstDirtyOffset: number,
  config: LogConfig, force: boolean): CompactionPlan | null {
  const range = cleanableRange(segments, highWatermark, firstDirtyOffset)
  if (range === null) return null
  const minRatio = config.minCleanableDirtyRatio ?? DEFAULT_MIN_CLEANABLE_DIRTY_RATIO
  if (!force && (range.dirtyBytes === 0 || range.dirtyRatio < minRatio)) return null
  return {
    dir,
    segments: range.segments,
    endOffset: range.endOffset,
    firstDirtyOffset,
    deleteRetentionMs: config.deleteRetentionMs ?? DEFAULT_DELETE_RETENTION_MS,
    indexIntervalBytes: config.indexIntervalBytes,
    dirtyRatio: range.dirtyRatio,
  }
}

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
import type { CompactionPlan } from './log.js'
import type { SegmentSet } from './segment-set.js'

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

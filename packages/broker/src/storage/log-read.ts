// The read path of a partition log (log.ts): fetch by offset, lookup by timestamp, and the segment
// preparation both need (fd opened, indexes loaded and, for a closed segment, checked; an index that
// fails its checks is rebuilt from the segment and what it lost recorded as damage). Reads step over
// damaged bytes (damage.ts): a read of a damaged offset is LOG_DAMAGED, reads on either side stop
// before the damaged bytes and start after them. It owns no state: the log's segments and damage are
// lent to it; a read only opens files and loads indexes (the segment set bounds how many), and the
// damage changes only through `indexesFailed`.
import type { Logger } from '../log.js'
import { wholeBatchesBefore } from './batch-cursor.js'
import { damageAt, findIntactBatch, intactBatches, logDamaged, type LogDamage } from './damage.js'
import type { Disk } from './disk.js'
import type { Segment } from './segment.js'
import type { SegmentSet } from './segment-set.js'

const EMPTY = new Uint8Array(0)

export interface LogReadState {
  readonly disk: Disk
  readonly dir: string
  readonly segments: SegmentSet
  readonly damage: LogDamage
  readonly logger: Logger
  /** Rebuilds the indexes of closed `segment` (ending at `endOffset`) and records what it lost. */
  readonly indexesFailed: (segment: Segment, endOffset: number) => void
}

/** Segment `i` ready to read: its fd open and its indexes loaded (and checked, for a closed one). */
export function prepareSegment(state: LogReadState, i: number): Segment {
  const { disk, segments } = state
  const segment = segments.at(i)
  if (i === segments.count - 1) {
    segment.offsetIndex.load(disk)
    segment.timeIndex.load(disk)
    return segment
  }
  if (!segment.offsetIndex.loaded || !segment.timeIndex.loaded) {
    const endOffset = segments.endOffsetOf(i)
    const problem = segment.loadIndexes(disk, endOffset)
    if (problem !== null) {
      state.logger.warn({ segment: segment.logPath, problem }, 'index of a closed segment failed its checks')
      state.indexesFailed(segment, endOffset)
    }
  }
  segments.touch(disk, segment)
  return segment
}

/**
 * The bytes of whole batches from the one holding `offset` (already checked to lie in the log),
 * none at or past `end`: at least one whole batch even when it is larger than `maxBytes`, otherwise
 * as many as fit, all from one segment. Empty when `offset` is `end`; LOG_DAMAGED when it is damaged.
 */
export function readBatches(state: LogReadState, offset: number, end: number, maxBytes: number): Uint8Array {
  const { disk, segments, damage } = state
  const damaged = offset < end ? damageAt(damage.ranges, offset) : undefined
  if (damaged !== undefined) throw logDamaged(damaged, state.dir)
  for (let i = segments.floorIndex(offset); i < segments.count && offset < end; i++) {
    const segment = prepareSegment(state, i)
    const found = findIntactBatch(disk, segment, damage.ranges, offset)
    if (found === null) continue
    if (found.baseOffset >= end) break
    const wantedBytes = Math.max(found.sizeBytes, Number.isFinite(maxBytes) ? Math.floor(maxBytes) : 0)
    const length = Math.min(found.intactEnd - found.position, wantedBytes)
    const bytes = segment.read(disk, found.position, length)
    return bytes.subarray(0, wholeBatchesBefore(bytes, end, segment.logPath))
  }
  return EMPTY
}

/**
 * The base offset of the first intact batch below `highWatermark` whose maxTimestamp is at least
 * `timestampMs`; null when there is none.
 */
export function findOffsetForTimestamp(state: LogReadState, timestampMs: number, highWatermark: number): number | null {
  const { disk, segments, damage } = state
  for (let i = 0; i < segments.count; i++) {
    if (segments.at(i).maxTimestampMs < timestampMs) continue
    const segment = prepareSegment(state, i)
    const olderUpTo = segment.timeIndex.lastOlderThan(timestampMs)
    for (const cursor of intactBatches(disk, segment, damage.ranges, segment.baseOffset + (olderUpTo ?? 0))) {
      if (cursor.baseOffset >= highWatermark) return null
      if (cursor.maxTimestampMs >= timestampMs) return cursor.baseOffset
    }
  }
  return null
}

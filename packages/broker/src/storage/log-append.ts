// The append path of a partition log (log.ts): whole batches stamped with their offsets and leader
// epoch, written with one write per segment touched, and the active segment rolled when the next
// batch would break one of its limits (segment.bytes, segment.ms, index.bytes, the relative offset
// range). A roll seals the old segment (its indexes written out; the next flush fsyncs them before
// the recovery point passes them), creates the new .log and fsyncs the directory before any batch
// goes there. A batch never spans segments. It owns no state: the log's segments are lent to it.
import { strict as assert } from 'node:assert'
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, readInt64, stampBatch } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { Disk } from './disk.js'
import type { LogConfig, Offset } from './log-api.js'
import { OFFSET_INDEX_ENTRY_BYTES } from './offset-index.js'
import { RELATIVE_OFFSET_MAX, Segment } from './segment.js'
import type { SegmentSet } from './segment-set.js'
import { TIME_INDEX_ENTRY_BYTES } from './time-index.js'
import type { UnflushedSegments } from './unflushed-segments.js'

export interface LogAppendState {
  readonly disk: Disk
  readonly dir: string
  readonly segments: SegmentSet
  /** Told of every segment written and sealed, for the next flush. */
  readonly unflushed: UnflushedSegments
  readonly logger: Logger
}

/**
 * Appends the whole batches of `bytes` (checked by the caller; asserted here) from the log end,
 * rewriting each one's baseOffset and partitionLeaderEpoch in place. Returns the new log end.
 */
export function appendBatches(state: LogAppendState, config: LogConfig, bytes: Uint8Array, leaderEpoch: number,
  nowMs: number): number {
  const { disk } = state
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let active = state.segments.active
  let next: number = active.nextOffset
  let runStart = 0
  let pos = 0
  while (pos < bytes.length) {
    assert(bytes.length - pos >= BATCH_HEADER_BYTES, `a partial batch header at ${pos} of ${bytes.length} bytes`)
    const size = dv.getInt32(pos + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
    assert(size >= BATCH_HEADER_BYTES && size <= bytes.length - pos, `a batch of ${size} bytes at ${pos} of ${bytes.length}`)
    const lastOffsetDelta = dv.getInt32(pos + BatchField.lastOffsetDelta)
    assert(lastOffsetDelta >= 0, `lastOffsetDelta ${lastOffsetDelta} at ${pos}`)
    if (active.sizeBytes > 0 && mustRoll(config, active, size, next + lastOffsetDelta, nowMs)) {
      writeRun(state, active, bytes, runStart, pos)
      runStart = pos
      active = rollSegment(state, nowMs)
    }
    stampBatch(bytes, pos, next, leaderEpoch)
    const maxTimestampMs = readInt64(dv, pos + BatchField.maxTimestamp)
    active.noteBatch(disk, next, next + lastOffsetDelta, size, maxTimestampMs, config.indexIntervalBytes, nowMs)
    next += lastOffsetDelta + 1
    pos += size
  }
  writeRun(state, active, bytes, runStart, pos)
  return next
}

/** Seals the active segment and starts the next one at its end; returns the new active segment. */
export function rollSegment(state: LogAppendState, nowMs: number, baseOffset: Offset = state.segments.active.nextOffset): Segment {
  const { disk, dir, segments } = state
  const previous = segments.active
  previous.seal(disk)
  state.unflushed.sealed(previous)
  const segment = Segment.create(disk, dir, baseOffset)
  disk.fsyncDir(dir)
  segments.push(disk, segment)
  state.logger.debug({ baseOffset: segment.baseOffset, previousSizeBytes: previous.sizeBytes, nowMs }, 'segment rolled')
  return segment
}

function writeRun(state: LogAppendState, segment: Segment, bytes: Uint8Array, start: number, end: number): void {
  if (end === start) return
  segment.write(state.disk, bytes, start, end)
  state.unflushed.wrote(segment)
}

/** Whether the batch about to go in (`sizeBytes` long, ending at `lastOffset`) needs a new segment. */
function mustRoll(config: LogConfig, active: Segment, sizeBytes: number, lastOffset: number, nowMs: number): boolean {
  return active.sizeBytes + sizeBytes > config.segmentBytes ||
    nowMs - active.rollBaseMs > config.segmentMs ||
    active.offsetIndex.entryCount >= Math.floor(config.indexBytesMax / OFFSET_INDEX_ENTRY_BYTES) ||
    // One time-index entry stays free for the one sealing writes.
    active.timeIndex.entryCount >= Math.floor(config.indexBytesMax / TIME_INDEX_ENTRY_BYTES) - 1 ||
    lastOffset - active.baseOffset > RELATIVE_OFFSET_MAX
}

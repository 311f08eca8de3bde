// Which segments retention deletes: Kafka's rules, as a decision apart from the deleting (log.ts).
//
// From the oldest segment on, while the oldest closed segment
//   - is past retention.ms: its largest timestamp is older than now - retentionMs (a segment with no
//     timestamps at all is never expired by time: its age is unknown), or
//   - is not needed for retention.bytes: the log without it still holds at least retentionBytes,
// it goes. The active segment never goes, nor a segment holding records at or past the high
// watermark (consumers have not been allowed to read them yet). Deleting whole segments from the
// front keeps logStartOffset on a segment base.
import type { Segment } from './segment.js'
import type { SegmentSet } from './segment-set.js'

export interface DeletedSegment {
  baseOffset: number
  sizeBytes: number
  reason: 'retention.ms' | 'retention.bytes'
}

export interface RetentionLimits {
  retentionMs: number
  retentionBytes: number
}

/** The oldest segments retention deletes now, oldest first (nothing is changed here). */
export function segmentsPastRetention(segments: SegmentSet, limits: RetentionLimits, nowMs: number,
  highWatermark: number): { segment: Segment; deleted: DeletedSegment }[] {
  const { retentionMs, retentionBytes } = limits
  const out: { segment: Segment; deleted: DeletedSegment }[] = []
  let sizeBytes = segments.sizeBytes
  for (let i = 0; i < segments.count - 1 && segments.at(i + 1).baseOffset <= highWatermark; i++) {
    const segment = segments.at(i)
    const expired = retentionMs >= 0 && segment.maxTimestampMs >= 0 && nowMs - segment.maxTimestampMs > retentionMs
    const oversized = retentionBytes >= 0 && sizeBytes - segment.sizeBytes >= retentionBytes
    if (!expired && !oversized) break
    sizeBytes -= segment.sizeBytes
    out.push({
      segment,
      deleted: { baseOffset: segment.baseOffset, sizeBytes: segment.sizeBytes, reason: expired ? 'retention.ms' : 'retention.bytes' },
    })
  }
  return out
}

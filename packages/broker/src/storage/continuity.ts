// Continuity checks at open: the cheap ones that tell whether the segments still add up to the log
// the partition had, so that a segment deleted or cut short shows up as damage (damage.ts) rather
// than as a silent gap. They read a few bytes per segment, never whole segments, so start-up time
// does not grow with the data (CRCs of closed segments are checked in the background: tasks/
// segment-verifier.ts). Only a segment that fails them is scanned whole (segment-scan.ts).
//
//   closed segment i:  walk the batch headers from its last offset-index entry to the end of its
//                      .log; the last batch must end exactly at the end of the file, and its last
//                      offset + 1 must be segment i+1's base offset (compaction keeps every
//                      segment's last offset, cleaner.ts)
//   the log end:       at least the last durable end a checkpoint recorded (the recovery point, or
//                      the log end a clean close wrote): below it, offsets that were promised are gone
import { BatchCursor } from './batch-cursor.js'
import type { Disk } from './disk.js'
import { isNotFound } from './disk.js'
import type { Segment } from './segment.js'

/** The offset index's entries are (relative offset u32, position u32): offset-index.ts. */
const OFFSET_INDEX_ENTRY_BYTES = 8

/** The position of the last offset-index entry of `segment`, 0 when it has none or no file. */
function lastIndexedPosition(disk: Disk, segment: Segment): number {
  let fd
  try {
    fd = disk.open(segment.offsetIndex.path, 'read')
  } catch (err) {
    if (isNotFound(err)) return 0
    throw err
  }
  try {
    const entries = Math.floor(disk.fileSize(fd) / OFFSET_INDEX_ENTRY_BYTES)
    if (entries === 0) return 0
    const entry = new Uint8Array(OFFSET_INDEX_ENTRY_BYTES)
    disk.pread(fd, entry, 0, OFFSET_INDEX_ENTRY_BYTES, (entries - 1) * OFFSET_INDEX_ENTRY_BYTES)
    return new DataView(entry.buffer).getUint32(4)
  } finally {
    disk.close(fd)
  }
}

/**
 * Whether closed `segment` ends where the next segment (at `endOffset`) starts: what is wrong, or
 * null. Costs one index entry and the headers of the batches after it.
 */
export function closedSegmentProblem(disk: Disk, segment: Segment, endOffset: number): string | null {
  const sizeBytes = segment.sizeBytes
  const from = lastIndexedPosition(disk, segment)
  if (from >= sizeBytes && from > 0) return `its index points at byte ${from}, past the end of its .log (${sizeBytes} bytes)`
  let end: number = segment.baseOffset
  try {
    const cursor = new BatchCursor(disk, segment.fd(disk), from, sizeBytes, segment.logPath)
    while (cursor.next()) end = cursor.lastOffset + 1
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
  if (end !== endOffset) return `it ends at offset ${end}, but the next segment starts at ${endOffset}`
  return null
}

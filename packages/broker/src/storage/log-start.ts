// The log start offset at open, against its checkpoint (the log-start-offset file: format in
// checkpoint.ts). Retention, repair and DeleteRecords write the new start before they delete the segments below it,
// so after any crash the file is at or past the first segment's start:
//
//   segments:    [ 0 .. 100 ) [ 100 .. 200 ) [ 200 .. 300 ) ...      checkpointed start S
//   S = 150:     segment 0 lies wholly below S: a deletion a crash interrupted; deleted now
//                (as retention would), segment 100 holds the start
//   S = 50, the first segment 100:   offsets 50..99 were in the log and their file is gone: damage
//                (LOG_DAMAGED), not retention, which would have written S = 100 first
//
// A directory without the file (from before it existed) keeps its first segment's base as the start;
// the log writes the file at that open, and from then on the start is checked. A running log keeps
// the file with LogStartCheckpoint (below).
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { removeLogStartOffset, writeLogStartOffset } from './checkpoint.js'
import type { DamageRange } from './damage.js'
import type { Disk } from './disk.js'
import type { Offset } from './log-api.js'
import type { RecoveryContext, RecoveryReport } from './recovery.js'
import { OFFSET_INDEX_SUFFIX } from './offset-index.js'
import { LOG_SUFFIX, segmentStem } from './segment.js'
import { TIME_INDEX_SUFFIX } from './time-index.js'

/**
 * Deletes the segments of `bases` (base offsets, in order) that lie wholly below `logStartOffset`
 * (the next segment starts at or before it); the last segment always stays. Returns the bases kept.
 */
export function removeSegmentsBelowLogStart(ctx: RecoveryContext, bases: Offset[], logStartOffset: number | null,
  report: RecoveryReport): Offset[] {
  if (logStartOffset === null) return bases
  let first = 0
  while (first < bases.length - 1 && bases[first + 1]! <= logStartOffset) first++
  if (first === 0) return bases
  const removed: string[] = []
  // .log first, as Segment.delete does: a crash half way leaves orphan indexes, which open removes.
  for (const suffix of [LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    for (const base of bases.slice(0, first)) {
      const name = segmentStem(base) + suffix
      if (ctx.disk.exists(join(ctx.dir, name))) {
        ctx.disk.unlink(join(ctx.dir, name))
        removed.push(name)
      }
    }
  }
  ctx.disk.fsyncDir(ctx.dir)
  report.leftoversRemoved.push(...removed)
  ctx.logger.info({ logStartOffset, segments: bases.slice(0, first).map(segmentStem) },
    'removed segments wholly below the log start (a retention, repair or DeleteRecords a crash interrupted)')
  return bases.slice(first)
}

/** The damage of offsets missing between the checkpointed log start and the first segment, or null. */
export function damageBeforeFirstSegment(firstBaseOffset: number, logStartOffset: number | null): DamageRange | null {
  if (logStartOffset === null || firstBaseOffset <= logStartOffset) return null
  return { segmentBaseOffset: firstBaseOffset, firstOffset: logStartOffset, resumeOffset: firstBaseOffset, position: -1, endPosition: -1,
    problem: `offsets missing before the first segment (a segment file is gone; the log starts at ${logStartOffset})` }
}

/**
 * A running log's start offset as retention, repairs and DeleteRecords move it, kept in log-start-offset. `floor`:
 * the log starts at least here (even inside a segment). `move` writes the file only when the offset
 * changed, before the caller deletes anything below it. Retention (`spaceMayBeShort`) must free space
 * on a full disk: when the new file cannot be written the old one is removed instead, so a crash
 * cannot make the deleted segments look lost (the next open then adopts the first segment, as before
 * the file existed), and the deletion makes room for it.
 */
export class LogStartCheckpoint {
  readonly #disk: Disk
  readonly #dir: string
  readonly #logger: Logger
  #floor: number
  #onDisk: number | null

  constructor(disk: Disk, dir: string, logger: Logger, onDisk: number | null) {
    this.#disk = disk
    this.#dir = dir
    this.#logger = logger
    this.#onDisk = onDisk
    this.#floor = onDisk ?? 0
  }

  get floor(): number {
    return this.#floor
  }

  /** Whether the file holds the floor. */
  get persisted(): boolean {
    return this.#onDisk !== null
  }

  move(offset: number, spaceMayBeShort: boolean): void {
    this.#floor = offset
    if (offset === this.#onDisk) return
    try {
      writeLogStartOffset(this.#disk, this.#dir, offset)
      this.#onDisk = offset
    } catch (err) {
      if (!spaceMayBeShort || (err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
      if (this.#onDisk !== null) removeLogStartOffset(this.#disk, this.#dir)
      this.#onDisk = null
      this.#logger.warn({ err, logStartOffset: offset }, 'the disk is full: log-start-offset removed until retention makes room for it')
    }
  }
}

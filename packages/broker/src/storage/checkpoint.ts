// The small files beside a partition's segments that say how much of the log can be trusted.
//
//   recovery-point     "1\n<offset>\n"   format version 1, then the recovery point in decimal:
//                                        every batch below it was fdatasynced, and so were the
//                                        indexes of every segment before the one holding the
//                                        batch just below it
//   .clean-shutdown    "1\n<offset>\n"   format version 1, then the log end offset at close: the log
//                                        was closed cleanly (flushed, indexes complete), so the next
//                                        open skips recovery; open removes it before any write
//   cleaner-checkpoint "1\n<offset>\n"   compaction has cleaned the log below this offset: what is
//                                        above is dirty (min.cleanable.dirty.ratio); a hint only
//   log-start-offset   "1\n<offset>\n"   format version 1, then the log start offset in decimal (Kafka's
//                                        log-start-offset checkpoint): the log starts here, even
//                                        inside a segment. Written whenever the start moves
//                                        (retention, a repair), before the segments below it are
//                                        deleted, and at the first open of a directory without it.
//                                        At open, segments wholly below it are deleted (a deletion a
//                                        crash interrupted) and offsets missing between it and the
//                                        first segment are damage, not retention (log-start.ts). A
//                                        directory without the file (from before it existed) takes
//                                        its first segment's base as the start, as it always did.
//   replication-offset-checkpoint
//                      "1\n<offset>\n"   format version 1, then the high watermark of a replicated
//                                        partition (Kafka's replication-offset-checkpoint, one per
//                                        partition here): written by replication (partition/replica-ops.ts)
//                                        at most every HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS and at close,
//                                        never for a single broker's partition. A replica given a role
//                                        after an open starts its high watermark at min(it, log end)
//                                        (the log start when missing), not at its log end: records no
//                                        other in-sync replica may have stay unread until they are.
//
// All are written atomically (tmp + fdatasync + rename + fsync dir: disk.ts), so a power cut leaves
// the old content or the new, never a mix. Their content is still read as untrusted input: anything
// but the exact format counts as missing, and is logged.
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { isNotFound, type Disk } from './disk.js'

export const RECOVERY_POINT_FILE = 'recovery-point'
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown'
/** "1\n<offset>\n": compaction has cleaned every segment below this offset (the dirty ratio's split). */
export const CLEANER_CHECKPOINT_FILE = 'cleaner-checkpoint'
const FORMAT_VERSION = 1
const CONTENT = /^1\n(\d{1,16})\n$/

function encode(offset: number): Uint8Array {
  return new TextEncoder().encode(`${FORMAT_VERSION}\n${offset}\n`)
}

/** Reads `dir/name`; null when missing or not in the expected format (which is logged). */
function readOffsetFile(disk: Disk, dir: string, name: string, logger: Logger): number | null {
  let bytes: Uint8Array
  try {
    bytes = disk.readFile(join(dir, name))
  } catch (err) {
    if (isNotFound(err)) return null
    throw err
  }
  const match = CONTENT.exec(new TextDecoder().decode(bytes))
  const offset = match === null ? NaN : Number(match[1])
  if (!Number.isSafeInteger(offset)) {
    logger.warn({ file: name, sizeBytes: bytes.length }, 'ignoring a checkpoint file that is not in the expected format')
    return null
  }
  return offset
}

export function readRecoveryPoint(disk: Disk, dir: string, logger: Logger): number | null {
  return readOffsetFile(disk, dir, RECOVERY_POINT_FILE, logger)
}

export function writeRecoveryPoint(disk: Disk, dir: string, offset: number): void {
  disk.writeFileAtomic(join(dir, RECOVERY_POINT_FILE), encode(offset))
}

/** The log end offset recorded by a clean close, or null when the last close was not clean. */
export function readCleanShutdown(disk: Disk, dir: string, logger: Logger): number | null {
  return readOffsetFile(disk, dir, CLEAN_SHUTDOWN_FILE, logger)
}

export function writeCleanShutdown(disk: Disk, dir: string, logEndOffset: number): void {
  disk.writeFileAtomic(join(dir, CLEAN_SHUTDOWN_FILE), encode(logEndOffset))
}

/** Removes the marker durably: once writes start, a crash must lead to recovery. */
export function removeCleanShutdown(disk: Disk, dir: string): void {
  try {
    disk.unlink(join(dir, CLEAN_SHUTDOWN_FILE))
  } catch (err) {
    if (isNotFound(err)) return
    throw err
  }
  disk.fsyncDir(dir)
}

/** "1\n<offset>\n": the log start offset, kept whenever it moves (it may fall inside a segment). */
export const LOG_START_OFFSET_FILE = 'log-start-offset'

export function readLogStartOffset(disk: Disk, dir: string, logger: Logger): number | null {
  return readOffsetFile(disk, dir, LOG_START_OFFSET_FILE, logger)
}

export function writeLogStartOffset(disk: Disk, dir: string, offset: number): void {
  disk.writeFileAtomic(join(dir, LOG_START_OFFSET_FILE), encode(offset))
}

/** Removes the file durably (a full disk could not take its new content): the next open adopts the first segment. */
export function removeLogStartOffset(disk: Disk, dir: string): void {
  try {
    disk.unlink(join(dir, LOG_START_OFFSET_FILE))
  } catch (err) {
    if (isNotFound(err)) return
    throw err
  }
  disk.fsyncDir(dir)
}

/** Where the last compaction ended, or null when the partition was never compacted. */
export function readCleanerCheckpoint(disk: Disk, dir: string, logger: Logger): number | null {
  return readOffsetFile(disk, dir, CLEANER_CHECKPOINT_FILE, logger)
}

export function writeCleanerCheckpoint(disk: Disk, dir: string, offset: number): void {
  disk.writeFileAtomic(join(dir, CLEANER_CHECKPOINT_FILE), encode(offset))
}

/** "1\n<offset>\n": a replicated partition's high watermark, as last checkpointed. */
export const HIGH_WATERMARK_CHECKPOINT_FILE = 'replication-offset-checkpoint'

export function readHighWatermarkCheckpoint(disk: Disk, dir: string, logger: Logger): number | null {
  return readOffsetFile(disk, dir, HIGH_WATERMARK_CHECKPOINT_FILE, logger)
}

export function writeHighWatermarkCheckpoint(disk: Disk, dir: string, offset: number): void {
  disk.writeFileAtomic(join(dir, HIGH_WATERMARK_CHECKPOINT_FILE), encode(offset))
}

// A replicated partition's high watermark across a restart (replica-ops.ts uses these). A log opens
// with it at its end, which may hold records no other in-sync replica has. So the first role after an open (or a healed reopen) restarts it at
// min(replication-offset-checkpoint, log end), the log start when there is no checkpoint
// (storage/checkpoint.ts), and the leader's rule raises it from there as ISR followers fetch (an ISR
// of the leader alone raises it at once to its stable end). The checkpoint is written from the
// actor's timer at most every HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS when it moved, and at close; a
// stale one is only lower, so safe. A partition never given a role writes none and keeps its log's
// high watermark as before. (Starting from the log start alone would be as safe, but every consumer
// positioned above it would get OFFSET_OUT_OF_RANGE until the followers' first fetches.)
import type { Logger } from '../log.js'
import { readHighWatermarkCheckpoint, writeHighWatermarkCheckpoint } from '../storage/checkpoint.js'
import type { PartitionLog } from '../storage/log.js'

/** How often at most a replicated partition rewrites its replication-offset-checkpoint (Kafka's 5 s default). */
export const HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = 5000

/**
 * The first role after an open: the high watermark restarts at min(checkpoint, log end), at least the
 * log start (the log start when there is no checkpoint). Returns the checkpoint read (undefined: none).
 */
export function restartHighWatermark(log: PartitionLog, logger: Logger): number | undefined {
  const checkpoint = readHighWatermarkCheckpoint(log.disk, log.dir, logger)
  const start = Math.max(log.logStartOffset, Math.min(checkpoint ?? log.logStartOffset, log.highWatermark))
  log.restartHighWatermark(start)
  logger.info({ checkpoint, highWatermark: start, logEndOffset: log.logEndOffset }, 'high watermark restarted from the checkpoint')
  return checkpoint ?? undefined
}

/**
 * Writes the high watermark into the checkpoint when it differs from `written` (what the file holds);
 * returns what the file holds now. A failed write is logged: the file then stays lower than the high
 * watermark, which is safe.
 */
export function writeHighWatermark(log: PartitionLog, written: number | undefined, logger: Logger): number | undefined {
  const hw = log.highWatermark
  if (hw === written) return written
  try {
    writeHighWatermarkCheckpoint(log.disk, log.dir, hw)
    return hw
  } catch (err) {
    logger.warn({ err, highWatermark: hw }, 'writing the replication-offset-checkpoint failed')
    return written
  }
}

// A follower's side of replication (replica-ops.ts): batches fetched from the leader appended as they
// are (offsets and partitionLeaderEpoch kept; the first must start at the log end, those wholly below
// it are skipped), the leader-epoch cache and producer state following them, the high watermark and
// log start following the leader's; a follower restarted at its leader's log start when it fell
// behind it (resetReplica); and the rebuild of the leader-epoch cache from batch headers.
import { checkBatch, ErrorCode, readBatchHeader, type BatchHeader } from '@faecie/protocol'
import type { EpochEntry, LeaderEpochCache } from '../storage/leader-epoch-cache.js'
import type { Logger } from '../log.js'
import type { PartitionLog } from '../storage/log.js'
import type { AppendReplicaResult, PartitionConfig, PartitionRequest } from './messages.js'
import { RequestError } from './produce-validation.js'
import { lastSequenceOf, type ProducerState } from './producer-state.js'
import { batchHeadersOf } from './producer-state-replay.js'

/** appendReplica on a follower whose epoch the caller checked. Under flush `always` durable when it returns. */
export function appendReplicated(log: PartitionLog, config: PartitionConfig, epochs: LeaderEpochCache, producers: ProducerState,
  request: Extract<PartitionRequest, { op: 'appendReplica' }>): AppendReplicaResult {
  const bytes = request.bytes
  if (![request.leaderHighWatermark, request.leaderLogStartOffset].every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RequestError(ErrorCode.INVALID_REQUEST, `leader offsets ${request.leaderHighWatermark}, ${request.leaderLogStartOffset}`)
  }
  // Everything is checked before anything is written: a refused answer leaves the log as it was.
  const batches: { pos: number; size: number; header: BatchHeader }[] = []
  let expected = log.logEndOffset
  for (let pos = 0; pos < bytes.length;) {
    const check = checkBatch(bytes, pos, bytes.length)
    if (!check.ok) throw new RequestError(ErrorCode.CORRUPT_MESSAGE, `replicated batch at byte ${pos}: ${check.problem}`)
    const header = readBatchHeader(bytes, pos)
    const last = header.baseOffset + header.lastOffsetDelta
    if (!(last < expected && batches.length === 0)) { // a batch wholly below the log end is already here
      if (header.baseOffset !== expected) {
        throw new RequestError(ErrorCode.OFFSET_OUT_OF_RANGE, `replicated batch starts at ${header.baseOffset}, the log ends at ${expected}`)
      }
      batches.push({ pos, size: check.size, header })
      expected = last + 1
    }
    pos += check.size
  }
  // Runs of one epoch each go in with one append (the log stamps the offsets they already carry).
  for (let i = 0; i < batches.length;) {
    const epoch = batches[i]!.header.partitionLeaderEpoch
    let j = i
    while (j < batches.length && batches[j]!.header.partitionLeaderEpoch === epoch) j++
    if (epoch >= 0) epochs.assign(epoch, batches[i]!.header.baseOffset)
    const last = batches[j - 1]!
    log.append(bytes.subarray(batches[i]!.pos, last.pos + last.size), epoch)
    for (let k = i; k < j; k++) noteProducer(producers, batches[k]!.header)
    i = j
  }
  if (config.flush === 'always') log.flush()
  log.limitHighWatermark(Math.min(request.leaderHighWatermark, log.logEndOffset))
  const startTarget = Math.min(request.leaderLogStartOffset, log.highWatermark)
  if (startTarget > log.logStartOffset && config.cleanupPolicy !== 'compact') log.deleteRecordsBefore(startTarget)
  return { logEndOffset: log.logEndOffset, stableEndOffset: log.stableEndOffset, highWatermark: log.highWatermark, logStartOffset: log.logStartOffset }
}

/**
 * resetReplica: the leader's log starts at `logStartOffset`, past this log's end: the log is emptied
 * and restarted there (storage/log.ts restartAt), the epoch cache and producer state emptied with it,
 * the high watermark capped where it is. False (nothing done) when it is not past the log end.
 */
export function restartReplicaAt(log: PartitionLog, epochs: LeaderEpochCache, producers: ProducerState, logStartOffset: number,
  logger: Logger): boolean {
  if (logStartOffset <= log.logEndOffset) return false
  const before = log.logEndOffset
  log.restartAt(logStartOffset)
  epochs.truncateFromEnd(0)
  producers.truncateFrom(0)
  log.limitHighWatermark(log.highWatermark)
  logger.warn({ logEndOffset: before, logStartOffset }, 'behind the leader\'s log start: log emptied, restarted there')
  return true
}

/** A replicated batch's producer: remembered so a leader-to-be dedupes retries (never refused here). */
function noteProducer(producers: ProducerState, h: BatchHeader): void {
  if (h.producerId < 0) return
  const last = h.baseOffset + h.lastOffsetDelta
  const lastSequence = lastSequenceOf(h.baseSequence, h.lastOffsetDelta)
  const verdict = producers.check(h.producerId, h.producerEpoch, h.baseSequence, lastSequence)
  if (verdict.kind === 'duplicate' || verdict.kind === 'fenced-epoch') return
  producers.record(h.producerId, h.producerEpoch, { firstSequence: h.baseSequence, lastSequence, baseOffset: h.baseOffset, lastOffset: last }, h.maxTimestamp)
}

/** (epoch, first offset) of each epoch change in the log's batch headers, from its start. */
export function* epochsOfLog(log: PartitionLog): Generator<EpochEntry> {
  let epoch = -1
  for (const h of batchHeadersOf(log, log.logStartOffset)) {
    if (h.partitionLeaderEpoch > epoch) {
      epoch = h.partitionLeaderEpoch
      yield { epoch, startOffset: h.baseOffset }
    }
  }
}

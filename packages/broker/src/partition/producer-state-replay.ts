// The producer state a partition actor starts with: its last snapshot (producer-state, written by
// the actor), then the headers of the batches appended after it replayed from the log, so that
// idempotence survives restarts and crashes; without a snapshot (or with one ahead of the recovered
// log) it is rebuilt from the log start. Offsets the log lost (damage.ts) are stepped over.
import { readBatchHeader, type BatchHeader } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { PartitionLog } from '../storage/log.js'
import type { SnapshotStore } from './partition-actor.js'
import { lastSequenceOf, ProducerState } from './producer-state.js'

/**
 * The header of every batch of the log from `from` to its log end, in order, each once (a batch read
 * again because it straddles `from` is left out once passed): the one walk over a log's batch headers
 * (producer state here, leader epochs in replica-follower.ts). Offsets the log lost (damage.ts) hold
 * no batches: the walk steps over them.
 */
export function* batchHeadersOf(log: PartitionLog, from: number): Generator<BatchHeader> {
  let offset = from
  while (offset < log.logEndOffset) {
    const lost = log.damage.find((r) => offset >= r.firstOffset && offset < r.resumeOffset)
    if (lost !== undefined) {
      offset = lost.resumeOffset
      continue
    }
    const bytes = log.read(offset, 1024 * 1024, { isolation: 'logEnd' }).bytes
    if (bytes.length === 0) break
    for (let pos = 0; pos < bytes.length;) {
      const h = readBatchHeader(bytes, pos)
      const last = h.baseOffset + h.lastOffsetDelta
      if (last >= offset) yield h
      offset = Math.max(offset, last + 1)
      pos += h.batchLength + 12
    }
  }
}

/** Loads the snapshot and replays batch headers after it; rebuilds from the log start without one. */
export function loadProducerState(log: PartitionLog, snapshots: SnapshotStore, batchesRemembered: number, logger: Logger): ProducerState {
  const text = snapshots.read()
  let parsed = text === undefined ? undefined : ProducerState.parse(text, batchesRemembered)
  if (parsed !== undefined && parsed.offset > log.logEndOffset) {
    logger.warn({ snapshotOffset: parsed.offset, logEndOffset: log.logEndOffset },
      'producer-state snapshot is ahead of the recovered log: rebuilding it from the log')
    parsed = undefined
  }
  const state = parsed?.state ?? new ProducerState(batchesRemembered)
  let replayed = 0
  for (const h of batchHeadersOf(log, Math.max(parsed?.offset ?? 0, log.logStartOffset))) {
    if (h.producerId < 0) continue
    state.record(h.producerId, h.producerEpoch, {
      firstSequence: h.baseSequence,
      lastSequence: lastSequenceOf(h.baseSequence, h.lastOffsetDelta),
      baseOffset: h.baseOffset,
      lastOffset: h.baseOffset + h.lastOffsetDelta,
    }, h.maxTimestamp)
    replayed++
  }
  if (replayed > 0) logger.info({ replayed }, 'producer state replayed from the log')
  return state
}

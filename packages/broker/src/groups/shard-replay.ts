// The load of a group shard (group-shard.ts): reads its `__consumer_offsets` partition from the start
// up to the log end the first read reports, and applies every group and offset record to the
// coordinator (load markers are skipped by the decoder). Offsets of a group that does not exist (a
// deleted group whose tombstones may not have been written) are stale and dropped; offsets are kept
// whatever their topic id (etcd's topics decide: fetchOffsets compares ids when it answers).
//
// A read that makes no progress before the end, or a record of another shape, stops the load with
// a message naming the partition and offset: committed offsets are not guessed at.
import { FaecieError, ErrorCode } from '@faecie/protocol'
import type { GroupCoordinator } from './group-coordinator.js'
import type { OffsetsPartitionHost } from './group-shard.js'
import { decodeOffsetBatches } from './offset-records.js'

export interface ReplayOutcome {
  /** The log end read at the start: everything below it was replayed. */
  logEndOffset: number
  records: number
  loadMarkers: number
  reads: number
}

/** Replays the partition into `groups`; stops early (returning what it did) once `go()` is false. */
export async function replayOffsetsPartition(host: OffsetsPartitionHost, groups: GroupCoordinator, partition: number,
  go: () => boolean): Promise<ReplayOutcome> {
  const log = `__consumer_offsets-${partition}`
  const outcome: ReplayOutcome = { logEndOffset: -1, records: 0, loadMarkers: 0, reads: 0 }
  let offset = 0
  for (;;) {
    const read = await host.read(offset)
    outcome.reads++
    if (!go()) return outcome
    if (outcome.logEndOffset < 0) outcome.logEndOffset = read.logEndOffset
    const end = outcome.logEndOffset
    if (offset >= end) return outcome
    const before = offset
    for (const batch of decodeOffsetBatches(read.bytes, log)) {
      outcome.loadMarkers += batch.loadMarkers
      for (const { offset: at, entry } of batch.records) {
        if (at < offset) continue
        outcome.records++
        if (entry.kind === 'group') groups.applyGroupRecord(entry.record)
        else if (groups.has(entry.record.groupId)) groups.applyOffsetRecord(entry.record)
      }
      offset = Math.max(offset, batch.nextOffset)
    }
    offset = Math.max(offset, read.nextOffset)
    if (offset === before) {
      throw new FaecieError(ErrorCode.KAFKA_STORAGE_ERROR, `${log}: a read at offset ${offset} (log end ${end}) gave no batch: the load stops`)
    }
  }
}

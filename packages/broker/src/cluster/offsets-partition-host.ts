// The OffsetsPartitionHost (groups/group-shard.ts) of one `__consumer_offsets` partition this broker
// leads: how its GroupShard reads and writes the replicated log, through the partition's actor as
// the produce path does in cluster mode (gateway/ops/produce.ts), never around it.
//
//   read(from)    the actor's fetch up to the LOG END (not the high watermark: a new leader's log
//                 wins, and the shard's load marker, appended with acks=all, commits all it replayed)
//   append(batch) leadership checked (isLeaderNow, at the epoch the shard was loaded at) before the
//                 append and again once the actor answered; the append is acks=all, so the actor
//                 answers once the high watermark passed the batch (or fails it: not leader, not
//                 enough replicas, timed out after ackTimeoutMs, disk refused). A leader replaced
//                 meanwhile answers NOT_LEADER_OR_FOLLOWER: the records may be in its log, but were
//                 never committed here and the new leader's log wins. Appends reach the actor in
//                 call order (one mailbox per partition).
//
// Byte layout read: RecordBatch v2, back to back; baseOffset int64 at 0, batchLength int32 at 8
// (bytes after that field), lastOffsetDelta int32 at 23.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { PartitionManager } from '../partition/partition-manager.js'
import { OFFSETS_TOPIC } from './offsets-topic.js'

/** One read of a shard's load: the storage engine's read size, as the coordinator's replay. */
export const OFFSETS_READ_BYTES_MAX = 1024 * 1024
const BATCH_LENGTH_AT = 8
const LAST_OFFSET_DELTA_AT = 23
const BATCH_LENGTH_PREFIX_BYTES = 12

export interface OffsetsPartitionHostOptions {
  partition: number
  partitions: Pick<PartitionManager, 'produce' | 'request'>
  /**
   * The leader epoch this broker leads the partition at, at this instant (ClusterGateway.isLeaderNow
   * and the reconciler's applied role); undefined when it does not lead it now.
   */
  leaderEpochNow: () => number | undefined
  /** The epoch the shard was made for: an append at any other epoch is refused. */
  leaderEpoch: number
  readBytesMax?: number
}

export class OffsetsPartitionHost {
  readonly #o: OffsetsPartitionHostOptions

  constructor(options: OffsetsPartitionHostOptions) {
    this.#o = options
  }

  async read(fromOffset: number): Promise<{ bytes: Uint8Array; nextOffset: number; logEndOffset: number }> {
    this.#checkLeading()
    const { partitions, partition } = this.#o
    const read = await partitions.request(OFFSETS_TOPIC, partition,
      { op: 'fetch', offset: fromOffset, maxBytes: this.#o.readBytesMax ?? OFFSETS_READ_BYTES_MAX, isolation: 'logEnd' })
    const next = nextOffsetAfter(read.bytes)
    return { bytes: read.bytes, nextOffset: next ?? Math.max(fromOffset, read.logStartOffset), logEndOffset: read.logEndOffset }
  }

  async append(batch: Uint8Array): Promise<void> {
    this.#checkLeading()
    await this.#o.partitions.produce(OFFSETS_TOPIC, this.#o.partition, batch, -1)
    this.#checkLeading()
  }

  #checkLeading(): void {
    const epoch = this.#o.leaderEpochNow()
    if (epoch === this.#o.leaderEpoch) return
    throw new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker no longer leads ${OFFSETS_TOPIC}-${this.#o.partition} at leader epoch ${this.#o.leaderEpoch}` +
      (epoch === undefined ? '.' : ` (it leads at epoch ${epoch} now).`))
  }
}

/** The offset after the last whole batch in `bytes`; undefined when there is none. */
export function nextOffsetAfter(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let next: number | undefined
  for (let pos = 0; pos + LAST_OFFSET_DELTA_AT + 4 <= bytes.length;) {
    const length = view.getInt32(pos + BATCH_LENGTH_AT)
    if (length <= 0 || pos + BATCH_LENGTH_PREFIX_BYTES + length > bytes.length) break
    next = Number(view.getBigInt64(pos)) + view.getInt32(pos + LAST_OFFSET_DELTA_AT) + 1
    pos += BATCH_LENGTH_PREFIX_BYTES + length
  }
  return next
}

// The `batch` an eachBatch handler gets: one chunk of one partition's records (a fetch answer or a
// push), as kafkajs's Batch, but lazy. `count`, `firstOffset()`, `lastOffset()` and the lags come
// from the batch headers, read when the chunk arrived; `messages` (kafkajs's array, one object per
// record) is made when first read, and is the same array after; `records()` / `forEach()` walk the
// records with one RecordView moved from record to record, whose key, value and headers are made
// only when read, so a handler that reads values costs a view per value and one that counts costs
// nothing per record. See records.ts.
import type { ConsumedMessage } from './message.js'
import { RecordCursor, type RecordSet, type RecordView } from './records.js'

export class Batch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: number
  /** @internal */
  readonly set: RecordSet

  constructor(set: RecordSet, highWatermark: number) {
    this.topic = set.topic
    this.partition = set.partition
    this.highWatermark = highWatermark
    this.set = set
  }

  /** One message per record (kafkajs's `batch.messages`): made on the first read, the same array after. */
  get messages(): ConsumedMessage[] {
    return this.set.messages()
  }

  /** Records in the batch (at or after the offset read from), from the batch headers. */
  get count(): number {
    return this.set.count
  }

  /** Record bytes as received: batch headers included, compressed if they were. */
  get sizeBytes(): number {
    return this.set.bytes.length
  }

  firstOffset(): number {
    return this.set.firstOffset
  }

  lastOffset(): number {
    return this.set.lastOffset
  }

  isEmpty(): boolean {
    return this.set.count === 0
  }

  /** Records in the partition after this batch (kafkajs: highWatermark - 1 - lastOffset). */
  offsetLag(): number {
    return this.highWatermark - 1 - this.set.lastOffset
  }

  /** Records in the partition from this batch's first on, less one (kafkajs: highWatermark - 1 - firstOffset). */
  offsetLagLow(): number {
    return this.highWatermark - 1 - this.set.firstOffset
  }

  /**
   * The records, for `for (const record of batch.records())`: one RecordView, moved on by each step
   * (read its fields in the loop; `record.toMessage()` keeps one). Throws CORRUPT_MESSAGE at a record
   * that does not parse.
   */
  records(): IterableIterator<RecordView> {
    return new RecordCursor(this.set)
  }

  /** Calls `each` with every record (the RecordView of records(), moved on); synchronous. */
  forEach(each: (record: RecordView) => void): void {
    this.set.walk(each)
  }
}

/** Throws the corrupt record a handler met (and may have caught): nothing past it counts as handled. */
export function throwIfCorrupt(batch: Batch): void {
  if (batch instanceof Batch && batch.set.error !== undefined) throw batch.set.error
}

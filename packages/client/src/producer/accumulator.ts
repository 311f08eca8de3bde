// The open batches of a producer, one per partition: records are appended to their partition's open
// batch until it holds `batchBytes` (then it closes at once) or has been open `lingerMs` (then the
// linger timer closes it), as Kafka's RecordAccumulator does. A closed batch goes to its partition's
// sender (sender.ts) to be numbered and sent. Records are encoded into their batch as they come
// (batch.ts); a new batch takes the buffer of a settled one when there is one.
import type { RecordInput } from '@faecie/protocol'
import { ProducerBatch } from './batch.js'
import { RECORD_OVERHEAD_BYTES } from './records.js'

/** Buffers of settled batches kept for reuse, at most (the in-flight window's worth for one partition). */
export const SPARE_BUFFERS_MAX = 16
/** A larger buffer is left to the garbage collector: a batch rarely needs one. */
const SPARE_BUFFER_BYTES_MAX = 16 * 1024 * 1024

export class RecordAccumulator {
  private readonly open = new Map<string, ProducerBatch>()
  /** Settable: the producer lowers it to the broker's batchBytesMax once it knows it. */
  batchBytes: number
  private readonly onClosed: (batch: ProducerBatch) => void
  private lastTopic: string | undefined
  private lastPartition = -1
  private lastKey = ''
  /** Buffers of settled batches, for new batches: a batch grows its buffer to its size once, not each time. */
  private readonly spare: Uint8Array[] = []
  /** The open batch of lastTopic/lastPartition, if any. */
  private lastBatch: ProducerBatch | undefined

  /** Set by appendValues(): values taken by the last call, and their estimated bytes. */
  appended = 0
  appendedBytes = 0

  constructor(batchBytes: number, onClosed: (batch: ProducerBatch) => void) {
    this.batchBytes = batchBytes
    this.onClosed = onClosed
  }

  /** Keeps a settled batch's buffer for a new batch to encode into (at most SPARE_BUFFERS_MAX kept). */
  recycle(buffer: Uint8Array): void {
    if (this.spare.length < SPARE_BUFFERS_MAX && buffer.length <= SPARE_BUFFER_BYTES_MAX) this.spare.push(buffer)
  }

  /** Batches open now. */
  get openCount(): number {
    return this.open.size
  }

  /**
   * Appends a record to the partition's open batch, first closing that batch if the record would
   * take it past batchBytes (a record larger than batchBytes gets a batch of its own).
   */
  append(topic: string, partition: number, record: RecordInput, sizeBytes: number, nowMs: number): { batch: ProducerBatch; index: number } {
    const batch = this.appendRecord(topic, partition, record, sizeBytes, nowMs)
    return { batch, index: batch.recordCount - 1 }
  }

  /** append() for the send loop: returns the batch (the record is its last), allocating nothing per record. */
  appendRecord(topic: string, partition: number, record: RecordInput, sizeBytes: number, nowMs: number): ProducerBatch {
    // The last partition appended to is remembered: a run of records mostly goes to one partition.
    let key: string
    let batch: ProducerBatch | undefined
    if (topic === this.lastTopic && partition === this.lastPartition) {
      key = this.lastKey
      batch = this.lastBatch
    } else {
      key = `${topic}\u0000${partition}`
      batch = this.open.get(key)
      this.lastTopic = topic
      this.lastPartition = partition
      this.lastKey = key
    }
    if (batch !== undefined && batch.sizeBytes + sizeBytes > this.batchBytes) {
      this.close(key, batch)
      batch = undefined
    }
    if (batch === undefined) batch = this.openBatch(key, topic, partition, nowMs)
    try {
      batch.append(record, sizeBytes, nowMs)
    } catch (err) {
      if (batch.recordCount === 0) {
        this.open.delete(key)
        if (this.lastBatch === batch) this.lastBatch = undefined
        throw err
      }
      // A timestamp more than 2^53 ms from the batch's first: it starts a batch of its own.
      this.close(key, batch)
      batch = this.openBatch(key, topic, partition, nowMs)
      batch.append(record, sizeBytes, nowMs)
    }
    this.lastBatch = batch
    if (batch.sizeBytes >= this.batchBytes) this.close(key, batch)
    return batch
  }

  /**
   * The bulk path: appends values[from..] (one key and timestamp) to the partition's open batch, as
   * many as fit (a full batch is closed first, and closed once filled); returns that batch, whose
   * last `appended` records they are (`appendedBytes`: their estimated size).
   */
  appendValues(topic: string, partition: number, values: readonly Uint8Array[], from: number, key: Uint8Array | null, timestamp: number, nowMs: number): ProducerBatch {
    const openKey = topic === this.lastTopic && partition === this.lastPartition ? this.lastKey : `${topic}\u0000${partition}`
    let batch = openKey === this.lastKey ? this.lastBatch : this.open.get(openKey)
    this.lastTopic = topic
    this.lastPartition = partition
    this.lastKey = openKey
    const firstBytes = RECORD_OVERHEAD_BYTES + (key === null ? 0 : key.length) + values[from]!.length
    if (batch !== undefined && batch.sizeBytes + firstBytes > this.batchBytes) {
      this.close(openKey, batch)
      batch = undefined
    }
    if (batch === undefined) batch = this.openBatch(openKey, topic, partition, nowMs)
    let sizeBefore = batch.sizeBytes
    let to: number
    try {
      to = batch.appendValues(values, from, key, timestamp, this.batchBytes)
    } catch (err) {
      if (batch.recordCount === 0) {
        this.open.delete(openKey)
        if (this.lastBatch === batch) this.lastBatch = undefined
        throw err
      }
      // A timestamp more than 2^53 ms from the batch's first: a batch of its own, as append() does.
      this.close(openKey, batch)
      batch = this.openBatch(openKey, topic, partition, nowMs)
      sizeBefore = 0
      to = batch.appendValues(values, from, key, timestamp, this.batchBytes)
    }
    this.appended = to - from
    this.appendedBytes = batch.sizeBytes - sizeBefore
    this.lastBatch = batch
    if (batch.sizeBytes >= this.batchBytes) this.close(openKey, batch)
    return batch
  }

  private openBatch(key: string, topic: string, partition: number, nowMs: number): ProducerBatch {
    const batch = new ProducerBatch(topic, partition, nowMs, this.spare.pop())
    this.open.set(key, batch)
    return batch
  }

  /** Closes the batches open for lingerMs or longer; returns when the next one will be due, if any is open. */
  closeExpired(nowMs: number, lingerMs: number): number | undefined {
    let next: number | undefined
    for (const [key, batch] of this.open) {
      const dueMs = batch.createdAtMs + lingerMs
      if (dueMs <= nowMs) this.close(key, batch)
      else next = next === undefined ? dueMs : Math.min(next, dueMs)
    }
    return next
  }

  /** Closes every open batch (flush). */
  closeAll(): void {
    for (const [key, batch] of this.open) this.close(key, batch)
  }

  private close(key: string, batch: ProducerBatch): void {
    this.open.delete(key)
    if (this.lastBatch === batch) this.lastBatch = undefined
    this.onClosed(batch)
  }
}

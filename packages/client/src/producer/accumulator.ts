// The open batches of a producer, one per partition: records are appended to their partition's open
// batch until it holds `batchBytes` (then it closes at once) or has been open `lingerMs` (then the
// linger timer closes it), as Kafka's RecordAccumulator does. A closed batch goes to its partition's
// sender (sender.ts) to be numbered and sent.
import type { RecordInput } from '@faecie/protocol'
import { ProducerBatch } from './batch.js'

export class RecordAccumulator {
  private readonly open = new Map<string, ProducerBatch>()
  /** Settable: the producer lowers it to the broker's batchBytesMax once it knows it. */
  batchBytes: number
  private readonly onClosed: (batch: ProducerBatch) => void

  constructor(batchBytes: number, onClosed: (batch: ProducerBatch) => void) {
    this.batchBytes = batchBytes
    this.onClosed = onClosed
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
    const key = `${topic}\u0000${partition}`
    let batch = this.open.get(key)
    if (batch !== undefined && batch.sizeBytes + sizeBytes > this.batchBytes) {
      this.close(key, batch)
      batch = undefined
    }
    if (batch === undefined) {
      batch = new ProducerBatch(topic, partition, nowMs)
      this.open.set(key, batch)
    }
    const index = batch.append(record, sizeBytes)
    if (batch.sizeBytes >= this.batchBytes) this.close(key, batch)
    return { batch, index }
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
    this.onClosed(batch)
  }
}

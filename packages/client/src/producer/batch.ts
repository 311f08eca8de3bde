// A producer batch: the records bound for one partition that travel (and are retried) together as
// one RecordBatch v2, and the sends waiting on it. A send() may put records into several batches
// (several partitions, or one partition's batch filling up); its SendTracker counts the batches it
// waits for and resolves with each partition's first offset once all are acknowledged, or rejects
// with the first error.
import type { FaecieError, RecordInput } from '@faecie/protocol'

/** What a send resolves with: one entry per partition its messages went to. */
export interface RecordMetadata {
  topic: string
  partition: number
  /** The offset of this send's first record in the partition; -1 with acks 0 (no answer). */
  baseOffset: number
  /** The broker's timestamp under LogAppendTime, else -1. */
  logAppendTime: number
}

export interface BatchResult {
  baseOffset: number
  logAppendTime: number
}

export class SendTracker {
  private remaining = 0
  private failed = false
  private readonly firsts = new Map<string, { batch: ProducerBatch; index: number }>()
  readonly done: Promise<RecordMetadata[]>
  private resolve!: (value: RecordMetadata[]) => void
  private reject!: (err: unknown) => void

  constructor() {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** Notes a record of this send at `index` in `batch`. */
  add(batch: ProducerBatch, index: number): void {
    if (!batch.trackers.includes(this)) {
      batch.trackers.push(this)
      this.remaining++
    }
    const key = `${batch.topic}\u0000${batch.partition}`
    if (!this.firsts.has(key)) this.firsts.set(key, { batch, index })
  }

  /** The tail of a split batch holds some of this send's records too. */
  addSplit(tail: ProducerBatch): void {
    tail.trackers.push(this)
    this.remaining++
  }

  /** Call once everything of the send is added (a send with no records resolves at once). */
  seal(): void {
    if (this.remaining === 0 && !this.failed) this.resolve([])
  }

  batchDone(): void {
    if (this.failed || --this.remaining > 0) return
    const out: RecordMetadata[] = []
    for (const { batch, index } of this.firsts.values()) {
      // A batch split after the record was added hands later records to its tail.
      let b = batch
      let i = index
      while (i >= b.records.length && b.splitTail !== undefined) {
        i -= b.records.length
        b = b.splitTail
      }
      const result = b.result!
      out.push({ topic: b.topic, partition: b.partition, baseOffset: result.baseOffset < 0 ? -1 : result.baseOffset + i, logAppendTime: result.logAppendTime })
    }
    this.resolve(out)
  }

  batchFailed(err: unknown): void {
    if (this.failed) return
    this.failed = true
    this.reject(err)
  }
}

export class ProducerBatch {
  readonly topic: string
  readonly partition: number
  records: RecordInput[] = []
  sizeBytes = 0
  readonly createdAtMs: number
  /** -1 until the idempotent producer numbers it; kept across retries. */
  baseSequence = -1
  producerId = -1
  producerEpoch = -1
  /** The order in which its partition first sent it; -1 before. */
  ordinal = -1
  /** Times sent so far. */
  attempts = 0
  /** Not to be sent again before this time (backoff after an error). */
  retryAtMs = 0
  lastError: FaecieError | undefined
  result: BatchResult | undefined
  splitTail: ProducerBatch | undefined
  readonly trackers: SendTracker[] = []
  settled = false
  /** Called once when the batch succeeds or fails (the producer's memory accounting). */
  onSettled: ((batch: ProducerBatch) => void) | undefined

  constructor(topic: string, partition: number, createdAtMs: number) {
    this.topic = topic
    this.partition = partition
    this.createdAtMs = createdAtMs
  }

  append(record: RecordInput, sizeBytes: number): number {
    this.records.push(record)
    this.sizeBytes += sizeBytes
    return this.records.length - 1
  }

  /** Moves the second half of the records into a new batch that follows this one (for an oversized encode). */
  split(sizeOf: (record: RecordInput) => number): ProducerBatch {
    const half = Math.ceil(this.records.length / 2)
    const tail = new ProducerBatch(this.topic, this.partition, this.createdAtMs)
    tail.records = this.records.splice(half)
    tail.sizeBytes = tail.records.reduce((sum, r) => sum + sizeOf(r), 0)
    this.sizeBytes -= tail.sizeBytes
    tail.attempts = this.attempts
    tail.onSettled = this.onSettled
    tail.splitTail = this.splitTail
    this.splitTail = tail
    for (const tracker of this.trackers) tracker.addSplit(tail)
    return tail
  }

  succeed(result: BatchResult): void {
    if (this.settled) return
    this.settled = true
    this.result = result
    for (const tracker of this.trackers) tracker.batchDone()
    this.onSettled?.(this)
  }

  fail(err: unknown): void {
    if (this.settled) return
    this.settled = true
    for (const tracker of this.trackers) tracker.batchFailed(err)
    this.onSettled?.(this)
  }
}

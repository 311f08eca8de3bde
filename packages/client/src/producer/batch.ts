// A producer batch: the records bound for one partition that travel (and are retried) together as
// one RecordBatch v2, and the sends waiting on it. Records are encoded into the batch's own buffer
// as they are appended (RecordBatchBuilder): no record objects are kept, and sending (or resending)
// only fills in the header. The buffer goes back to the producer for reuse once the batch settles. A send() may put records into several batches
// (several partitions, or one partition's batch filling up); its SendTracker counts the batches it
// waits for and resolves with each partition's first offset once all are acknowledged, or rejects
// with the first error.
import { type DecodedRecord, type EncodeOptions, type FaecieError, RecordBatchBuilder, type RecordInput, decodeBatch } from '@faecie/protocol'
import { RECORD_OVERHEAD_BYTES } from './records.js'

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

  /**
   * Notes a record of this send at `index` in `batch`. The producer calls it for the first record
   * of each run of records in one batch (calls for the others would change nothing); a send adds
   * all its records in one synchronous loop, so when it is among a batch's trackers it is mostly
   * the last (checked first).
   */
  add(batch: ProducerBatch, index: number): void {
    const trackers = batch.trackers
    if (trackers[trackers.length - 1] === this || trackers.includes(this)) return
    trackers.push(this)
    this.remaining++
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
      while (i >= b.recordCount && b.splitTail !== undefined) {
        i -= b.recordCount
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

/** A new batch's buffer (doubling as it fills): small, for producers with many partitions open. */
const INITIAL_BUFFER_BYTES = 4096

export class ProducerBatch {
  readonly topic: string
  readonly partition: number
  /** Undefined once released (settled): the batch's bytes are no longer needed. */
  private builder: RecordBatchBuilder | undefined
  private count = 0
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
  /**
   * Sticky: some attempt ended without an answer saying the broker did not append it (a timeout, a
   * lost connection, an error that may come after the append). Such a batch may be in the log, so it
   * is only ever sent again under its own producer id and sequence (the broker answers a duplicate),
   * never renumbered under a new one (sender.ts).
   */
  mayBeWritten = false
  /** Not to be sent again before this time (backoff after an error). */
  retryAtMs = 0
  lastError: FaecieError | undefined
  result: BatchResult | undefined
  splitTail: ProducerBatch | undefined
  readonly trackers: SendTracker[] = []
  settled = false
  /** Called once when the batch succeeds or fails (the producer's memory accounting). */
  onSettled: ((batch: ProducerBatch) => void) | undefined

  /** `buffer`: memory to encode into (one a settled batch gave back), else a new one is made. */
  constructor(topic: string, partition: number, createdAtMs: number, buffer?: Uint8Array) {
    this.topic = topic
    this.partition = partition
    this.createdAtMs = createdAtMs
    this.builder = new RecordBatchBuilder(INITIAL_BUFFER_BYTES, buffer)
  }

  get recordCount(): number {
    return this.count
  }

  /** Bytes of the batch encoded without compression. */
  get encodedBytes(): number {
    return this.builder?.sizeBytes ?? 0
  }

  /** The records, decoded back out of the batch (copies; for splitting and tests). */
  get records(): DecodedRecord[] {
    if (this.count === 0 || this.builder === undefined) return []
    return decodeBatch(this.builder.finish({}).slice(), 0, { verifyCrc: false }).records
  }

  /**
   * Encodes a record into the batch (its timestamp, else `defaultTimestamp`); returns its index.
   * Bad input throws (TypeError, INVALID_TIMESTAMP) with nothing appended.
   */
  append(record: RecordInput, sizeBytes: number, defaultTimestamp = this.createdAtMs): number {
    this.live().append(record, defaultTimestamp)
    this.sizeBytes += sizeBytes
    return this.count++
  }

  /**
   * The bulk path: encodes values[from..] (one key and timestamp for all) while the batch stays
   * within `bytesMax` by the producer's estimate (records.ts), at least one record if it is empty,
   * and stopping once it reaches bytesMax: where append() one at a time would close it. Returns the
   * index after the last value taken. Bad input throws with nothing appended.
   */
  appendValues(values: readonly Uint8Array[], from: number, key: Uint8Array | null, timestamp: number, bytesMax: number): number {
    const perRecordBytes = RECORD_OVERHEAD_BYTES + (key === null ? 0 : key.length)
    const n = values.length
    let sizeBytes = this.sizeBytes
    let to = from
    while (to < n) {
      const recordBytes = perRecordBytes + values[to]!.length
      if ((to > from || this.count > 0) && sizeBytes + recordBytes > bytesMax) break
      sizeBytes += recordBytes
      to++
      if (sizeBytes >= bytesMax) break
    }
    this.live().appendValues(values, from, to, key, timestamp)
    this.sizeBytes = sizeBytes
    this.count += to - from
    return to
  }

  /** The batch as it goes on the wire; valid until the next append() or encode() (see RecordBatchBuilder.finish). */
  encode(options: EncodeOptions): Uint8Array {
    return this.live().finish(options)
  }

  /** Moves the second half of the records into a new batch that follows this one (for an oversized encode). */
  split(sizeOf: (record: RecordInput) => number): ProducerBatch {
    const records = this.records
    const half = Math.ceil(records.length / 2)
    const tail = new ProducerBatch(this.topic, this.partition, this.createdAtMs)
    const builder = this.live()
    builder.reset()
    this.count = 0
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      const target = i < half ? this : tail
      target.live().append(record, record.timestamp)
      target.count++
      if (i >= half) tail.sizeBytes += sizeOf(record)
    }
    this.sizeBytes -= tail.sizeBytes
    tail.attempts = this.attempts
    tail.mayBeWritten = this.mayBeWritten
    tail.onSettled = this.onSettled
    tail.splitTail = this.splitTail
    this.splitTail = tail
    for (const tracker of this.trackers) tracker.addSplit(tail)
    return tail
  }

  /** Hands back the batch's buffer once it is settled (for the next batch to encode into), once. */
  release(): Uint8Array | undefined {
    if (!this.settled || this.builder === undefined) return undefined
    const buffer = this.builder.buffer
    this.builder = undefined
    return buffer
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

  private live(): RecordBatchBuilder {
    if (this.builder === undefined) throw new Error(`the batch for ${this.topic}-${this.partition} was released`)
    return this.builder
  }
}

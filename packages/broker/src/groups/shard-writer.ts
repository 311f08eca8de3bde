// The write side of a group shard (group-shard.ts): while an op runs, the GroupCoordinator's host
// calls land here and are encoded into batches (one per call; a call whose batch would pass
// batchBytesMax is split in halves until each fits, or is a single record); when the op returns,
// flush() sends them to the OffsetsPartitionHost in order, each numbered, without waiting for the
// ones before (appends pipeline). Each append's outcome is reported by its number: onAppended once
// committed, onFailed otherwise (a host that throws instead of rejecting counts as a failure too).
// Appends sent and not yet settled are counted (inFlight); settled() resolves once there are none:
// a shard that replaces a failed one must not read the log while the old one's appends may still
// be queued in the partition's thread (its read could end before them, and its load marker then
// commit records its memory lacks).
import { strict as assert } from 'node:assert'
import type { GroupRecord } from './offset-records.js'
import { encodeGroupRecords, encodeLoadMarker, encodeOffsetRecords, type OffsetRecord } from './offset-records.js'
import type { OffsetsPartitionHost } from './group-shard.js'

export interface ShardWriterOptions {
  host: OffsetsPartitionHost
  clock: () => number
  batchBytesMax: number
  onAppended(seq: number): void
  onFailed(seq: number, err: unknown): void
}

export class ShardWriter {
  readonly #o: ShardWriterOptions
  /** Batches of the op running now; undefined between ops. */
  #collected: Uint8Array[] | undefined
  #appended = 0
  #inFlight = 0
  #settledWaiters: (() => void)[] = []

  constructor(o: ShardWriterOptions) {
    assert(Number.isSafeInteger(o.batchBytesMax) && o.batchBytesMax > 0, `batchBytesMax ${o.batchBytesMax} must be positive`)
    this.#o = o
  }

  /** The number of the last append sent (0: none yet). */
  get appended(): number {
    return this.#appended
  }

  /** Appends sent whose outcome is not known yet. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Resolves once every append sent so far has settled (committed or failed). */
  settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise<void>((resolve) => this.#settledWaiters.push(resolve))
  }

  begin(): void {
    assert(this.#collected === undefined, 'a group shard op started while another was running')
    this.#collected = []
  }

  collectOffsets(records: readonly OffsetRecord[]): void {
    this.#collect(records, encodeOffsetRecords)
  }

  collectGroups(records: readonly GroupRecord[]): void {
    this.#collect(records, encodeGroupRecords)
  }

  /** Sends the op's batches, in order; never throws (a failure is reported through onFailed). */
  flush(): void {
    const batches = this.#collected
    assert(batches !== undefined, 'flush() without begin()')
    this.#collected = undefined
    for (const batch of batches) this.#append(batch)
  }

  /** Sends a load marker (outside any op); returns its number. */
  appendLoadMarker(partition: number): number {
    assert(this.#collected === undefined, 'a load marker inside an op')
    return this.#append(encodeLoadMarker(partition, this.#o.clock()))
  }

  #collect<R>(records: readonly R[], encode: (records: readonly R[], nowMs: number) => Uint8Array): void {
    // The coordinator writes only inside an op, a tick or a topic change, all of which begin() first.
    assert(this.#collected !== undefined, 'the group coordinator wrote outside an op')
    if (records.length === 0) return
    const nowMs = this.#o.clock()
    const split = (part: readonly R[]): void => {
      const batch = encode(part, nowMs)
      if (batch.byteLength <= this.#o.batchBytesMax || part.length === 1) {
        this.#collected!.push(batch)
        return
      }
      const half = Math.ceil(part.length / 2)
      split(part.slice(0, half))
      split(part.slice(half))
    }
    split(records)
  }

  #append(batch: Uint8Array): number {
    const seq = ++this.#appended
    let sent: Promise<void>
    try {
      sent = this.#o.host.append(batch)
    } catch (err) {
      sent = Promise.reject(err)
    }
    this.#inFlight++
    sent.then(() => this.#o.onAppended(seq), (err: unknown) => this.#o.onFailed(seq, err)).finally(() => this.#settle())
    return seq
  }

  #settle(): void {
    assert(this.#inFlight > 0, 'an append settled twice')
    if (--this.#inFlight > 0) return
    const waiters = this.#settledWaiters
    this.#settledWaiters = []
    for (const resolve of waiters) resolve()
  }
}

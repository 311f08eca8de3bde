// The idempotent producer's state for one partition: per producer id, its epoch and the sequence
// ranges of its last `batchesRemembered` batches with the offsets they were given. The partition actor
// consults it before appending, so that a retried batch gets its original offset back instead of
// being written twice, and a gap in the sequence is refused (DESIGN.md section 3).
//
// Snapshot file `producer-state` in the partition directory, written atomically (tmp + rename), JSON:
//   { "version": 1, "offset": N, "producers": [
//       { "id": P, "epoch": E, "lastTimestamp": T,
//         "batches": [[firstSequence, lastSequence, baseOffset, lastOffset], ...] } ] }
// `offset` is the log offset the snapshot covers: batches below it are in it. On open the actor loads
// the snapshot and replays batch headers from `offset` to the log end, so a snapshot that is older
// than the log costs a short scan, and a missing or unreadable one costs a scan from the log start.
//
// A producer is forgotten `producer.id.expiration.ms` after its last append (`lastTimestamp`: the
// broker's clock at the append, or the batch's maxTimestamp when replayed from the log), as Kafka
// forgets it: the actor checks periodically, and the next snapshot no longer holds it. A producer
// that comes back after that must start again from sequence 0 (the client then gets a new id).
import { strict as assert } from 'node:assert'

export const PRODUCER_STATE_VERSION = 1

/** Kafka's default `producer.id.expiration.ms`: a producer idle for one day is forgotten. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 3600 * 1000
/** Kafka's default `producer.id.expiration.check.interval.ms`: how often expiry is looked for. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_MS = 10 * 60 * 1000

/** One remembered batch: its sequence range and the offsets it was stored at. */
export interface RememberedBatch {
  firstSequence: number
  lastSequence: number
  baseOffset: number
  lastOffset: number
}

interface ProducerEntry {
  epoch: number
  lastTimestamp: number
  /** Oldest first; at most `batchesRemembered`. */
  batches: RememberedBatch[]
}

/** What the actor must do with a batch from an idempotent producer. */
export type SequenceVerdict =
  | { kind: 'append' }
  | { kind: 'duplicate'; batch: RememberedBatch }
  | { kind: 'out-of-order'; expected: number }
  | { kind: 'fenced-epoch'; current: number }

const INT32_MAX = 2147483647

/** Kafka's sequences wrap from 2^31-1 to 0. */
function nextSequence(sequence: number): number {
  return sequence === INT32_MAX ? 0 : sequence + 1
}

export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta
  return last > INT32_MAX ? last - INT32_MAX - 1 : last
}

export class ProducerState {
  readonly #producers = new Map<number, ProducerEntry>()
  readonly #batchesRemembered: number

  constructor(batchesRemembered = 16) {
    assert(batchesRemembered >= 1, 'batchesRemembered must be at least 1')
    this.#batchesRemembered = batchesRemembered
  }

  get producerCount(): number {
    return this.#producers.size
  }

  /**
   * Decides what to do with a batch. Rules, as Kafka's: an older epoch is fenced; a newer epoch must
   * start again at sequence 0; within an epoch, a batch already remembered is a duplicate, the next
   * sequence is appended, anything else is out of order. A producer never seen must start at 0.
   */
  check(producerId: number, epoch: number, firstSequence: number, lastSequence: number): SequenceVerdict {
    const entry = this.#producers.get(producerId)
    if (entry === undefined) {
      return firstSequence === 0 ? { kind: 'append' } : { kind: 'out-of-order', expected: 0 }
    }
    if (epoch < entry.epoch) return { kind: 'fenced-epoch', current: entry.epoch }
    if (epoch > entry.epoch) {
      return firstSequence === 0 ? { kind: 'append' } : { kind: 'out-of-order', expected: 0 }
    }
    for (const batch of entry.batches) {
      if (batch.firstSequence === firstSequence && batch.lastSequence === lastSequence) {
        return { kind: 'duplicate', batch }
      }
    }
    const last = entry.batches[entry.batches.length - 1]
    const expected = last === undefined ? 0 : nextSequence(last.lastSequence)
    return firstSequence === expected ? { kind: 'append' } : { kind: 'out-of-order', expected }
  }

  /** Records an appended batch (or one replayed from the log on open). */
  record(producerId: number, epoch: number, batch: RememberedBatch, timestamp: number): void {
    let entry = this.#producers.get(producerId)
    if (entry === undefined || epoch > entry.epoch) {
      entry = { epoch, lastTimestamp: timestamp, batches: [] }
      this.#producers.set(producerId, entry)
    }
    assert(epoch === entry.epoch, `producer ${producerId}: epoch ${epoch} recorded under epoch ${entry.epoch}`)
    entry.batches.push(batch)
    if (entry.batches.length > this.#batchesRemembered) entry.batches.shift()
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp)
  }

  /** Forgets batches at or after `offset` (the log was truncated there). */
  truncateFrom(offset: number): void {
    for (const [id, entry] of this.#producers) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset)
      if (entry.batches.length === 0) this.#producers.delete(id)
    }
  }

  /** Forgets producers whose last append is `expirationMs` or more ago (Kafka's producer.id.expiration.ms). */
  expire(nowMs: number, expirationMs: number): number {
    assert(expirationMs >= 1, `producer id expiration of ${expirationMs} ms`)
    let expired = 0
    for (const [id, entry] of this.#producers) {
      if (nowMs - entry.lastTimestamp >= expirationMs) {
        this.#producers.delete(id)
        expired++
      }
    }
    return expired
  }

  serialize(offset: number): string {
    const producers = [...this.#producers].map(([id, e]) => ({
      id,
      epoch: e.epoch,
      lastTimestamp: e.lastTimestamp,
      batches: e.batches.map((b) => [b.firstSequence, b.lastSequence, b.baseOffset, b.lastOffset]),
    }))
    return JSON.stringify({ version: PRODUCER_STATE_VERSION, offset, producers })
  }

  /** Parses a snapshot; returns undefined (and the caller rebuilds from the log) if it is unusable. */
  static parse(text: string, batchesRemembered: number): { state: ProducerState; offset: number } | undefined {
    try {
      const doc = JSON.parse(text) as {
        version: number
        offset: number
        producers: { id: number; epoch: number; lastTimestamp: number; batches: number[][] }[]
      }
      if (doc.version !== PRODUCER_STATE_VERSION || !Number.isSafeInteger(doc.offset)) return undefined
      const state = new ProducerState(batchesRemembered)
      for (const p of doc.producers) {
        // A producer without a usable last append time could never expire: the snapshot is unusable.
        if (![p.id, p.epoch, p.lastTimestamp].every(Number.isSafeInteger)) return undefined
        for (const [firstSequence, lastSequence, baseOffset, lastOffset] of p.batches) {
          if (![firstSequence, lastSequence, baseOffset, lastOffset].every(Number.isSafeInteger)) return undefined
          state.record(p.id, p.epoch, {
            firstSequence: firstSequence!, lastSequence: lastSequence!, baseOffset: baseOffset!, lastOffset: lastOffset!,
          }, p.lastTimestamp)
        }
      }
      return { state, offset: doc.offset }
    } catch {
      return undefined
    }
  }
}

// A partition's live tail, shared by every session subscribed to it: one read and one encode per
// batch, however many subscribers. Subscriptions caught up with the partition (their offset is the
// tail's end) join it and stop reading for themselves; when the partition's offsets move, the tail
// gets the bytes of [end, high watermark) once and writes one push to each member, at most once per
// turn of the event loop (the notifications of several ticks that arrive together make one push):
//   - the bytes come with the offsets notification when the partition thread could send them
//     (partition manager setLiveTail: whole batches of exactly [previous high watermark, high
//     watermark), at most liveTailBytesMax), else from one read of at most liveTailBytesMax
//     (reads.ts), taken out of the broker's read budget until every member's send is queued;
//   - the push is made once (live-frame.ts: a fixed-width prefix per session, one shared body);
//   - a member takes it only when its credit covers it (or it is one batch and the credit is above
//     zero: credit goes below zero by less than a batch, as with a read), its socket is not congested
//     and its session's read budget has room for its length (reserved until it has left, as a read's
//     push). A member that can't take it leaves the tail at its offset and catches up by its own reads
//     (subscriptions.ts), rejoining once it is at the end again: a slow subscriber never holds the
//     others, and the tail holds the shared bytes by reference only.
// Order: every member's offset is the tail's end, and a delivery moves it from `end` to the offset
// after its last batch, for the members that took it. Nothing is skipped or sent twice.
// Subscriptions not at the end (behind, or ending) are not members and wake on the offset watch.
import type { PartitionKey } from '../partition/messages.js'
import { countRecords } from '../metrics/batch-records.js'
import { offsetAfter } from './batches.js'
import type { Reservation } from './byte-budget.js'
import type { Gateway } from './context.js'
import { liveTailBytes } from './limits.js'
import { SharedPushFrame } from './live-frame.js'
import type { KnownOffsets } from './offset-watch.js'

/** A subscription as the tail sees it. */
export interface TailMember {
  /** The topic the member reads (a topic deleted and made again under its name is another). */
  readonly topicId: string
  /** Takes the push if its gates allow (then its offset and credit move), else false: it leaves. */
  offer(frame: SharedPushFrame, batches: number, next: number): boolean
  /**
   * Left the tail: it reads for itself again. `readFirst` (the tail gave up: a read failed, the topic
   * went, leadership moved): it makes one read of its own before it may join again, so that it meets
   * the error itself (ends, or retries after its backoff) instead of rejoining a tail that fails.
   */
  left(readFirst: boolean): void
}

export class LiveTail {
  #end = -1
  readonly #members = new Set<TailMember>()
  #reading = false
  #readScheduled = false
  /**
   * Bytes sent with offsets notifications since the last delivery, [end, pendingEnd) back to back:
   * delivered together at most once per turn of the event loop (a busy partition's ticks become one
   * push per turn, not one per tick), or at once when liveTailBytes would be passed.
   */
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  #pendingEnd = -1
  #pendingHighWatermark = -1
  #flushScheduled = false
  /** The topic id of the members (all read the same topic). */
  #topicId = ''
  /** Subscriptions of the partition, members or not (the partition thread's liveTail is on while > 0). */
  subscriptions = 0

  constructor(
    readonly key: PartitionKey,
    readonly topic: string,
    readonly partition: number,
    private readonly gateway: Gateway,
  ) {}

  get members(): number {
    return this.#members.size
  }

  /**
   * Joins a subscription at `offset` if it is the tail's end, or if the tail is empty and `offset` is
   * the high watermark (the tail starts there); false otherwise (it reads for itself).
   */
  join(member: TailMember, offset: number): boolean {
    const empty = this.#members.size === 0
    if (!empty && member.topicId !== this.#topicId) return false
    if (offset !== this.#end) {
      if (!empty || this.#reading || this.#pending.length > 0) return false
      if (offset !== this.gateway.watch.latest(this.key)?.highWatermark) return false
      this.#end = offset
    }
    this.#topicId = member.topicId
    this.#members.add(member)
    // Not now: the offsets notification that woke the joiner may be the one that carries the bytes.
    this.#scheduleRead()
    return true
  }

  leave(member: TailMember): void {
    this.#members.delete(member)
  }

  /** The partition's offsets moved; `readable` are the bytes of [fromOffset, highWatermark), if sent. */
  onOffsets(offsets: KnownOffsets, readable: { fromOffset: number; bytes: Uint8Array } | undefined): void {
    if (this.#members.size === 0 && !this.#reading && this.#pending.length === 0) {
      this.#end = offsets.highWatermark
      return
    }
    // As every watcher of the partition would on a move: is the topic still the members' (in a
    // cluster a replica is deleted without the offset watch forgetting it), and does this broker
    // still lead it? If not, every member reads for itself, meets why, and ends.
    const cluster = this.gateway.cluster
    if (this.#members.size > 0 && (this.gateway.topics.lookup(this.topic)?.topicId !== this.#topicId ||
        (cluster !== undefined && !cluster.isLeaderNow(this.topic, this.partition)))) {
      this.#pending = []
      this.#pendingBytes = 0
      return this.dissolve()
    }
    const bytes = readable?.bytes
    if (bytes === undefined || bytes.length === 0 || this.#reading) return this.#scheduleRead()
    if (this.#pending.length > 0 && (readable!.fromOffset !== this.#pendingEnd || this.#pendingBytes + bytes.length > this.#bytesMax)) {
      this.#flush()
    }
    if (readable!.fromOffset !== (this.#pending.length > 0 ? this.#pendingEnd : this.#end)) return this.#scheduleRead()
    this.#pending.push(bytes)
    this.#pendingBytes += bytes.length
    this.#pendingEnd = offsets.highWatermark
    this.#pendingHighWatermark = offsets.highWatermark
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => {
      this.#flushScheduled = false
      this.#flush()
    })
  }

  get #bytesMax(): number {
    return liveTailBytes(this.gateway.limits)
  }

  /** Delivers the bytes gathered from notifications, as one push. */
  #flush(): void {
    if (this.#pending.length === 0) return
    const bytes = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes)
    this.#pending = []
    this.#pendingBytes = 0
    this.#deliver(bytes, this.#pendingHighWatermark)
  }

  /** Every member leaves and reads for itself (the partition is gone, or a read failed). */
  dissolve(): void {
    const members = [...this.#members]
    this.#members.clear()
    for (const member of members) member.left(true)
  }

  #scheduleRead(): void {
    if (this.#readScheduled) return
    this.#readScheduled = true
    queueMicrotask(() => {
      this.#readScheduled = false
      this.#read()
    })
  }

  /** Reads [end, high watermark) once (at most liveTailBytesMax) when members wait for it. */
  #read(): void {
    // What notifications brought goes first: a read starts where it ends.
    this.#flush()
    if (this.#reading || this.#members.size === 0) return
    const latest = this.gateway.watch.latest(this.key)
    if (latest === undefined || latest.highWatermark <= this.#end) return
    this.#reading = true
    const { reads, outbound } = this.gateway
    const from = this.#end
    const bytesMax = this.#bytesMax
    let held: Reservation | undefined
    outbound.readBudget.reserve(bytesMax)
      .then((reservation) => {
        held = reservation
        return reads.fetch(this.topic, this.partition, from, bytesMax)
      })
      .then((result) => {
        // At least one whole batch comes back, which may be larger than asked: held as read.
        held?.resize(result.bytes.length)
        this.#reading = false
        if (result.bytes.length > 0 && firstBaseOffset(result.bytes) === from && this.#end === from) {
          this.#deliver(result.bytes, result.highWatermark)
        } else if (result.bytes.length > 0) {
          this.dissolve()
        }
      }, () => {
        // Out of range, a partition gone, a storage error, a full mailbox: each member meets it in a
        // read of its own before it may rejoin, and ends (or retries after its backoff) as
        // subscriptions.ts decides.
        this.#reading = false
        this.dissolve()
      })
      .finally(() => {
        held?.release()
        this.#scheduleRead()
      })
  }

  /** One push of `bytes` (whole batches from `end`) to every member that can take it. */
  #deliver(bytes: Uint8Array, highWatermark: number): void {
    const next = offsetAfter(bytes)
    this.#end = next
    const frame = new SharedPushFrame(bytes, highWatermark)
    const batches = countBatches(bytes)
    let delivered = 0
    for (const member of [...this.#members]) {
      if (member.offer(frame, batches, next)) {
        delivered++
      } else {
        this.#members.delete(member)
        member.left(false)
      }
    }
    if (delivered > 0) this.gateway.metrics.recordOut(this.topic, countRecords(bytes) * delivered, bytes.length * delivered)
  }
}

function firstBaseOffset(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(0))
}

/** How many whole batches `bytes` holds (a push of one batch may take credit below zero). */
function countBatches(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  let n = 0
  while (pos + 12 <= bytes.length) {
    pos += dv.getInt32(pos + 8) + 12
    n++
  }
  return n
}

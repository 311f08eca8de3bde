// Live subscriptions of one session (ops subscribe, credit, unsubscribe): the broker pushes
// `{sub, records, highWatermark}` as batches are appended to the partition, from the offset asked
// for on. Flow control has two gates, both of which must be open for a push:
// - credit: bytes the client granted (subscribe's creditBytes, then `credit`); each push spends its
//   length. A push reads at most the credit left, but a partition always returns at least one whole
//   batch, so the credit may go below zero by less than one batch; nothing is pushed until the
//   client has granted it back above zero.
// - the socket: while more than pushBufferedBytesMax bytes wait to be sent, pushes are held; the
//   session calls pumpAll() as sends complete.
// Each read is taken out of the session's share of the read budget before it is made; the push
// carries the reservation, released once the push has left (the sink's business).
// A subscription at the partition's end joins its live tail (live-tail.ts) and stops reading for
// itself: the tail reads and encodes once per batch for all its members and offers each the push
// under the same two gates; one that can't take it leaves the tail and reads for itself (below)
// until it is at the end again.
// A subscription ends with one last push `{sub, error}` when its offset falls below the log start
// (OFFSET_OUT_OF_RANGE) or its topic is deleted (UNKNOWN_TOPIC_OR_PARTITION; the offset watch wakes
// it when the partition is forgotten, and a topic made again under the same name has another id),
// or, in a cluster, when this broker no longer leads the partition (NOT_LEADER_OR_FOLLOWER: the
// client resubscribes at the new leader).
// ACLs: the subscribe op checks Read on the topic; every read and every tail push checks it again
// (as Kafka checks every fetch), so an ACL removed while the subscription runs ends it with one last
// push of TOPIC_AUTHORIZATION_FAILED.
import { ErrorCode, FaecieError, type WireError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { SecuritySubject } from '../security/gateway-security.js'
import { countRecords } from '../metrics/batch-records.js'
import { partitionKey, type PartitionKey } from '../partition/messages.js'
import { offsetAfter } from './batches.js'
import type { ByteBudget, Reservation } from './byte-budget.js'
import { unknownTopicOrPartition, type Gateway } from './context.js'
import type { SharedPushFrame } from './live-frame.js'
import type { LiveTail, TailMember } from './live-tail.js'

export interface PushSink {
  /** Sends a push frame (a no-op once the socket is closed), releasing `held` once it has left. */
  push(frame: Record<string, unknown>, held?: Reservation): void
  /**
   * Sends a push made once for many sessions (live-tail.ts) as `sub`'s, releasing `held` once it has
   * left. A sink without it (HTTP, Kafka) has its subscriptions read for themselves.
   */
  pushShared?(frame: SharedPushFrame, sub: number, held: Reservation): void
  /** True while the socket has more than pushBufferedBytesMax bytes waiting to be sent. */
  congested(): boolean
}

const RETRY_MS = 100

class Subscription implements TailMember {
  credit: number
  offset: number
  #reading = false
  #ended = false
  #retryTimer: NodeJS.Timeout | undefined
  /** Stops the offset watch's wake-ups; undefined while a member of the tail (the tail wakes it). */
  #unwatch: (() => void) | undefined
  readonly #key: PartitionKey
  readonly #tail: LiveTail | undefined
  #inTail = false
  /** The tail gave up on this member: one read of its own comes before it may join again. */
  #readBeforeJoin = false

  constructor(
    readonly sub: number,
    readonly topic: string,
    /** The topic this subscription reads: a topic deleted and made again under its name is another. */
    readonly topicId: string,
    readonly partition: number,
    offset: number,
    credit: number,
    private readonly owner: SessionSubscriptions,
  ) {
    this.offset = offset
    this.credit = credit
    this.#key = partitionKey(topic, partition)
    this.#tail = owner.sink.pushShared === undefined ? undefined : owner.gateway.watch.acquireTail(owner.gateway, topic, partition)
    this.#watch()
  }

  #watch(): void {
    this.#unwatch ??= this.owner.gateway.watch.watch(this.#key, () => this.pump())
  }

  get ended(): boolean {
    return this.#ended
  }

  end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#unwatch?.()
    this.#unwatch = undefined
    if (this.#tail !== undefined) {
      if (this.#inTail) this.#tail.leave(this)
      this.owner.gateway.watch.releaseTail(this.#tail)
    }
    this.#inTail = false
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
  }

  /** Pushes what the gates allow; called on subscribe, on new data, on credit and on flushes. */
  pump(): void {
    if (this.#ended || this.#reading || this.#inTail) return
    if (this.owner.gateway.topics.lookup(this.topic)?.topicId !== this.topicId) {
      return this.#finish(unknownTopicOrPartition(this.topic, this.partition).toWire())
    }
    const refused = this.owner.gateway.security.refusal(this.owner.session, 'Read', 'topic', this.topic)
    if (refused !== undefined) return this.#finish(refused.toWire())
    const cluster = this.owner.gateway.cluster
    if (cluster !== undefined && !cluster.isLeaderNow(this.topic, this.partition)) {
      // Leadership moved (or this broker is fenced): the client resubscribes at the new leader.
      return this.#finish(new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `Broker ${cluster.brokerId} no longer leads ${this.topic}-${this.partition}.`).toWire())
    }
    if (this.credit <= 0 || this.owner.sink.congested()) return
    if (!this.#readBeforeJoin && this.#tail?.join(this, this.offset) === true) {
      this.#inTail = true
      this.#unwatch?.()
      this.#unwatch = undefined
      return
    }
    const known = this.owner.gateway.watch.latest(this.#key)
    if (known !== undefined && this.offset >= known.highWatermark && this.offset >= known.logStartOffset) return
    this.#reading = true
    const { reads, limits } = this.owner.gateway
    const maxBytes = Math.min(this.credit, limits.fetchBytesMax)
    const { readBudget, signal } = this.owner.session
    readBudget.reserve(maxBytes, signal).then(
      (reservation) => {
        if (this.#ended) {
          this.#reading = false
          reservation.release()
          return
        }
        reads.fetch(this.topic, this.partition, this.offset, maxBytes).then(
          (result) => {
            this.#reading = false
            this.#readBeforeJoin = false
            if (this.#ended || result.bytes.length === 0) return reservation.release()
            reservation.resize(result.bytes.length)
            this.offset = offsetAfter(result.bytes)
            this.credit -= result.bytes.length
            this.owner.gateway.metrics.recordOut(this.topic, countRecords(result.bytes), result.bytes.length)
            this.owner.sink.push({ sub: this.sub, records: result.bytes, highWatermark: result.highWatermark }, reservation)
            this.pump()
          },
          (err: unknown) => {
            this.#reading = false
            reservation.release()
            this.#failed(err)
          },
        )
      },
      // The session closed while the read waited for budget: nothing to do.
      () => { this.#reading = false },
    )
  }

  /** The tail's push of the batches up to `next`: taken when both gates and the read budget allow. */
  offer(frame: SharedPushFrame, batches: number, next: number): boolean {
    if (this.#ended || this.sub > 0xffff_ffff) return false
    const bytes = frame.records.length
    // As a read of at most `credit` bytes: whole batches within it, or one batch past it.
    if (this.credit <= 0 || (this.credit < bytes && batches > 1) || this.owner.sink.congested()) return false
    if (this.owner.gateway.topics.lookup(this.topic)?.topicId !== this.topicId) return false
    // Refused now: it leaves the tail, and its own pump() ends it with the refusal.
    if (!this.owner.gateway.security.allowed(this.owner.session, 'Read', 'topic', this.topic)) return false
    const cluster = this.owner.gateway.cluster
    if (cluster !== undefined && !cluster.isLeaderNow(this.topic, this.partition)) return false
    const held = this.owner.session.readBudget.tryReserve(bytes)
    if (held === undefined) return false
    this.offset = next
    this.credit -= bytes
    this.owner.sink.pushShared!(frame, this.sub, held)
    return true
  }

  /** Left the tail: back on the offset watch, and a look at once (it may read, or end). */
  left(readFirst: boolean): void {
    this.#inTail = false
    if (readFirst) this.#readBeforeJoin = true
    if (this.#ended) return
    this.#watch()
    queueMicrotask(() => this.pump())
  }

  #failed(err: unknown): void {
    if (this.#ended) return
    const gone = this.owner.gateway.topics.lookup(this.topic)?.topicId !== this.topicId
    if (gone) return this.#finish(unknownTopicOrPartition(this.topic, this.partition).toWire())
    // Out of range: the client resets its offset. A storage error (the partition's thread died and is
    // reopening it): the client resubscribes from what it has, as docs/protocol.md says.
    if (err instanceof FaecieError && ENDS_SUBSCRIPTION.has(err.code)) {
      return this.#finish(err.toWire())
    }
    // A full mailbox passes: try again shortly.
    if (err instanceof FaecieError && err.retriable) {
      this.#retryTimer = setTimeout(() => { this.#retryTimer = undefined; this.pump() }, RETRY_MS)
      return
    }
    this.owner.logger.error({ err, sub: this.sub }, 'subscription failed')
    this.#finish(err instanceof FaecieError ? err.toWire() : new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR).toWire())
  }

  #finish(error: WireError): void {
    this.owner.sink.push({ sub: this.sub, error })
    this.owner.remove(this.sub)
  }
}

/**
 * Read errors that end a subscription with one last push: out of range (the client resets its offset),
 * a storage error (the partition's thread died and is reopening it: the client resubscribes from what
 * it has), and leadership moved (the client resubscribes at the new leader).
 */
const ENDS_SUBSCRIPTION = new Set<number>([ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.LEADER_NOT_AVAILABLE])

export class SessionSubscriptions {
  readonly #subs = new Map<number, Subscription>()
  #nextSub = 0

  readonly logger: Logger

  constructor(
    readonly gateway: Gateway,
    /** The session's share of the read budget, its closing signal, and who it acts as (ACLs). */
    readonly session: SecuritySubject & { readonly readBudget: ByteBudget; readonly signal: AbortSignal; readonly logger: Logger },
    readonly sink: PushSink,
  ) {
    this.logger = session.logger
  }

  get size(): number {
    return this.#subs.size
  }

  /** Starts a subscription; pushes begin after the answer, on the next turn of the event loop. */
  async subscribe(topic: string, partition: number, offset: number, creditBytes: number): Promise<number> {
    const { limits, topics, partitions } = this.gateway
    if (this.#subs.size >= limits.subscriptionsMax) {
      throw new FaecieError(ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `The session has ${this.#subs.size} subscriptions; at most ${limits.subscriptionsMax} (subscriptionsMax).`)
    }
    const meta = topics.lookup(topic)
    if (meta === undefined || meta.internal || partition >= meta.partitions) throw unknownTopicOrPartition(topic, partition)
    const status = await partitions.request(topic, partition, { op: 'status' })
    // The session may have closed during the wait (its subscriptions are gone): none is made for it.
    if (this.session.signal.aborted) throw new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The session closed before the subscription was made.')
    // As a fetch (log.ts read): an offset from the high watermark up to the log end is not out of
    // range, only not readable yet (a new leader's high watermark catching up, a leader's restarted
    // after its log reopened, a sync under way): the subscription waits for it. Out of range is
    // below the log start or past the log end only, or the client would reset a good position.
    if (offset < status.logStartOffset || offset > status.logEndOffset) {
      throw new FaecieError(ErrorCode.OFFSET_OUT_OF_RANGE,
        `Offset ${offset} is outside [${status.logStartOffset}, ${status.logEndOffset}] of ${topic}-${partition}.`)
    }
    const sub = this.#nextSub++
    const subscription = new Subscription(sub, topic, meta.topicId, partition, offset, creditBytes, this)
    this.#subs.set(sub, subscription)
    setImmediate(() => subscription.pump())
    return sub
  }

  /** Adds credit; credit for a subscription that has ended is ignored (its last push may be on its way). */
  credit(sub: number, bytes: number): void {
    if (sub >= this.#nextSub) throw noSuchSubscription(sub)
    const subscription = this.#subs.get(sub)
    if (subscription === undefined) return
    subscription.credit = Math.min(subscription.credit + bytes, Number.MAX_SAFE_INTEGER)
    subscription.pump()
  }

  unsubscribe(sub: number): void {
    if (sub >= this.#nextSub) throw noSuchSubscription(sub)
    this.remove(sub)
  }

  remove(sub: number): void {
    this.#subs.get(sub)?.end()
    this.#subs.delete(sub)
  }

  pumpAll(): void {
    for (const subscription of this.#subs.values()) subscription.pump()
  }

  closeAll(): void {
    for (const subscription of this.#subs.values()) subscription.end()
    this.#subs.clear()
  }
}

function noSuchSubscription(sub: number): FaecieError {
  return new FaecieError(ErrorCode.INVALID_REQUEST, `The session never had a subscription ${sub}.`)
}

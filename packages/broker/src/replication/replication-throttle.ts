// The replication throttle of moving replicas (Kafka's follower.replication.throttled.rate, KIP-73):
// a follower replica this broker is adding in a partition reassignment (cluster/controller-reassign.ts)
// fetches under one token bucket of `throttleBytesPerSec`, shared by every such replica on this broker
// and every leader it fetches from. Followers that are not moving are never throttled, so a move does
// not starve the ISR.
//
// The bucket goes into debt: each fetched answer's record bytes are taken after the fact (a fetch
// cannot know its size before), and while the bucket is in debt the fetch loops leave throttled
// partitions out of their requests for exactly as long as the debt takes to pay back at the rate
// (leader-fetch-loop.ts sleeps on the injected clock; nothing polls). Tokens accrue up to one
// second's worth (burstMs) so a pause does not let a replica burst past the rate afterwards.

/** How long a bucket's unspent tokens may pile up, at the rate, in ms. */
export const THROTTLE_BURST_MS = 1000

/** What a fetch loop asks of the throttle (replica-fetchers.ts FetcherContext). */
export interface FetchThrottle {
  /** Whether this partition's fetches count against the throttle now (this broker is adding it). */
  isThrottled(topic: string, partition: number): boolean
  /** How long throttled partitions must wait before their next fetch, in ms (0: now). */
  delayMs(nowMs: number): number
  /** Takes `bytes` fetched for throttled partitions from the bucket. */
  record(bytes: number, nowMs: number): void
}

export interface ReplicationThrottleOptions {
  /** The rate in force (etcd's reassignment-throttle), bytes/s; null: no throttle. */
  rateBytesPerSec: () => number | null
  /** Whether this broker is adding this partition's replica (a reassignment in progress). */
  isMoving: (topic: string, partition: number) => boolean
  burstMs?: number
}

export class ReplicationThrottle implements FetchThrottle {
  readonly #o: Required<ReplicationThrottleOptions>
  /** Bytes that may be fetched now; negative: the debt to pay back first. */
  #tokens = 0
  #lastMs: number | undefined
  /** Bytes fetched under the throttle (tests, metrics). */
  throttledBytes = 0

  constructor(options: ReplicationThrottleOptions) {
    this.#o = { burstMs: THROTTLE_BURST_MS, ...options }
    if (!(this.#o.burstMs > 0)) throw new RangeError(`burstMs must be > 0, not ${this.#o.burstMs}`)
  }

  isThrottled(topic: string, partition: number): boolean {
    return this.#rate() !== null && this.#o.isMoving(topic, partition)
  }

  delayMs(nowMs: number): number {
    const rate = this.#rate()
    if (rate === null) {
      this.#tokens = 0
      this.#lastMs = undefined
      return 0
    }
    this.#refill(nowMs, rate)
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / rate)
  }

  record(bytes: number, nowMs: number): void {
    const rate = this.#rate()
    if (rate === null || bytes <= 0) return
    this.#refill(nowMs, rate)
    this.#tokens -= bytes
    this.throttledBytes += bytes
  }

  #rate(): number | null {
    const rate = this.#o.rateBytesPerSec()
    return rate !== null && Number.isFinite(rate) && rate > 0 ? rate : null
  }

  #refill(nowMs: number, rate: number): void {
    const burst = (rate * this.#o.burstMs) / 1000
    if (this.#lastMs !== undefined) this.#tokens = Math.min(burst, this.#tokens + ((nowMs - this.#lastMs) * rate) / 1000)
    this.#lastMs = nowMs
  }
}

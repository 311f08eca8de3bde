// The replication throttle of moving replicas (Kafka's follower.replication.throttled.rate, KIP-73):
// a follower replica this broker is adding in a partition reassignment (cluster/controller-reassign.ts)
// fetches under one token bucket of `throttleBytesPerSec`, shared by every such replica on this broker
// and every leader it fetches from, until it is in the ISR (isThrottledReplica: as Kafka, an in-sync
// replica is never throttled, or it would hold the high watermark and acks=all back at the rate).
// Followers that are not moving are never throttled, so a move does not starve the ISR.
//
// Each fetch of throttled partitions asks for at most the bytes the bucket holds (allowanceBytes, at
// least THROTTLE_FETCH_BYTES_MIN: the leader answers at least one whole batch, so progress never
// stops), and its record bytes are taken after the fact. The bucket can go into debt by at most about
// one batch a fetch; while it is in debt the fetch loops leave throttled partitions out of their
// requests until the debt is paid back at the rate, sleeping on the injected clock at most
// fetchMaxWaitMs at a time and asking the rate again after each sleep, so a throttle removed or raised
// takes effect within one fetch wait (leader-fetch-loop.ts; nothing polls faster). Tokens accrue up to
// one second's worth (burstMs) so a pause does not let a replica burst past the rate afterwards.

/** How long a bucket's unspent tokens may pile up, at the rate, in ms. */
export const THROTTLE_BURST_MS = 1000
/** The least a throttled fetch asks for, bytes, even with the bucket empty (the leader sends one whole batch at least). */
export const THROTTLE_FETCH_BYTES_MIN = 1024

/** Whether `brokerId`'s replica of a partition in this state fetches under the throttle: being added, not in the ISR yet. */
export function isThrottledReplica(state: { isr: readonly number[]; addingReplicas?: readonly number[] } | undefined, brokerId: number): boolean {
  return state !== undefined && state.addingReplicas?.includes(brokerId) === true && !state.isr.includes(brokerId)
}

/** What a fetch loop asks of the throttle (replica-fetchers.ts FetcherContext). */
export interface FetchThrottle {
  /** Whether this partition's fetches count against the throttle now (this broker is adding it). */
  isThrottled(topic: string, partition: number): boolean
  /** How long throttled partitions must wait before their next fetch, in ms (0: now); at the rate in force now. */
  delayMs(nowMs: number): number
  /** The most record bytes a fetch of throttled partitions may ask for now (Infinity: no throttle). */
  allowanceBytes(nowMs: number): number
  /** Takes `bytes` fetched for throttled partitions from the bucket. */
  record(bytes: number, nowMs: number): void
}

export interface ReplicationThrottleOptions {
  /** The rate in force (etcd's reassignment-throttle), bytes/s; null: no throttle. */
  rateBytesPerSec: () => number | null
  /** Whether this broker is adding this partition's replica and it is not in the ISR yet (isThrottledReplica). */
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

  allowanceBytes(nowMs: number): number {
    const rate = this.#rate()
    if (rate === null) return Number.POSITIVE_INFINITY
    this.#refill(nowMs, rate)
    return Math.max(THROTTLE_FETCH_BYTES_MIN, Math.floor(this.#tokens))
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

// A token bucket that throttles a workload to a rate in records per second, shared by every producer
// of a run. Tokens accrue continuously from the start, up to a burst of a tenth of a second's worth;
// a taker that finds too few waits on one timer for exactly the deficit (no busy loop, no polling).
// Takers are served in the order they asked, so one producer can't starve the others. The clock and
// the wait are parameters (real time by default) so tests drive the bucket deterministically.

export interface TokenBucketClock {
  /** A monotonic time in milliseconds. */
  nowMs(): number
  /** Resolves after `ms` milliseconds of this clock. */
  sleepMs(ms: number): Promise<void>
}

const realClock: TokenBucketClock = {
  nowMs: () => performance.now(),
  sleepMs: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
}

export class TokenBucket {
  private readonly ratePerMs: number
  private readonly burst: number
  private tokens: number
  private lastMs: number
  /** Tokens already promised to takers that are waiting: they are served in order. */
  private queue: Promise<void> = Promise.resolve()

  constructor(recordsPerSec: number, private readonly clock: TokenBucketClock = realClock) {
    if (!(recordsPerSec > 0)) throw new RangeError(`a token bucket needs a rate > 0, not ${recordsPerSec}`)
    this.ratePerMs = recordsPerSec / 1000
    this.burst = Math.max(1, recordsPerSec / 10)
    this.tokens = 0
    this.lastMs = clock.nowMs()
  }

  /** Resolves once `count` tokens are taken (count may exceed the burst: it then waits longer). */
  take(count: number): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(count))
    this.queue = turn
    return turn
  }

  private async takeNow(count: number): Promise<void> {
    this.refill()
    this.tokens -= count
    if (this.tokens >= 0) return
    // In debt: wait until the debt has accrued back. The next taker waits behind this one.
    const waitMs = -this.tokens / this.ratePerMs
    await this.clock.sleepMs(waitMs)
    this.refill()
  }

  private refill(): void {
    const nowMs = this.clock.nowMs()
    this.tokens = Math.min(this.burst, this.tokens + (nowMs - this.lastMs) * this.ratePerMs)
    this.lastMs = nowMs
  }
}

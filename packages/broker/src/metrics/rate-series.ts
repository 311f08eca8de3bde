// The produce / consume rates of the `stats` op: records and bytes in and out, summed into buckets of
// `intervalMs` (10 s) kept in a ring of `pointsMax` (30: five minutes). Adding is O(1) and allocates
// nothing except when time enters a new bucket; reading copies the ring, oldest first, the current
// (partial) bucket last. Buckets no traffic touched read as zeros, so the series has no gaps.

export interface RatePoint {
  atMs: number
  recordsIn: number
  bytesIn: number
  recordsOut: number
  bytesOut: number
}

export interface RateSeriesOptions {
  intervalMs?: number
  pointsMax?: number
  clock?: () => number
}

export class RateSeries {
  readonly intervalMs: number
  readonly pointsMax: number
  readonly #clock: () => number
  /** Ring of buckets; `#points[i]` is the bucket starting at some atMs ≡ i (mod pointsMax). */
  readonly #points: RatePoint[]
  #current: RatePoint

  constructor(options: RateSeriesOptions = {}) {
    this.intervalMs = options.intervalMs ?? 10_000
    this.pointsMax = options.pointsMax ?? 30
    if (!(this.intervalMs >= 1) || !(this.pointsMax >= 1)) throw new RangeError('intervalMs and pointsMax must be at least 1')
    this.#clock = options.clock ?? Date.now
    this.#points = Array.from({ length: this.pointsMax }, () => emptyPoint(-1))
    this.#current = this.#bucket(this.#clock())
  }

  addIn(records: number, bytes: number): void {
    const p = this.#now()
    p.recordsIn += records
    p.bytesIn += bytes
  }

  addOut(records: number, bytes: number): void {
    const p = this.#now()
    p.recordsOut += records
    p.bytesOut += bytes
  }

  /** The last `pointsMax` buckets up to now, oldest first; never before `sinceMs` (the start). */
  points(sinceMs = 0): RatePoint[] {
    const nowStart = this.#startOf(this.#clock())
    const firstStart = Math.max(nowStart - (this.pointsMax - 1) * this.intervalMs, this.#startOf(sinceMs))
    const out: RatePoint[] = []
    for (let at = firstStart; at <= nowStart; at += this.intervalMs) {
      const stored = this.#points[this.#slot(at)]!
      out.push(stored.atMs === at ? { ...stored } : emptyPoint(at))
    }
    return out
  }

  #now(): RatePoint {
    const start = this.#startOf(this.#clock())
    if (this.#current.atMs !== start) this.#current = this.#bucket(start)
    return this.#current
  }

  /** The bucket for `atMs`'s interval, reset if it still holds an older interval. */
  #bucket(atMs: number): RatePoint {
    const start = this.#startOf(atMs)
    const slot = this.#slot(start)
    const p = this.#points[slot]!
    if (p.atMs !== start) {
      p.atMs = start
      p.recordsIn = p.bytesIn = p.recordsOut = p.bytesOut = 0
    }
    return p
  }

  #startOf(ms: number): number {
    return Math.floor(ms / this.intervalMs) * this.intervalMs
  }

  #slot(start: number): number {
    return Math.floor(start / this.intervalMs) % this.pointsMax
  }
}

function emptyPoint(atMs: number): RatePoint {
  return { atMs, recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 }
}

// A simulated clock for tests of timing-sensitive client logic (packages/client/src/clock.ts's
// Clock): time moves only when the test says so, and timers fire in time order (ties in the order
// they were set). `advance` lets the promise jobs each timer starts run before the next one fires.
import type { Clock } from '../../packages/client/src/clock.js'

interface Timer {
  atMs: number
  seq: number
  fn: () => void
}

/** Lets every promise job that is ready run (the code under test does no real I/O). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export class ManualClock implements Clock {
  nowMs: number
  readonly #timers = new Map<number, Timer>()
  #seq = 0

  constructor(startMs = 0) {
    this.nowMs = startMs
  }

  now(): number {
    return this.nowMs
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.#seq
    this.#timers.set(seq, { atMs: this.nowMs + Math.max(0, ms), seq, fn })
    return seq
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle)
  }

  /** The time of the next timer, if any. */
  nextAtMs(): number | undefined {
    let next: Timer | undefined
    for (const t of this.#timers.values()) if (next === undefined || t.atMs < next.atMs || (t.atMs === next.atMs && t.seq < next.seq)) next = t
    return next?.atMs
  }

  get pending(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, firing each timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const untilMs = this.nowMs + ms
    await flushPromises()
    for (;;) {
      let next: Timer | undefined
      for (const t of this.#timers.values()) {
        if (t.atMs <= untilMs && (next === undefined || t.atMs < next.atMs || (t.atMs === next.atMs && t.seq < next.seq))) next = t
      }
      if (next === undefined) break
      this.#timers.delete(next.seq)
      this.nowMs = Math.max(this.nowMs, next.atMs)
      next.fn()
      await flushPromises()
    }
    this.nowMs = untilMs
    await flushPromises()
  }
}

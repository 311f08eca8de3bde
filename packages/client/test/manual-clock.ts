// A Clock (src/clock.ts) that moves only when a test says so: `advance(ms)` fires the timers that
// fall due, in time order (ties in the order they were set), with the clock reading each one's due
// time, and lets the promise chains they start run to the end before the next one fires. Tests of
// lingering, backoffs and timeouts use it instead of waiting on real time.
import type { Clock } from '../src/clock.js'

interface Timer {
  id: number
  dueMs: number
  fn: () => void
}

/** Lets every queued microtask (and the ones they queue) run: one turn of the event loop. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export class ManualClock implements Clock {
  private nowMs: number
  private nextId = 1
  private readonly timers = new Map<number, Timer>()

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs
  }

  now(): number {
    return this.nowMs
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { id, dueMs: this.nowMs + Math.max(0, ms), fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle)
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size
  }

  /** Moves the clock `ms` forward, firing every timer due by then; settles before and after each. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): time only moves forward`)
    const targetMs = this.nowMs + ms
    await settle()
    for (;;) {
      let next: Timer | undefined
      for (const timer of this.timers.values()) {
        if (timer.dueMs <= targetMs && (next === undefined || timer.dueMs < next.dueMs)) next = timer
      }
      if (next === undefined) break
      this.timers.delete(next.id)
      this.nowMs = next.dueMs
      next.fn()
      await settle()
    }
    this.nowMs = targetMs
    await settle()
  }
}

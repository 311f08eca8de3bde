// The client's time: the current time and timers, as one parameter, so that timing-sensitive logic
// (heartbeats, rebalancing, retries, linger, backoffs, timeouts) can be driven deterministically by
// a manual clock in tests (test/support/manual-clock.ts) instead of waiting on real time.
// `systemClock` is the real one and the default everywhere: Date.now and the platform's timers (no
// `node:` import, so the client core stays runnable in browsers).
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
}

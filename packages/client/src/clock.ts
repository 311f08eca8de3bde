// The client's time: the current time and timers, as one parameter, so that timing-sensitive logic
// (heartbeats, rebalancing, retries, linger) can be driven by a simulated clock in tests. The real
// one, systemClock, is the default everywhere.
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

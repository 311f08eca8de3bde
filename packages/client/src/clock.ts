// The time and timers that timing-sensitive client code takes as a parameter (STYLE.md: "Timing-
// sensitive logic takes its clock and timers as parameters"), so that tests can drive lingering,
// backoffs and timeouts deterministically with a manual clock instead of waiting on real time.
// `systemClock` is the real one: Date.now and the platform's timers (no `node:` import, so the
// client core stays runnable in browsers).

export interface Clock { now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void }

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
}

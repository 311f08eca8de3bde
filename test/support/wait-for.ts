// The one wait-for-condition helper of the tests: wait for an event, never sleep in its place.
//
// `waitFor(what, check)` calls `check` until it returns a value other than `undefined`, `false` or
// `null` (an async check is awaited), and returns that value. It gives up after `timeoutMs` with an
// error that names `what` and the last value or error seen, so a failure says what never happened.
// The timeout is a guard against a hang, never a statement about speed: set it generously (CI shares
// two cores), and never assert on how long a wait took.

export interface WaitForOptions {
  /** Give up after this long; default 20 s. */
  timeoutMs?: number
  /** Pause between checks; default 20 ms. */
  intervalMs?: number
  /**
   * Whether a check that throws is tried again (default true: the error is kept as the last value
   * seen). False: the first error is thrown at once, for checks that assert an invariant as they go.
   */
  retryErrors?: boolean
}

export type Checked<T> = Exclude<T, undefined | null | false>

export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Checked<T>> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const intervalMs = options.intervalMs ?? 20
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== null && value !== false) return value as Checked<T>
      last = value
    } catch (error) {
      if (options.retryErrors === false) throw error
      last = error
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? `${last.name}: ${last.message}` : JSON.stringify(last)
      throw new Error(`waited ${timeoutMs} ms for ${what}; last seen: ${seen}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Resolves with the first emission of `event` on `emitter` (the first argument), or rejects on timeout. */
export function nextEvent<T = unknown>(
  emitter: { once(event: string, listener: (value: T) => void): unknown; off?(event: string, listener: (value: T) => void): unknown },
  event: string,
  what = event,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (value: T): void => {
      clearTimeout(timer)
      resolve(value)
    }
    const timer = setTimeout(() => {
      emitter.off?.(event, listener)
      reject(new Error(`waited ${timeoutMs} ms for ${what}`))
    }, timeoutMs)
    emitter.once(event, listener)
  })
}

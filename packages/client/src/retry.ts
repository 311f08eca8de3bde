// The retry policy: how long to wait before attempt n, and how many attempts a request gets. The
// wait grows exponentially from initialRetryTimeMs by `multiplier`, is capped at maxRetryTimeMs,
// and is spread by +/- `jitter` so that clients cut off together do not all come back at the same
// moment (kafkajs uses the same shape and defaults close to these). Which errors are worth a retry
// is the protocol's table: FaecieError.retriable.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { type Clock, systemClock } from './clock.js'
import { isRoutingError } from './leaders.js'

export interface RetryOptions {
  /** Retries after the first attempt; 0 means one attempt only. */
  retries: number
  /** The wait before the first retry. */
  initialRetryTimeMs: number
  /** No wait is longer than this. */
  maxRetryTimeMs: number
  /** Each wait is this many times the one before. */
  multiplier: number
  /** 0 to 1: each wait is spread uniformly over [wait * (1 - jitter), wait * (1 + jitter)]. */
  jitter: number
}

/** About 25 s of retries in all: enough to ride out a broker restart. */
export const RETRY_DEFAULTS: Readonly<RetryOptions> = Object.freeze({
  retries: 10,
  initialRetryTimeMs: 100,
  maxRetryTimeMs: 5_000,
  multiplier: 2,
  jitter: 0.2,
})

export function resolveRetry(options: Partial<RetryOptions> | undefined, base: Readonly<RetryOptions> = RETRY_DEFAULTS): RetryOptions {
  const retry = { ...base, ...options }
  const check = (name: keyof RetryOptions, ok: boolean): void => {
    if (!ok) throw new RangeError(`retry.${name} is out of range: ${String(retry[name])}`)
  }
  check('retries', Number.isSafeInteger(retry.retries) && retry.retries >= 0)
  check('initialRetryTimeMs', Number.isFinite(retry.initialRetryTimeMs) && retry.initialRetryTimeMs >= 0)
  check('maxRetryTimeMs', Number.isFinite(retry.maxRetryTimeMs) && retry.maxRetryTimeMs >= retry.initialRetryTimeMs)
  check('multiplier', Number.isFinite(retry.multiplier) && retry.multiplier >= 1)
  check('jitter', Number.isFinite(retry.jitter) && retry.jitter >= 0 && retry.jitter <= 1)
  return retry
}

/** The wait before retry number `retry` (0 for the first retry). `random` is uniform in [0, 1). */
export function backoffMs(retry: number, options: RetryOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxRetryTimeMs, options.initialRetryTimeMs * options.multiplier ** Math.max(0, retry))
  const spread = base * options.jitter * (2 * random() - 1)
  return Math.max(0, Math.round(base + spread))
}

/** True for an error a retry may cure: a retriable FaecieError, or one saying a leader moved (leaders.ts). */
export function isRetriable(err: unknown): boolean {
  return err instanceof FaecieError && (err.retriable || isRoutingError(err))
}

/**
 * The waiters of each signal, woken by one 'abort' listener per signal (added with the first waiter,
 * removed with the last): many retries waiting on the client's one signal at once (a failover) add
 * no listener each, so no MaxListenersExceededWarning, and nothing node-only (browsers run this).
 */
const abortWaiters = new WeakMap<AbortSignal, { waiters: Set<() => void>; listener: () => void }>()

/** Calls `wake` once when `signal` aborts; the returned function stops waiting (idempotent). */
export function onAbort(signal: AbortSignal, wake: () => void): () => void {
  let entry = abortWaiters.get(signal)
  if (entry === undefined) {
    const waiters = new Set<() => void>()
    const listener = (): void => {
      abortWaiters.delete(signal)
      for (const waiter of [...waiters]) waiter()
      waiters.clear()
    }
    entry = { waiters, listener }
    abortWaiters.set(signal, entry)
    signal.addEventListener('abort', listener, { once: true })
  }
  const { waiters, listener } = entry
  waiters.add(wake)
  return () => {
    if (!waiters.delete(wake) || waiters.size > 0 || abortWaiters.get(signal) !== entry) return
    abortWaiters.delete(signal)
    signal.removeEventListener('abort', listener)
  }
}

/** How many waiters `signal` has (tests). */
export function abortWaiterCount(signal: AbortSignal): number {
  return abortWaiters.get(signal)?.waiters.size ?? 0
}

export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    let stop: () => void = () => undefined
    const done = (): void => {
      clock.clearTimeout(timer)
      stop()
      resolve()
    }
    const timer = clock.setTimeout(done, ms)
    if (signal !== undefined) stop = onAbort(signal, done)
  })
}

/**
 * The least time the waits of a whole retry budget add up to (every wait at its lowest jitter): how
 * long an outage the budget is sure to ride out.
 */
export function retryWindowMs(options: RetryOptions): number {
  let total = 0
  for (let retry = 0; retry < options.retries; retry++) total += backoffMs(retry, options, () => 0)
  return total
}

export interface RetryHooks {
  /** Stops retrying when aborted; the last error is thrown. */
  signal?: AbortSignal
  /** Called before each wait, with the error and the retry number about to be made. */
  onRetry?: (err: unknown, retry: number, waitMs: number) => void
  /** Which errors to retry; default isRetriable. */
  retriable?: (err: unknown) => boolean
  random?: () => number
  /** Whose timers the waits between attempts run on; default the system's. */
  clock?: Clock
}

/**
 * Runs `attempt` until it succeeds, a non-retriable error comes, or the retries are spent; then the
 * last error is thrown as it was (its code tells the caller what happened).
 */
export async function withRetry<T>(attempt: (retry: number) => Promise<T>, options: RetryOptions, hooks: RetryHooks = {}): Promise<T> {
  const retriable = hooks.retriable ?? isRetriable
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry)
    } catch (err) {
      if (retry >= options.retries || !retriable(err) || hooks.signal?.aborted === true) throw err
      const waitMs = backoffMs(retry, options, hooks.random)
      hooks.onRetry?.(err, retry + 1, waitMs)
      await sleep(waitMs, hooks.signal, hooks.clock)
      if (hooks.signal?.aborted ?? false) throw err
    }
  }
}

/** The error for requests cut off by a closed connection: retriable, as docs/protocol.md says. */
export function connectionLost(url: string, detail: string): FaecieError {
  return new FaecieError(ErrorCode.NETWORK_EXCEPTION, `The connection to ${url} closed before a response arrived (${detail}).`)
}

// The retry policy (src/retry.ts): exponential growth, the cap, the jitter bounds, and which errors
// withRetry tries again.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { getEventListeners } from 'node:events'
import { RETRY_DEFAULTS, abortWaiterCount, backoffMs, resolveRetry, retryWindowMs, sleep, withRetry } from '../src/retry.js'
import { ManualClock } from '../../../test/support/manual-clock.js'

const noJitter = { ...RETRY_DEFAULTS, jitter: 0 }

describe('backoffMs', () => {
  it('grows by the multiplier from the initial wait and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, noJitter))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000])
    expect(backoffMs(1000, noJitter)).toBe(5000)
  })

  it('spreads each wait by at most +/- jitter', () => {
    const options = { ...RETRY_DEFAULTS, jitter: 0.2 }
    expect(backoffMs(2, options, () => 0)).toBe(320)
    expect(backoffMs(2, options, () => 0.999999)).toBe(480)
    expect(backoffMs(2, options, () => 0.5)).toBe(400)
    for (let i = 0; i < 200; i++) {
      const wait = backoffMs(3, options)
      expect(wait).toBeGreaterThanOrEqual(640)
      expect(wait).toBeLessThanOrEqual(960)
    }
  })

  it('adds up to enough to ride out a broker restart with the defaults', () => {
    let total = 0
    for (let n = 0; n < RETRY_DEFAULTS.retries; n++) total += backoffMs(n, noJitter)
    expect(total).toBeGreaterThan(20_000)
    expect(total).toBeLessThan(40_000)
  })
})

describe('resolveRetry', () => {
  it('fills in defaults and refuses bad values by name', () => {
    expect(resolveRetry({ retries: 2 })).toEqual({ ...RETRY_DEFAULTS, retries: 2 })
    expect(() => resolveRetry({ retries: -1 })).toThrow(/retry\.retries/)
    expect(() => resolveRetry({ jitter: 2 })).toThrow(/retry\.jitter/)
    expect(() => resolveRetry({ initialRetryTimeMs: 10_000 })).toThrow(/retry\.maxRetryTimeMs/)
    expect(() => resolveRetry({ multiplier: 0.5 })).toThrow(/retry\.multiplier/)
  })
})

describe('withRetry', () => {
  const fast = { ...RETRY_DEFAULTS, initialRetryTimeMs: 1, maxRetryTimeMs: 2, retries: 3 }

  it('retries retriable errors until it succeeds', async () => {
    let calls = 0
    const waits: number[] = []
    const value = await withRetry(async () => {
      if (++calls < 3) throw new FaecieError(ErrorCode.NETWORK_EXCEPTION)
      return 'ok'
    }, fast, { onRetry: (_err, retry) => waits.push(retry) })
    expect(value).toBe('ok')
    expect(calls).toBe(3)
    expect(waits).toEqual([1, 2])
  })

  it('throws a non-retriable error at once', async () => {
    let calls = 0
    await expect(withRetry(async () => {
      calls++
      throw new FaecieError(ErrorCode.TOPIC_ALREADY_EXISTS)
    }, fast)).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS })
    expect(calls).toBe(1)
  })

  it('throws the last error once the budget is spent', async () => {
    let calls = 0
    await expect(withRetry(async () => {
      throw new FaecieError(ErrorCode.MAILBOX_FULL, `try ${++calls}`)
    }, fast)).rejects.toThrow('try 4')
    expect(calls).toBe(4)
  })

  it('gives up when aborted', async () => {
    const abort = new AbortController()
    let calls = 0
    const run = withRetry(async () => {
      calls++
      abort.abort()
      throw new FaecieError(ErrorCode.NETWORK_EXCEPTION)
    }, { ...fast, initialRetryTimeMs: 10_000, maxRetryTimeMs: 10_000 }, { signal: abort.signal })
    await expect(run).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION })
    expect(calls).toBe(1)
  })
})

describe('retryWindowMs', () => {
  it('is the least the budget waits in all; the defaults ride out a broker session timeout (6 s) and more', () => {
    expect(retryWindowMs({ ...RETRY_DEFAULTS, retries: 3, jitter: 0.5 })).toBe(50 + 100 + 200)
    expect(retryWindowMs({ ...RETRY_DEFAULTS, retries: 0 })).toBe(0)
    expect(retryWindowMs(RETRY_DEFAULTS)).toBeGreaterThan(2 * 6_000)
  })
})

describe('sleep on a shared signal', () => {
  it('many waits on one signal add one abort listener, removed when the last wait ends', async () => {
    const clock = new ManualClock()
    const controller = new AbortController()
    const waits = Array.from({ length: 50 }, (_, i) => sleep(10 + i, controller.signal, clock))
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    expect(abortWaiterCount(controller.signal)).toBe(50)
    await clock.advance(59)
    await Promise.all(waits)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    expect(abortWaiterCount(controller.signal)).toBe(0)
  })

  it('an abort wakes every wait at once, and a wait begun after it ends at once', async () => {
    const clock = new ManualClock()
    const controller = new AbortController()
    let woken = 0
    const waits = Array.from({ length: 20 }, () => sleep(60_000, controller.signal, clock).then(() => woken++))
    controller.abort()
    await Promise.all(waits)
    expect(woken).toBe(20)
    expect(clock.pending).toBe(0)
    await sleep(60_000, controller.signal, clock)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})

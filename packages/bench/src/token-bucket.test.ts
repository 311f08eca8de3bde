// The token bucket against a manual clock: takers within the burst go at once, a taker in debt waits
// for exactly the deficit and not a moment less, takers are served in order, and a run at a rate
// lasts as long as the rate says — all in the clock's time, never the wall clock's.
import { describe, expect, it } from 'vitest'
import { TokenBucket, type TokenBucketClock } from './token-bucket.js'

/** A clock that moves only when told: `advance` wakes the sleepers whose time has come, in order. */
function manualClock(): TokenBucketClock & { advance(ms: number): Promise<void>; sleeps: number[] } {
  let nowMs = 0
  const sleepers: Array<{ untilMs: number; wake: () => void }> = []
  const sleeps: number[] = []
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve()
  }
  return {
    sleeps,
    nowMs: () => nowMs,
    sleepMs(ms) {
      sleeps.push(ms)
      return new Promise<void>((wake) => sleepers.push({ untilMs: nowMs + ms, wake }))
    },
    async advance(ms) {
      const targetMs = nowMs + ms
      await settle()
      for (;;) {
        sleepers.sort((a, b) => a.untilMs - b.untilMs)
        const next = sleepers[0]
        if (next === undefined || next.untilMs > targetMs) break
        sleepers.shift()
        nowMs = Math.max(nowMs, next.untilMs)
        next.wake()
        await settle()
      }
      nowMs = targetMs
      await settle()
    },
  }
}

/** Tracks whether a promise has settled, without awaiting it. */
function tracked(promise: Promise<void>): { done: () => boolean } {
  let done = false
  void promise.then(() => (done = true))
  return { done: () => done }
}

describe('TokenBucket', () => {
  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError)
    expect(() => new TokenBucket(-1)).toThrow(RangeError)
  })

  it('holds a taker in debt until the deficit has accrued, and no sooner', async () => {
    const clock = manualClock()
    const bucket = new TokenBucket(1_000, clock) // one token per ms, starting empty
    const taker = tracked(bucket.take(50))
    await clock.advance(0)
    expect(clock.sleeps).toEqual([50])
    await clock.advance(49)
    expect(taker.done()).toBe(false)
    await clock.advance(1)
    expect(taker.done()).toBe(true)
  })

  it('holds takers to the rate: 1,000 tokens at 5,000/s take 200 ms of the clock', async () => {
    const clock = manualClock()
    const bucket = new TokenBucket(5_000, clock)
    const run = tracked((async () => { for (let i = 0; i < 1_000 / 50; i++) await bucket.take(50) })())
    await clock.advance(199)
    expect(run.done()).toBe(false)
    await clock.advance(1)
    expect(run.done()).toBe(true)
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeCloseTo(200, 6)
  })

  it('serves concurrent takers in the order they asked', async () => {
    const clock = manualClock()
    const bucket = new TokenBucket(10_000, clock)
    const order: number[] = []
    const all = Promise.all([1, 2, 3, 4].map((n) => bucket.take(100).then(() => order.push(n))))
    await clock.advance(10)
    expect(order).toEqual([1])
    await clock.advance(30)
    await all
    expect(order).toEqual([1, 2, 3, 4])
  })

  it('lets accrued tokens go at once, up to a burst of a tenth of a second', async () => {
    const clock = manualClock()
    const bucket = new TokenBucket(1_000, clock)
    await clock.advance(10_000) // ten seconds idle: only 100 tokens of burst are kept
    await bucket.take(100)
    expect(clock.sleeps).toEqual([])
    const over = tracked(bucket.take(1))
    await clock.advance(0)
    expect(clock.sleeps).toEqual([1])
    expect(over.done()).toBe(false)
    await clock.advance(1)
    expect(over.done()).toBe(true)
  })
})

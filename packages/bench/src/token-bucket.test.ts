// The token bucket against a fake clock and real timers: takers within the burst go at once, a
// taker in debt waits for the deficit, and a run at a rate lasts as long as the rate says.
import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError)
    expect(() => new TokenBucket(-1)).toThrow(RangeError)
  })

  it('holds takers to the rate: 1,000 tokens at 5,000/s take about 0.2 s', async () => {
    const bucket = new TokenBucket(5_000)
    const startMs = performance.now()
    for (let i = 0; i < 1_000 / 50; i++) await bucket.take(50)
    const elapsedMs = performance.now() - startMs
    expect(elapsedMs).toBeGreaterThanOrEqual(180)
    expect(elapsedMs).toBeLessThan(2_000)
  })

  it('serves concurrent takers in the order they asked', async () => {
    const bucket = new TokenBucket(10_000)
    const order: number[] = []
    await Promise.all([1, 2, 3, 4].map((n) => bucket.take(100).then(() => order.push(n))))
    expect(order).toEqual([1, 2, 3, 4])
  })

  it('lets accrued tokens go at once, up to a burst of a tenth of a second', async () => {
    let nowMs = 0
    const bucket = new TokenBucket(1_000, () => nowMs)
    nowMs = 10_000 // ten seconds idle: only 100 tokens of burst are kept
    const startMs = performance.now()
    await bucket.take(100)
    expect(performance.now() - startMs).toBeLessThan(50)
  })
})

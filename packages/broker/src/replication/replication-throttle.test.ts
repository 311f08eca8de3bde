// The replication throttle's bucket on a hand-driven clock: moving replicas only (and only until they
// are in the ISR), debt paid back at the rate, at most one burst saved up, a fetch's allowance within
// the bucket (never below THROTTLE_FETCH_BYTES_MIN), and nothing held once the throttle is removed.
import { describe, expect, it } from 'vitest'
import { isThrottledReplica, ReplicationThrottle, THROTTLE_FETCH_BYTES_MIN } from './replication-throttle.js'

function setup(rate: { value: number | null }) {
  return new ReplicationThrottle({ rateBytesPerSec: () => rate.value, isMoving: (topic, p) => topic === 't' && p === 0 })
}

describe('replication throttle', () => {
  it('throttles only the replicas being added, and only while a rate is set', () => {
    const rate = { value: 1000 as number | null }
    const throttle = setup(rate)
    expect(throttle.isThrottled('t', 0)).toBe(true)
    expect(throttle.isThrottled('t', 1)).toBe(false)
    rate.value = null
    expect(throttle.isThrottled('t', 0)).toBe(false)
  })

  it('holds throttled fetches until the debt is paid back at the rate', () => {
    const rate = { value: 1000 as number | null }
    const throttle = setup(rate)
    expect(throttle.delayMs(0)).toBe(0)
    throttle.record(3000, 0)
    expect(throttle.delayMs(0)).toBe(3000)
    expect(throttle.delayMs(1000)).toBe(2000)
    expect(throttle.delayMs(3000)).toBe(0)
    // Ten idle seconds save up one second's worth (the burst), not ten.
    expect(throttle.delayMs(13_000)).toBe(0)
    throttle.record(3000, 13_000)
    expect(throttle.delayMs(13_000)).toBe(2000)
    rate.value = null
    expect(throttle.delayMs(13_000)).toBe(0)
    expect(throttle.throttledBytes).toBe(6000)
  })

  it('throttles a replica being added only until it is in the ISR (an in-sync replica would hold the high watermark back)', () => {
    expect(isThrottledReplica({ isr: [1], addingReplicas: [2] }, 2)).toBe(true)
    expect(isThrottledReplica({ isr: [1, 2], addingReplicas: [2] }, 2)).toBe(false)
    expect(isThrottledReplica({ isr: [1, 2], addingReplicas: [3] }, 2)).toBe(false)
    expect(isThrottledReplica({ isr: [1, 2] }, 2)).toBe(false)
    expect(isThrottledReplica(undefined, 2)).toBe(false)
  })

  it('allows a fetch no more than the bucket holds, and at least THROTTLE_FETCH_BYTES_MIN', () => {
    const rate = { value: 10_000 as number | null }
    const throttle = setup(rate)
    expect(throttle.allowanceBytes(0)).toBe(THROTTLE_FETCH_BYTES_MIN)
    expect(throttle.allowanceBytes(500)).toBe(5000)
    expect(throttle.allowanceBytes(60_000)).toBe(10_000) // one burst at most
    throttle.record(50_000, 60_000)
    expect(throttle.allowanceBytes(60_000)).toBe(THROTTLE_FETCH_BYTES_MIN)
    // Raising the rate pays the debt back faster from then on.
    rate.value = 1_000_000
    expect(throttle.delayMs(60_000)).toBe(40)
    rate.value = null
    expect(throttle.allowanceBytes(60_000)).toBe(Number.POSITIVE_INFINITY)
  })
})

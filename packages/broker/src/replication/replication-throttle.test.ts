// The replication throttle's bucket on a hand-driven clock: moving replicas only, debt paid back at
// the rate, at most one burst saved up, and nothing held once the throttle is removed.
import { describe, expect, it } from 'vitest'
import { ReplicationThrottle } from './replication-throttle.js'

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
})

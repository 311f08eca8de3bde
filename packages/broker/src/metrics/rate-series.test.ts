// RateSeries on a hand-driven clock: sums within a bucket, zeros for silent buckets, the ring
// forgetting what is older than pointsMax buckets, and never reporting before the start.
import { describe, expect, it } from 'vitest'
import { RateSeries } from './rate-series.js'

function series(startMs: number): { s: RateSeries; at: (ms: number) => void } {
  let now = startMs
  return { s: new RateSeries({ intervalMs: 10, pointsMax: 3, clock: () => now }), at: (ms) => { now = ms } }
}

describe('RateSeries', () => {
  it('sums what was added in the current bucket', () => {
    const { s, at } = series(100)
    s.addIn(2, 20)
    at(105)
    s.addIn(3, 30)
    s.addOut(1, 7)
    expect(s.points(100)).toEqual([{ atMs: 100, recordsIn: 5, bytesIn: 50, recordsOut: 1, bytesOut: 7 }])
  })

  it('reports silent buckets as zeros, oldest first, the current one last', () => {
    const { s, at } = series(100)
    s.addIn(1, 1)
    at(125)
    s.addOut(4, 40)
    expect(s.points(100).map((p) => [p.atMs, p.recordsIn, p.recordsOut])).toEqual([[100, 1, 0], [110, 0, 0], [120, 0, 4]])
  })

  it('keeps pointsMax buckets: a reused slot starts from zero', () => {
    const { s, at } = series(100)
    s.addIn(1, 1)
    at(130) // the slot of 100 again
    s.addIn(2, 2)
    expect(s.points(0).map((p) => [p.atMs, p.recordsIn])).toEqual([[110, 0], [120, 0], [130, 2]])
    at(1000)
    expect(s.points(0).map((p) => [p.atMs, p.recordsIn])).toEqual([[980, 0], [990, 0], [1000, 0]])
  })

  it('refuses a zero interval', () => {
    expect(() => new RateSeries({ intervalMs: 0 })).toThrow(RangeError)
  })
})

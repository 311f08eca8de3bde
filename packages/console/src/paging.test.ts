// Offset paging of the message browser: start positions, next and previous pages, bounds.
import { describe, expect, it } from 'vitest'
import { hasNext, hasPrevious, nextPositions, perPartition, previousPositions, startPositions, type PartitionWindow } from './paging.js'

const windows: PartitionWindow[] = [
  { partition: 0, low: 0, high: 100 },
  { partition: 1, low: 20, high: 30 },
  { partition: 2, low: 5, high: 5 },
]

describe('offset paging', () => {
  it('shares a page between partitions', () => {
    expect(perPartition(50, 3)).toBe(17)
    expect(perPartition(1, 4)).toBe(1)
    expect(() => perPartition(0, 1)).toThrow(RangeError)
  })
  it('starts at earliest, latest, an offset (clamped) or looked-up offsets', () => {
    expect([...startPositions(windows, { kind: 'earliest' }, 30)]).toEqual([[0, 0], [1, 20], [2, 5]])
    expect([...startPositions(windows, { kind: 'latest' }, 30)]).toEqual([[0, 90], [1, 20], [2, 5]])
    expect([...startPositions(windows, { kind: 'offset', offset: 25 }, 30)]).toEqual([[0, 25], [1, 25], [2, 5]])
    expect([...startPositions(windows, { kind: 'offsets', offsets: new Map([[0, 7]]) }, 30)]).toEqual([[0, 7], [1, 30], [2, 5]])
  })
  it('pages forward after the last record read of each partition', () => {
    const start = startPositions(windows, { kind: 'earliest' }, 30)
    const next = nextPositions(start, new Map([[0, 9], [1, 29]]))
    expect([...next]).toEqual([[0, 10], [1, 30], [2, 5]])
    expect(hasNext(next, windows)).toBe(true)
    expect(hasNext(new Map([[0, 100], [1, 30], [2, 5]]), windows)).toBe(false)
  })
  it('pages back by a share, not before the log start', () => {
    const at = new Map([[0, 50], [1, 25], [2, 5]])
    expect([...previousPositions(at, windows, 30)]).toEqual([[0, 40], [1, 20], [2, 5]])
    expect(hasPrevious(at, windows)).toBe(true)
    expect(hasPrevious(startPositions(windows, { kind: 'earliest' }, 30), windows)).toBe(false)
  })
})

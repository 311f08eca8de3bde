// Sorting tables by a column (sort.ts).
import { describe, expect, it } from 'vitest'
import { compareValues, nextSort, sortRows } from './sort.js'

const rows = [
  { name: 'topic-10', size: 5, retention: undefined },
  { name: 'topic-2', size: 50, retention: 1000 },
  { name: 'Audit', size: 5, retention: 10 },
]

describe('sortRows', () => {
  it('orders text naturally and case-insensitively, numbers as numbers', () => {
    expect(sortRows(rows, { key: 'name', direction: 'asc' }, (r, k) => r[k as 'name']).map((r) => r.name)).toEqual(['Audit', 'topic-2', 'topic-10'])
    expect(sortRows(rows, { key: 'size', direction: 'desc' }, (r, k) => r[k as 'size']).map((r) => r.name)).toEqual(['topic-2', 'topic-10', 'Audit'])
  })

  it('keeps ties in their order, and missing values last either way', () => {
    expect(sortRows(rows, { key: 'size', direction: 'asc' }, (r) => r.size).map((r) => r.name)).toEqual(['topic-10', 'Audit', 'topic-2'])
    expect(sortRows(rows, { key: 'retention', direction: 'asc' }, (r) => r.retention).map((r) => r.name)).toEqual(['Audit', 'topic-2', 'topic-10'])
    expect(sortRows(rows, { key: 'retention', direction: 'desc' }, (r) => r.retention).map((r) => r.name)).toEqual(['topic-2', 'Audit', 'topic-10'])
  })
})

describe('nextSort', () => {
  it('sorts a new column ascending and flips the current one', () => {
    expect(nextSort({ key: 'a', direction: 'desc' }, 'b')).toEqual({ key: 'b', direction: 'asc' })
    expect(nextSort({ key: 'a', direction: 'asc' }, 'a')).toEqual({ key: 'a', direction: 'desc' })
  })

  it('compares mixed values without throwing', () => {
    expect(compareValues(null, 1)).toBe(1)
    expect(compareValues('b', 'a')).toBeGreaterThan(0)
  })
})

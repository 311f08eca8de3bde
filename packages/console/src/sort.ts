// Sorting a table by any of its columns: the column and direction a click chose, and a stable
// comparator that orders numbers as numbers, text by locale (natural: "topic-2" before
// "topic-10"), and missing values last in either direction.
import { useMemo, useState } from 'preact/hooks'

export type SortDirection = 'asc' | 'desc'

export interface SortState<K extends string> {
  key: K
  direction: SortDirection
}

export type SortValue = string | number | undefined | null

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

export function compareValues(a: SortValue, b: SortValue): number {
  const aMissing = a === undefined || a === null
  const bMissing = b === undefined || b === null
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return collator.compare(String(a), String(b))
}

/** `rows` sorted by `value(row, key)`; ties keep their order. Missing values go last either way. */
export function sortRows<T, K extends string>(rows: readonly T[], state: SortState<K>, value: (row: T, key: K) => SortValue): T[] {
  const sign = state.direction === 'asc' ? 1 : -1
  return rows
    .map((row, index) => ({ row, index, v: value(row, state.key) }))
    .sort((a, b) => {
      const missingA = a.v === undefined || a.v === null
      const missingB = b.v === undefined || b.v === null
      if (missingA !== missingB) return missingA ? 1 : -1
      return sign * compareValues(a.v, b.v) || a.index - b.index
    })
    .map((x) => x.row)
}

/** The next state after a click on `key`: a new column sorts ascending, the same one flips. */
export function nextSort<K extends string>(state: SortState<K>, key: K): SortState<K> {
  return state.key === key ? { key, direction: state.direction === 'asc' ? 'desc' : 'asc' } : { key, direction: 'asc' }
}

export function useSort<T, K extends string>(rows: readonly T[], initial: SortState<K>, value: (row: T, key: K) => SortValue) {
  const [state, setState] = useState<SortState<K>>(initial)
  const sorted = useMemo(() => sortRows(rows, state, value), [rows, state])
  return { sorted, state, sortBy: (key: K) => setState((s) => nextSort(s, key)) }
}

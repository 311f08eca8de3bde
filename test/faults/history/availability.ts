// The availability half of the checker: one row per fault kind that ran, and a 'none' row for what
// happened while no fault was active.
//
// A produce belongs to a kind's row when it was invoked inside one of that kind's windows
// [startMs, endMs] (overlapping windows of two kinds count it in both); to 'none' when invoked inside
// no window at all. A window's unavailability is the longest stretch of time, from its startMs to its
// endMs + recoveryGraceMs (cut at the history's end), in which no produce of any client was
// acknowledged (acknowledgement time = completedMs). For 'none' the stretches measured are the times
// covered by no window nor its grace. Median of an even count: the mean of the two middle values.
import type { FaultRow } from './checker.js'
import { FOUND_DUPLICATED, FOUND_LOST, FOUND_LOST_ACKS_LEADER } from './check-produces.js'
import { FAULT_KINDS, type FaultWindow, type History, type ProduceOp } from './history.js'

type Interval = [number, number]

export function availabilityRows(history: History, produces: ProduceOp[], found: Uint8Array, recoveryGraceMs: number): FaultRow[] {
  const ackTimes = Float64Array.from(produces.filter((op) => op.outcome === 'ok').map((op) => op.completedMs)).sort()
  const endCut = (w: FaultWindow): number => Math.max(w.endMs, Math.min(w.endMs + recoveryGraceMs, history.endedMs))
  const rows: FaultRow[] = []
  for (const kind of FAULT_KINDS) {
    const windows = history.faults.filter((w) => w.kind === kind)
    if (windows.length === 0) continue
    const inside = merge(windows.map((w): Interval => [w.startMs, w.endMs]))
    const stretches = windows.map((w) => longestSilenceMs(ackTimes, w.startMs, endCut(w)))
    rows.push(row(kind, windows.length, produces, found, (t) => covers(inside, t), stretches))
  }
  const anyWindow = merge(history.faults.map((w): Interval => [w.startMs, w.endMs]))
  const quiet = complement(merge(history.faults.map((w): Interval => [w.startMs, endCut(w)])), history.startedMs, history.endedMs)
  const stretches = quiet.map(([from, to]) => longestSilenceMs(ackTimes, from, to))
  rows.push(row('none', 0, produces, found, (t) => !covers(anyWindow, t), stretches))
  return rows
}

function row(kind: FaultRow['kind'], faults: number, produces: ProduceOp[], found: Uint8Array, counts: (invokedMs: number) => boolean, stretchesMs: number[]): FaultRow {
  const r: FaultRow = { kind, faults, attempted: 0, acknowledged: 0, lost: 0, duplicated: 0, lostAcksLeader: 0, unavailableMedianMs: 0, unavailableMaxMs: 0 }
  produces.forEach((op, i) => {
    if (!counts(op.invokedMs)) return
    r.attempted += 1
    if (op.outcome === 'ok') r.acknowledged += 1
    const bits = found[i]!
    if (bits & FOUND_LOST) r.lost += 1
    if (bits & FOUND_DUPLICATED) r.duplicated += 1
    if (bits & FOUND_LOST_ACKS_LEADER) r.lostAcksLeader += 1
  })
  const sorted = [...stretchesMs].sort((a, b) => a - b)
  if (sorted.length > 0) {
    const mid = sorted.length >> 1
    r.unavailableMedianMs = Math.round(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2)
    r.unavailableMaxMs = Math.round(sorted[sorted.length - 1]!)
  }
  return r
}

/** The longest stretch within [fromMs, toMs] holding no acknowledgement (ackTimes ascending). */
export function longestSilenceMs(ackTimes: Float64Array, fromMs: number, toMs: number): number {
  let i = firstAtOrAfter(ackTimes, fromMs)
  let last = fromMs
  let longest = 0
  for (; i < ackTimes.length && ackTimes[i]! <= toMs; i++) {
    longest = Math.max(longest, ackTimes[i]! - last)
    last = ackTimes[i]!
  }
  return Math.max(longest, toMs - last)
}

function firstAtOrAfter(sorted: Float64Array, t: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Sorted, disjoint intervals covering the same times. */
function merge(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0])
  const out: Interval[] = []
  for (const [from, to] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to)
    else out.push([from, to])
  }
  return out
}

function covers(merged: Interval[], t: number): boolean {
  let lo = 0
  let hi = merged.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (merged[mid]![1] < t) lo = mid + 1
    else hi = mid
  }
  return lo < merged.length && merged[lo]![0] <= t
}

/** The parts of [fromMs, toMs] that no merged interval covers. */
function complement(merged: Interval[], fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = []
  let at = fromMs
  for (const [from, to] of merged) {
    if (from > at) out.push([at, Math.min(from, toMs)])
    at = Math.max(at, to)
    if (at >= toMs) break
  }
  if (at < toMs) out.push([at, toMs])
  return out.filter(([a, b]) => b > a)
}

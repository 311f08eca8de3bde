// The availability half of the checker: one row per fault kind that ran, and a 'none' row for what
// happened while no fault was active.
//
// A produce belongs to a kind's row when it was invoked inside one of that kind's windows
// [startMs, endMs] (overlapping windows of two kinds count it in both); to 'none' when invoked inside
// no window at all. attemptsPerSec is that count over the time the windows cover (merged; for 'none'
// the time no window covers).
//
// Unavailability is per partition: one partition down while the others acknowledge is down. A
// window's figure is the max over partitions of the longest stretch, within its startMs to its
// endMs + recoveryGraceMs (cut at the history's end), in which that partition had produces attempted
// or in flight and none acknowledged: between two consecutive acknowledgements of the partition
// (completedMs; the window's ends bound the first and last stretch), the time from the first moment
// a produce to it was in flight ([invokedMs, completedMs]) to the last. A partition nobody wrote to is
// not unavailable. For 'none' the stretches measured are the times covered by no window nor its
// grace. Median of an even count: the mean of the two middle values.
import type { FaultRow } from './checker.js'
import { FOUND_DUPLICATED, FOUND_LOST, FOUND_LOST_ACKS_LEADER } from './check-produces.js'
import { FAULT_KINDS, type FaultWindow, type History, type ProduceOp } from './history.js'

type Interval = [number, number]

/** One partition's acknowledgement times (ascending) and the merged times a produce to it was in flight. */
interface PartitionTimes {
  acks: Float64Array
  demand: Interval[]
}

export function availabilityRows(history: History, produces: ProduceOp[], found: Uint8Array, recoveryGraceMs: number): FaultRow[] {
  const partitions = partitionTimes(produces)
  const unavailableMs = (fromMs: number, toMs: number): number =>
    partitions.reduce((worst, p) => Math.max(worst, longestUnavailableMs(p, fromMs, toMs)), 0)
  const endCut = (w: FaultWindow): number => Math.max(w.endMs, Math.min(w.endMs + recoveryGraceMs, history.endedMs))
  const rows: FaultRow[] = []
  for (const kind of FAULT_KINDS) {
    const windows = history.faults.filter((w) => w.kind === kind)
    if (windows.length === 0) continue
    const inside = merge(windows.map((w): Interval => [w.startMs, w.endMs]))
    const stretches = windows.map((w) => unavailableMs(w.startMs, endCut(w)))
    rows.push(row(kind, windows.length, produces, found, (t) => covers(inside, t), stretches, lengthMs(inside)))
  }
  const anyWindow = merge(history.faults.map((w): Interval => [w.startMs, w.endMs]))
  const quiet = complement(merge(history.faults.map((w): Interval => [w.startMs, endCut(w)])), history.startedMs, history.endedMs)
  const stretches = quiet.map(([from, to]) => unavailableMs(from, to))
  const noneMs = lengthMs(complement(anyWindow, history.startedMs, history.endedMs))
  rows.push(row('none', 0, produces, found, (t) => !covers(anyWindow, t), stretches, noneMs))
  return rows
}

function partitionTimes(produces: ProduceOp[]): PartitionTimes[] {
  const byKey = new Map<string, { acks: number[]; demand: Interval[] }>()
  for (const op of produces) {
    const key = `${op.topic}\u0000${op.partition}`
    let p = byKey.get(key)
    if (p === undefined) byKey.set(key, (p = { acks: [], demand: [] }))
    p.demand.push([op.invokedMs, op.completedMs])
    if (op.outcome === 'ok') p.acks.push(op.completedMs)
  }
  return [...byKey.values()].map((p) => ({ acks: Float64Array.from(p.acks).sort(), demand: merge(p.demand) }))
}

/** The longest stretch within [fromMs, toMs] in which the partition had demand and no acknowledgement. */
export function longestUnavailableMs(p: PartitionTimes, fromMs: number, toMs: number): number {
  let last = fromMs
  let longest = 0
  for (let i = firstAtOrAfter(p.acks, fromMs); i < p.acks.length && p.acks[i]! <= toMs; i++) {
    longest = Math.max(longest, demandSpanMs(p.demand, last, p.acks[i]!))
    last = p.acks[i]!
  }
  return Math.max(longest, demandSpanMs(p.demand, last, toMs))
}

/** Within [fromMs, toMs]: from the first moment of demand to the last (0 without any). */
function demandSpanMs(merged: Interval[], fromMs: number, toMs: number): number {
  // merged is sorted and disjoint: starts and ends both ascend. Demand only touching the stretch
  // (a send acknowledged at its start) is not in it.
  let lo = 0
  let hi = merged.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (merged[mid]![1] <= fromMs) lo = mid + 1
    else hi = mid
  }
  if (lo >= merged.length || merged[lo]![0] >= toMs) return 0
  const first = Math.max(fromMs, merged[lo]![0])
  hi = merged.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (merged[mid]![0] < toMs) lo = mid + 1
    else hi = mid
  }
  const last = Math.min(toMs, merged[lo - 1]![1])
  return Math.max(0, last - first)
}

function lengthMs(merged: Interval[]): number {
  return merged.reduce((sum, [from, to]) => sum + (to - from), 0)
}

function row(kind: FaultRow['kind'], faults: number, produces: ProduceOp[], found: Uint8Array, counts: (invokedMs: number) => boolean, stretchesMs: number[], coveredMs: number): FaultRow {
  const r: FaultRow = { kind, faults, attempted: 0, acknowledged: 0, lost: 0, duplicated: 0, lostAcksLeader: 0, unavailableMedianMs: 0, unavailableMaxMs: 0, attemptsPerSec: 0 }
  produces.forEach((op, i) => {
    if (!counts(op.invokedMs)) return
    r.attempted += 1
    if (op.outcome === 'ok') r.acknowledged += 1
    const bits = found[i]!
    if (bits & FOUND_LOST) r.lost += 1
    if (bits & FOUND_DUPLICATED) r.duplicated += 1
    if (bits & FOUND_LOST_ACKS_LEADER) r.lostAcksLeader += 1
  })
  if (coveredMs > 0) r.attemptsPerSec = Math.round((r.attempted * 10_000) / coveredMs) / 10
  const sorted = [...stretchesMs].sort((a, b) => a - b)
  if (sorted.length > 0) {
    const mid = sorted.length >> 1
    r.unavailableMedianMs = Math.round(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2)
    r.unavailableMaxMs = Math.round(sorted[sorted.length - 1]!)
  }
  return r
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

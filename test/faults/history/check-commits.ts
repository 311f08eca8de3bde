// The group half of the checker: a group's committed offset of a partition never goes back, in real
// time, unless reset.
//
// Observations are acknowledged commits (the offset written) and ok fetches of the committed offset
// (the offset read, -1 for none). A fetch F that read x is bounded from below by every observation E
// of v that completed before F was invoked: x < v is `offset-backwards`, unless
//   - a reset may lie between: one not failed, completed (unknown: never, it may take effect at any
//     time) after E was invoked, and invoked before F completed; or
//   - x was written by a commit W concurrent with the writes of the higher values: W not failed,
//     invoked before F completed, taking effect possibly after every observation above x in F's past
//     was invoked (W completed after them; unknown: never), and itself invoked before any observation
//     above x completed (else W is a stale commit the broker should have fenced). Two concurrent
//     commits may land in either order; a register can then legally be read going down.
// And a fetched committed offset (not -1: none) must have been written: by a commit or a reset, not
// failed, invoked before the fetch completed; else `offset-phantom`.
// Cost: each fetch takes O(log n) (a Fenwick tree of the best observation by invocation time, fed in
// completion order); only a fetch already below its bound scans its partition's observations.
import { type AnomalySink, place } from './anomalies.js'
import type { CommitOp, FetchCommittedOp, ResetOp } from './history.js'

type GroupOp = CommitOp | FetchCommittedOp | ResetOp
interface Observation {
  value: number
  invokedMs: number
  completedMs: number
  op: CommitOp | FetchCommittedOp
}

export function checkCommits(ops: GroupOp[], sink: AnomalySink): void {
  const byKey = new Map<string, GroupOp[]>()
  for (const op of ops) {
    const key = `${op.group}\u0000${op.topic}\u0000${op.partition}`
    const list = byKey.get(key)
    if (list === undefined) byKey.set(key, [op])
    else list.push(op)
  }
  for (const list of byKey.values()) checkOne(list, sink)
}

/** When an op's effect is certainly over: its completion if acknowledged, never if unknown. */
const effectEndMs = (op: GroupOp): number => (op.outcome === 'ok' ? op.completedMs : Infinity)

function checkOne(ops: GroupOp[], sink: AnomalySink): void {
  const observations: Observation[] = []
  const commitsByOffset = new Map<number, CommitOp[]>()
  const resets: ResetOp[] = []
  for (const op of ops) {
    if (op.outcome === 'fail') continue
    if (op.type === 'reset') resets.push(op)
    else if (op.type === 'commit') {
      const same = commitsByOffset.get(op.offset)
      if (same === undefined) commitsByOffset.set(op.offset, [op])
      else same.push(op)
      if (op.outcome === 'ok') observations.push({ value: op.offset, invokedMs: op.invokedMs, completedMs: op.completedMs, op })
    } else if (op.outcome === 'ok' && op.offset !== undefined) {
      observations.push({ value: op.offset, invokedMs: op.invokedMs, completedMs: op.completedMs, op })
    }
  }
  resets.sort((a, b) => a.invokedMs - b.invokedMs)
  checkWritten(observations, commitsByOffset, resets, sink)
  const resetInvoked = resets.map((r) => r.invokedMs)
  const resetEndPrefixMax: number[] = []
  for (const reset of resets) resetEndPrefixMax.push(Math.max(resetEndPrefixMax.at(-1) ?? -Infinity, effectEndMs(reset)))
  /** Observations invoked before this are shadowed by a reset that may lie between them and F. */
  const shadowedBeforeMs = (fetch: FetchCommittedOp): number => {
    const n = countBelow(resetInvoked, fetch.completedMs)
    return n === 0 ? -Infinity : resetEndPrefixMax[n - 1]!
  }

  const byInvoked = [...observations].sort((a, b) => a.invokedMs - b.invokedMs)
  const invokedSorted = byInvoked.map((o) => o.invokedMs)
  const rankOf = new Map<Observation, number>(byInvoked.map((o, r) => [o, r]))
  const byCompleted = [...observations].sort((a, b) => a.completedMs - b.completedMs)
  const fetches = observations.filter((o) => o.op.type === 'fetch-committed').sort((a, b) => a.invokedMs - b.invokedMs)
  const best = new SuffixMaxTree(byInvoked.length)
  let fed = 0
  for (const fetch of fetches) {
    while (fed < byCompleted.length && byCompleted[fed]!.completedMs < fetch.invokedMs) {
      const o = byCompleted[fed++]!
      best.set(rankOf.get(o)!, o)
    }
    const shadowMs = resets.length === 0 ? -Infinity : shadowedBeforeMs(fetch.op as FetchCommittedOp)
    const bound = best.maxFrom(countBelow(invokedSorted, shadowMs))
    if (bound === undefined || bound.value <= fetch.value) continue
    if (writtenConcurrently(fetch, bound, shadowMs, observations, commitsByOffset.get(fetch.value) ?? [])) continue
    const f = fetch.op
    const e = bound.op
    sink.add('offset-backwards', () => {
      const what = e.type === 'commit' ? `${e.client}'s commit of ${e.offset} was acknowledged` : `${e.client} read ${e.offset ?? -1}`
      return `group ${f.group} ${place(f.topic, f.partition)}: ${f.client} read committed offset ${fetch.value} at ${f.invokedMs}..${f.completedMs} ms, but ${what} at ${e.completedMs} ms, before it, with no reset between: the committed offset went back`
    })
  }
}

function checkWritten(observations: Observation[], commitsByOffset: Map<number, CommitOp[]>, resets: ResetOp[], sink: AnomalySink): void {
  for (const { op } of observations) {
    if (op.type !== 'fetch-committed' || op.offset === undefined || op.offset === -1) continue
    const x = op.offset
    const before = (w: CommitOp | ResetOp): boolean => w.offset === x && w.invokedMs < op.completedMs
    if ((commitsByOffset.get(x) ?? []).some(before) || resets.some(before)) continue
    sink.add('offset-phantom', () =>
      `group ${op.group} ${place(op.topic, op.partition)}: ${op.client} read committed offset ${x} at ${op.invokedMs}..${op.completedMs} ms, but no commit or reset invoked before then wrote ${x}`)
  }
}

function writtenConcurrently(fetch: Observation, bound: Observation, shadowMs: number, observations: Observation[], writers: CommitOp[]): boolean {
  const x = fetch.value
  // The bound is one of the observations above x: a writer must pass it first. This rejects a stale
  // commit (the usual regression) without the scan, so a flood of regressions stays cheap.
  const candidates = writers.filter((w) => w.invokedMs < fetch.completedMs && w.invokedMs <= bound.completedMs && effectEndMs(w) > bound.invokedMs)
  if (candidates.length === 0) return false
  const above = observations.filter((o) => o.value > x && o.invokedMs >= shadowMs)
  let lastInvokedMs = -Infinity
  for (const o of above) if (o.completedMs < fetch.invokedMs) lastInvokedMs = Math.max(lastInvokedMs, o.invokedMs)
  return candidates.some(
    (w) =>
      w.invokedMs < fetch.completedMs &&
      effectEndMs(w) > lastInvokedMs &&
      !above.some((o) => o.completedMs < w.invokedMs),
  )
}

/** How many of the ascending `sorted` are below `limit`. */
function countBelow(sorted: number[], limit: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < limit) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A Fenwick tree over ranks 0..n-1 answering "the observation of highest value at rank >= r". */
class SuffixMaxTree {
  private readonly tree: Array<Observation | undefined>
  constructor(private readonly n: number) {
    this.tree = new Array<Observation | undefined>(n + 1).fill(undefined)
  }
  set(rank: number, o: Observation): void {
    for (let i = this.n - rank; i <= this.n; i += i & -i) {
      const cur = this.tree[i]
      if (cur === undefined || cur.value < o.value) this.tree[i] = o
    }
  }
  maxFrom(rank: number): Observation | undefined {
    let found: Observation | undefined
    for (let i = this.n - rank; i > 0; i -= i & -i) {
      const cur = this.tree[i]
      if (cur !== undefined && (found === undefined || cur.value > found.value)) found = cur
    }
    return found
  }
}

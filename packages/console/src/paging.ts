// Offset paging for the message browser, per partition: where a page starts (earliest, latest, an
// offset, or offsets found by timestamp), where the next page starts (after the last record read
// of each partition) and the previous one (a page's share before the current start, but not before
// the log start). A page of N records over P partitions reads ceil(N / P) records of each.

export interface PartitionWindow {
  partition: number
  /** The first offset still in the log. */
  low: number
  /** The high watermark: the offset the next record will get. */
  high: number
}

export type StartAt =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  /** Offsets per partition, already looked up by timestamp (admin.fetchTopicOffsetsByTimestamp). */
  | { kind: 'offsets'; offsets: ReadonlyMap<number, number> }

/** Page positions: the first offset of the page per partition. */
export type Positions = Map<number, number>

export function perPartition(pageSize: number, partitions: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`page size must be an integer >= 1, not ${pageSize}`)
  return Math.max(1, Math.ceil(pageSize / Math.max(1, partitions)))
}

function clamp(offset: number, window: PartitionWindow): number {
  return Math.min(Math.max(offset, window.low), window.high)
}

export function startPositions(windows: readonly PartitionWindow[], start: StartAt, pageSize: number): Positions {
  const share = perPartition(pageSize, windows.length)
  const out: Positions = new Map()
  for (const w of windows) {
    let offset: number
    if (start.kind === 'earliest') offset = w.low
    else if (start.kind === 'latest') offset = w.high - share
    else if (start.kind === 'offset') offset = start.offset
    else offset = start.offsets.get(w.partition) ?? w.high
    out.set(w.partition, clamp(offset, w))
  }
  return out
}

/** After a page: each partition continues after the last offset read from it (or where it was). */
export function nextPositions(current: Positions, lastRead: ReadonlyMap<number, number>): Positions {
  const out: Positions = new Map()
  for (const [partition, offset] of current) {
    const last = lastRead.get(partition)
    out.set(partition, last === undefined ? offset : Math.max(offset, last + 1))
  }
  return out
}

export function previousPositions(current: Positions, windows: readonly PartitionWindow[], pageSize: number): Positions {
  const share = perPartition(pageSize, windows.length)
  const out: Positions = new Map()
  for (const w of windows) {
    const offset = current.get(w.partition)
    if (offset !== undefined) out.set(w.partition, clamp(offset - share, w))
  }
  return out
}

/** Whether any partition has records at or after its position. */
export function hasNext(positions: Positions, windows: readonly PartitionWindow[]): boolean {
  return windows.some((w) => (positions.get(w.partition) ?? w.high) < w.high)
}

export function hasPrevious(positions: Positions, windows: readonly PartitionWindow[]): boolean {
  return windows.some((w) => (positions.get(w.partition) ?? w.low) > w.low)
}

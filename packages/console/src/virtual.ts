// The arithmetic of a virtualised list with rows of one fixed height: which rows a viewport shows
// (plus some overscan on each side), so that 10,000+ rows render as a few dozen elements.

export interface VisibleRange {
  /** The first row to render. */
  start: number
  /** One past the last row to render. */
  end: number
}

export function visibleRange(scrollTopPx: number, viewportPx: number, rowPx: number, count: number, overscan = 8): VisibleRange {
  if (count <= 0 || rowPx <= 0) return { start: 0, end: 0 }
  const shown = Math.ceil(Math.max(0, viewportPx) / rowPx) + 1
  // A scroll position past the end (a list that just shrank) still shows the last rows.
  const first = Math.min(Math.floor(Math.max(0, scrollTopPx) / rowPx), Math.max(0, count - shown + 1))
  const start = Math.min(count, Math.max(0, first - overscan))
  const end = Math.min(count, first + shown + overscan)
  return { start, end: Math.max(start, end) }
}

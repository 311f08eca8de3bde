// A list that renders only the rows in view (rows of one fixed height), so that 10,000+ records or
// 1,000 topics scroll smoothly: a spacer as tall as all rows, and the visible rows placed in it.
import type { ComponentChildren } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { visibleRange } from '../virtual.js'

export interface VirtualListProps<T> {
  items: readonly T[]
  rowPx: number
  /** The list's height; it scrolls within it. */
  heightPx: number
  renderRow(item: T, index: number): ComponentChildren
  rowKey(item: T, index: number): string | number
  className?: string
  testId?: string
  /** When this changes (a new filter, a new page), the list scrolls back to its top. */
  resetKey?: string
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowPx, heightPx, renderRow, rowKey } = props
  const [scrollTopPx, setScrollTopPx] = useState(0)
  const ref = useRef<HTMLDivElement>(null)
  // A new filter or page starts from the top.
  useLayoutEffect(() => {
    if (ref.current !== null) ref.current.scrollTop = 0
    setScrollTopPx(0)
  }, [props.resetKey])
  // The browser clamps the scroll position of a list that shrank without always saying so.
  useLayoutEffect(() => {
    if (ref.current !== null && ref.current.scrollTop !== scrollTopPx) setScrollTopPx(ref.current.scrollTop)
  })
  const { start, end } = visibleRange(scrollTopPx, heightPx, rowPx, items.length)
  const rows = []
  for (let i = start; i < end; i++) {
    const item = items[i]!
    rows.push(
      <div key={rowKey(item, i)} class="vrow" style={{ top: `${i * rowPx}px`, height: `${rowPx}px` }}>
        {renderRow(item, i)}
      </div>,
    )
  }
  return (
    <div
      ref={ref}
      class={`vlist ${props.className ?? ''}`}
      style={{ height: `${heightPx}px` }}
      data-testid={props.testId}
      data-count={items.length}
      onScroll={(e) => setScrollTopPx((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div class="vspacer" style={{ height: `${items.length * rowPx}px` }}>{rows}</div>
    </div>
  )
}

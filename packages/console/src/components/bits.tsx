// Small pieces the views share: the readable error box, the confirmation dialog, a stat tile, the
// rate chart of a series with its y-axis, a sortable column header, and the page header.
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { axisTicks, describeError } from '../format.js'
import type { SortState } from '../sort.js'

export function ErrorBox({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (error === undefined || error === null) return null
  const { code, message } = describeError(error)
  return (
    <div class="error" role="alert" data-testid="error">
      {code !== undefined && <span class="error-code">{code}</span>}
      <span class="error-message">{message}</span>
      {onClose !== undefined && <button class="link" onClick={onClose} aria-label="dismiss">✕</button>}
    </div>
  )
}

export function PageHeader({ title, sub, children }: { title: ComponentChildren; sub?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {sub !== undefined && <div class="sub">{sub}</div>}
      </div>
      <div class="actions">{children}</div>
    </header>
  )
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint !== undefined && <div class="stat-hint">{hint}</div>}
    </div>
  )
}

/**
 * Asks before a destructive action; with `confirmText`, the user types it (a topic's name) first.
 */
export function ConfirmDialog(props: {
  title: string
  body: ComponentChildren
  confirmLabel: string
  confirmText?: string
  busy?: boolean
  onConfirm(): void
  onCancel(): void
}) {
  const [typed, setTyped] = useState('')
  const ready = props.confirmText === undefined || typed === props.confirmText
  return (
    <div class="modal-backdrop" onClick={props.onCancel}>
      <div class="modal" role="dialog" aria-label={props.title} onClick={(e) => e.stopPropagation()}>
        <h2>{props.title}</h2>
        <div class="modal-body">{props.body}</div>
        {props.confirmText !== undefined && (
          <label class="field">
            Type <code>{props.confirmText}</code> to confirm
            <input value={typed} onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)} data-testid="confirm-input" autoFocus />
          </label>
        )}
        <div class="modal-actions">
          <button onClick={props.onCancel}>Cancel</button>
          <button class="danger" disabled={!ready || props.busy === true} onClick={props.onConfirm} data-testid="confirm-button">{props.confirmLabel}</button>
        </div>
      </div>
    </div>
  )
}

/**
 * A line chart of one or two series, as inline SVG (no chart library): `slots` points span the
 * width, the series right-aligned (the newest point at the right edge), so a short series starts
 * part-way along the time axis instead of stretching. The y-axis runs from 0 to a round number
 * at or above the largest value, its ticks labelled by `formatTick` (with their unit) beside the
 * chart, where the SVG's stretching cannot distort them.
 */
export function Sparkline({ series, labels, slots, formatTick, widthPx = 360, heightPx = 80 }: {
  series: number[][]; labels: string[]; slots: number; formatTick(value: number): string; widthPx?: number; heightPx?: number
}) {
  const ticks = axisTicks(Math.max(0, ...series.flat()))
  const max = ticks[ticks.length - 1]!
  const n = Math.max(2, slots, ...series.map((s) => s.length))
  const x = (i: number, length: number): number => ((n - length + i) / (n - 1)) * (widthPx - 2) + 1
  const y = (v: number): number => heightPx - 2 - (v / max) * (heightPx - 8)
  return (
    <div class="chart">
      <div class="y-axis" style={{ height: `${heightPx}px` }} data-testid="y-axis">
        {ticks.map((t) => <span key={t} style={{ top: `${y(t)}px` }}>{formatTick(t)}</span>)}
      </div>
      <svg class="spark" viewBox={`0 0 ${widthPx} ${heightPx}`} width="100%" height={heightPx} preserveAspectRatio="none" role="img" aria-label={labels.join(', ')}>
        <line x1="0" y1={heightPx - 1} x2={widthPx} y2={heightPx - 1} class="spark-axis" />
        {ticks.slice(1).map((t) => <line key={t} x1="0" y1={y(t)} x2={widthPx} y2={y(t)} class="spark-grid" />)}
        {series.map((s, k) => {
          if (s.length === 0) return null
          // One point: a short flat stroke at its value, so it shows.
          const values = s.length === 1 ? [s[0]!, s[0]!] : s
          const points = values.map((v, i) => `${x(i, values.length).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
          const first = x(0, values.length).toFixed(1)
          return (
            <g key={k} class={`spark-s${k}`}>
              <polygon points={`${first},${heightPx - 1} ${points} ${x(values.length - 1, values.length).toFixed(1)},${heightPx - 1}`} class="spark-fill" />
              <polyline points={points} class="spark-line" />
            </g>
          )
        })}
      </svg>
    </div>
  )
}

/** A column header that sorts its table by that column: ▲ ascending, ▼ descending, ↕ not sorted by it. */
export function SortHeader<K extends string>({ label, column, sort, onSort, numeric = false }: {
  label: string; column: K; sort: SortState<K>; onSort(column: K): void; numeric?: boolean
}) {
  const active = sort.key === column
  return (
    <button type="button" class={`sort ${active ? 'active' : ''} ${numeric ? 'num' : ''}`} onClick={() => onSort(column)}
      aria-label={`sort by ${label}`} data-testid={`sort-${column}`} data-sort={active ? sort.direction : undefined}>
      {label}<span class="arrow">{active ? (sort.direction === 'asc' ? '▲' : '▼') : '↕'}</span>
    </button>
  )
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>
}

// The figures of several runs of one measurement, summed up as the median with the min and max, and
// the number formats the report uses (thousands separators, a few significant digits).

export interface Summary {
  median: number
  min: number
  max: number
  runs: number
}

/** Median, min and max of a list of figures (the median of an even count is the mean of the middle two). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summarize needs at least one value')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length }
}

/** An integer with thousands separators: 1234567 -> `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** A figure with about three significant digits: 0.01234 -> `0.0123`, 12.34 -> `12.3`, 1234 -> `1,234`. */
export function formatFigure(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  if (abs >= 100) return formatCount(n)
  if (abs === 0) return '0'
  const digits = Math.max(0, 2 - Math.floor(Math.log10(abs)))
  return n.toFixed(Math.min(digits, 4)).replace(/\.?0+$/, '')
}

/** `median (min-max)`; a single run shows only its figure. */
export function formatSummary(s: Summary, format: (n: number) => string = formatFigure): string {
  if (s.runs <= 1 || s.min === s.max) return format(s.median)
  return `${format(s.median)} (${format(s.min)}-${format(s.max)})`
}

/** A ratio a / b as `1.23x`, or `-` when b is not positive. */
export function formatRatio(a: number, b: number): string {
  if (!(b > 0) || !Number.isFinite(a)) return '-'
  const r = a / b
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`
}

// A tiny SVG chart writer for the bench report: grouped bar charts (one group per category, one bar
// per series) and line charts (x positions by index, for partition counts that grow 1, 2, ... 1000).
// Plain SVG 1.1 text, no dependency; every label is escaped. Each bar carries its value as text.

export interface BarChart {
  title: string
  /** A log10 y axis, for figures that span orders of magnitude (latencies). */
  log?: boolean
  /** What the values are, e.g. `records/s`. */
  unit: string
  categories: string[]
  series: Array<{ name: string; values: Array<number | undefined> }>
}

export interface LineChart {
  title: string
  unit: string
  /** The x labels, in order (equally spaced). */
  xLabels: string[]
  xTitle: string
  series: Array<{ name: string; values: Array<number | undefined> }>
}

const WIDTH = 760
const MARGIN = { top: 40, right: 20, bottom: 70, left: 90 }
const PLOT_HEIGHT = 260
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A short label for an axis or a bar: 1234567 -> `1.23M`. */
export function shortNumber(n: number): string {
  const abs = Math.abs(n)
  const trim = (x: number): string => String(Number(x.toPrecision(3)))
  if (abs >= 1e9) return `${trim(n / 1e9)}G`
  if (abs >= 1e6) return `${trim(n / 1e6)}M`
  if (abs >= 1e3) return `${trim(n / 1e3)}k`
  if (abs === 0) return '0'
  return trim(n)
}

/** A round top for the y axis at or above `max` (1, 2 or 5 times a power of ten). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power
  return 10 * power
}

/** Where a value sits on the y axis (0 at the bottom, 1 at the top) and the values to mark. */
export interface Scale {
  at(value: number): number
  ticks: number[]
}

export function linearScale(values: readonly number[]): Scale {
  const yMax = niceMax(Math.max(0, ...values))
  return { at: (v) => Math.max(0, v) / yMax, ticks: [0, 1, 2, 3, 4].map((i) => (yMax * i) / 4) }
}

/** Powers of ten from below the smallest positive value to above the largest. */
export function logScale(values: readonly number[]): Scale {
  const positive = values.filter((v) => v > 0)
  const low = Math.floor(Math.log10(Math.min(1, ...positive)))
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(1, ...positive))))
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i))
  return { at: (v) => (v <= 0 ? 0 : Math.max(0, (Math.log10(v) - low) / (high - low))), ticks }
}

function frame(title: string, unit: string, scale: Scale, height: number, body: string[], legend: string[]): string {
  const top = MARGIN.top
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="14" y="${top + PLOT_HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + PLOT_HEIGHT / 2})">${escapeXml(unit)}</text>`,
  ]
  for (const value of scale.ticks) {
    const y = top + PLOT_HEIGHT - PLOT_HEIGHT * scale.at(value)
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`)
    out.push(`<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${shortNumber(value)}</text>`)
  }
  out.push(...body)
  const columns = legendColumns(legend)
  const columnWidth = (WIDTH - MARGIN.left) / columns
  legend.forEach((name, i) => {
    const x = MARGIN.left + (i % columns) * columnWidth
    const y = top + PLOT_HEIGHT + 50 + Math.floor(i / columns) * 16
    out.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`)
    out.push(`<text x="${x + 14}" y="${y}">${escapeXml(name)}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/** Legend columns that fit the longest name (about 6.5 px a character at 11 px). */
function legendColumns(names: readonly string[]): number {
  const longest = Math.max(1, ...names.map((n) => n.length))
  return Math.max(1, Math.min(4, Math.floor((WIDTH - MARGIN.left) / (longest * 6.5 + 24))))
}

function heightFor(names: readonly string[]): number {
  return MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + 10 + Math.max(0, Math.ceil(names.length / legendColumns(names)) - 1) * 16
}

export function barChartSvg(chart: BarChart): string {
  const values = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)))
  const scale = chart.log === true ? logScale(values) : linearScale(values)
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const groupWidth = plotWidth / Math.max(1, chart.categories.length)
  const barWidth = (groupWidth * 0.8) / Math.max(1, chart.series.length)
  const body: string[] = []
  chart.categories.forEach((category, c) => {
    const groupX = MARGIN.left + c * groupWidth
    body.push(`<text x="${groupX + groupWidth / 2}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle">${escapeXml(category)}</text>`)
    chart.series.forEach((series, s) => {
      const value = series.values[c]
      if (value === undefined || !Number.isFinite(value)) return
      const h = PLOT_HEIGHT * scale.at(value)
      const x = groupX + groupWidth * 0.1 + s * barWidth
      const y = MARGIN.top + PLOT_HEIGHT - h
      body.push(`<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[s % COLORS.length]}"><title>${escapeXml(`${series.name}: ${value}`)}</title></rect>`)
      body.push(`<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9">${shortNumber(value)}</text>`)
    })
  })
  return frame(chart.title, chart.unit, scale, heightFor(chart.series.map((s) => s.name)), body, chart.series.map((s) => s.name))
}

export function lineChartSvg(chart: LineChart): string {
  const values = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)))
  const scale = linearScale(values)
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const step = plotWidth / Math.max(1, chart.xLabels.length)
  const xAt = (i: number): number => MARGIN.left + step * (i + 0.5)
  const yAt = (v: number): number => MARGIN.top + PLOT_HEIGHT - PLOT_HEIGHT * scale.at(v)
  const body: string[] = []
  chart.xLabels.forEach((label, i) => {
    body.push(`<text x="${xAt(i).toFixed(1)}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle">${escapeXml(label)}</text>`)
  })
  body.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + PLOT_HEIGHT + 30}" text-anchor="middle">${escapeXml(chart.xTitle)}</text>`)
  chart.series.forEach((series, s) => {
    const color = COLORS[s % COLORS.length]
    const points = series.values
      .map((v, i) => (v === undefined || !Number.isFinite(v) ? undefined : `${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`))
      .filter((p): p is string => p !== undefined)
    if (points.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`)
    series.values.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) return
      body.push(`<circle cx="${xAt(i).toFixed(1)}" cy="${yAt(v).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${series.name} @ ${chart.xLabels[i] ?? i}: ${v}`)}</title></circle>`)
    })
  })
  return frame(chart.title, chart.unit, scale, heightFor(chart.series.map((s) => s.name)), body, chart.series.map((s) => s.name))
}

// The `browser` workload's part of BENCHMARKS.md (issue 18) and its rows of the targets table: the
// client in headless Chromium beside the same workloads from Node in the same run (peers/browser.ts),
// and how far the browser lags: Node's rate / the browser's for produce and consume, the browser's
// latency / Node's for p50 and p99 (above 1: the browser is slower). Target: no lag above 2x. Beside
// them, each runtime's own ceiling against a server that only acks (pre-encoded frames, and the
// client's producer), and the client's produce as a share of its runtime's pre-encoded frames.
import { markdownTable } from './benchmarks-md.js'
import type { Profile } from './profile.js'
import { medianOf } from './report.js'
import type { Figures, Measurement, Results } from './results.js'
import { formatCount, formatFigure, formatSummary, summarize } from './stats.js'
import type { TargetRow } from './targets.js'

const WORKLOAD = 'browser'
const BROWSER = 'faecie (browser)'
const NODE = 'faecie (node)'
/** As peers/browser.ts names them (this module does not import the peers). */
const PRE_ENCODED = 'pre-encoded frames, server that only acks'
const ACKER_PRODUCE = 'produce, server that only acks'
/** The browser may lag Node's client by at most this factor. */
export const BROWSER_LAG_MAX = 2

const yes = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'yes' : '**no**')

interface Comparison {
  what: string
  /** The browser's variant; Node's is `nodeVariant` when set, else the same. */
  variant: string
  nodeVariant?: string
  metric: keyof Figures
  unit: string
  /** Higher is better (a rate): the lag is Node's / the browser's; else the browser's / Node's. */
  higherIsBetter: boolean
  /** A row of the targets table (else only of the section's table). */
  target: boolean
}

/** The comparisons, the latency ones named by the variant measured (`latency at 50,000/s`). */
function comparisons(results: Results): Comparison[] {
  const latency = results.of(WORKLOAD).find((m) => /^latency at [\d,]+\/s$/.test(m.variant))?.variant ?? 'latency'
  const clamped = `${latency}, browser timers`
  const rate = { metric: 'recordsPerSec', unit: 'records/s', higherIsBetter: true } as const
  const ms = { unit: 'ms', higherIsBetter: false } as const
  return [
    { what: 'produce', variant: 'produce', ...rate, target: true },
    { what: 'consume', variant: 'consume', ...rate, target: true },
    { what: `${latency}, p50`, variant: latency, metric: 'p50Ms', ...ms, target: true },
    { what: `${latency}, p99`, variant: latency, metric: 'p99Ms', ...ms, target: true },
    { what: `${clamped}, p50`, variant: clamped, nodeVariant: latency, metric: 'p50Ms', ...ms, target: false },
    { what: `${clamped}, p99`, variant: clamped, nodeVariant: latency, metric: 'p99Ms', ...ms, target: false },
    { what: PRE_ENCODED, variant: PRE_ENCODED, ...rate, target: false },
    { what: ACKER_PRODUCE, variant: ACKER_PRODUCE, ...rate, target: false },
  ]
}

/** The browser's lag behind Node on one comparison (1.5: 1.5x slower), or undefined when a side is missing. */
function lagOf(results: Results, c: Comparison): { browser: number; node: number; lag: number } | undefined {
  const browser = medianOf(results.get(WORKLOAD, BROWSER, c.variant), c.metric)
  const node = medianOf(results.get(WORKLOAD, NODE, c.nodeVariant ?? c.variant), c.metric)
  if (browser === undefined || node === undefined || !(browser > 0) || !(node > 0)) return undefined
  return { browser, node, lag: c.higherIsBetter ? node / browser : browser / node }
}

const format = (c: Comparison) => (n: number): string => (c.metric === 'recordsPerSec' ? formatCount(n) : formatFigure(n))

function cell(m: Measurement | undefined, c: Comparison): string {
  if (m === undefined) return '-'
  const values = m.runs.map((r) => r[c.metric]).filter((v): v is number => v !== undefined && Number.isFinite(v))
  if (values.length === 0) return m.notMeasured === undefined ? '-' : `not measured: ${m.notMeasured.slice(0, 120)}`
  return `${formatSummary(summarize(values), format(c))} ${c.unit}`
}

export function browserIntro(profile: Profile): string {
  return `@faecie/client in headless Chromium (Debian's \`chromium\`, driven by playwright-core; its browser entry over the page's own WebSocket, bundled with esbuild) and in Node (over \`ws\`), against one faecie broker started for this workload (\`--allowed-origins\` for the page), runs interleaved. Both run the same code, \`packages/bench/src/produce.ts\`, \`consume.ts\` and \`latency.ts\` (the page bundles them): ${formatCount(profile.browserRecords)} records of 100 random bytes to a topic of 1 partition, one producer, acks 1, flush \`never\`, as fast as it goes; the same records read back from the start by one consumer; then ${formatCount(profile.browserLatencyRecords)} records at ${formatCount(profile.latencyRate)} records/s, producer (\`lingerMs\` 0) and push consumer in the same page (process), each record's latency from its intended send time to its delivery. The pacing loop of \`latency.ts\` waits 1 ms between sends, and Chromium clamps such nested timers to 4 ms or more (a tick every ~4.7 ms here, Node's ~1.5 ms): so the page runs that workload with timers of Node's resolution (under 4 ms through \`scheduler.postTask({ delay })\`, not clamped; the client's own hot path uses no timers), and once more with the browser's own timers (the rows *browser timers*, beside Node's figure, not a target). Lag: Node's rate / the browser's, or the browser's latency / Node's (above 1x: the browser is slower). Each runtime's own ceiling runs beside it, against a server that only acks (\`raw-server.ts\`): ${formatCount(profile.browserRecords)} records in ready-made produce frames of 1,000 records over that runtime's WebSocket with 16 in flight and no client library in the loop (\`pre-encoded.ts\`: the page's native WebSocket, or \`ws\` in Node), and the client's producer against the same server.`
}

export function browserBody(results: Results, _profile: Profile): string {
  const measured = results.of(WORKLOAD)
  if (measured.length === 0) return 'Not measured in this run.'
  const chromium = measured.find((m) => m.system === BROWSER && m.note !== undefined)?.note
  const rows = comparisons(results).map((c) => {
    const lag = lagOf(results, c)
    return [c.what, cell(results.get(WORKLOAD, BROWSER, c.variant), c), cell(results.get(WORKLOAD, NODE, c.nodeVariant ?? c.variant), c), lag === undefined ? '-' : `${formatFigure(lag.lag)}x`]
  })
  // Failures the table does not show (the whole workload's, under variant `all`).
  const shown = (m: Measurement): boolean => (m.system === BROWSER || m.system === NODE) && comparisons(results).some((c) => c.variant === m.variant)
  const failed = measured.filter((m) => m.notMeasured !== undefined && m.runs.length === 0 && !shown(m))
  const notes = failed.map((m) => `- ${m.system} / ${m.variant}: not measured: ${m.notMeasured}`)
  return [
    chromium === undefined ? '' : `Browser: ${chromium}.\n\n`,
    markdownTable(['case', 'browser', 'node', 'browser lags by'], rows),
    ceilingShares(results),
    notes.length === 0 ? '' : `\n\n${notes.join('\n')}`,
  ].join('')
}

/** The client's produce (to the broker) as a share of its runtime's pre-encoded frames, per runtime. */
function ceilingShares(results: Results): string {
  const share = (system: string): string | undefined => {
    const client = medianOf(results.get(WORKLOAD, system, 'produce'), 'recordsPerSec')
    const ceiling = medianOf(results.get(WORKLOAD, system, PRE_ENCODED), 'recordsPerSec')
    if (client === undefined || ceiling === undefined || !(ceiling > 0)) return undefined
    return `${Math.round((client / ceiling) * 100)}% of ${formatCount(ceiling)} records/s`
  }
  const browser = share(BROWSER)
  const node = share(NODE)
  if (browser === undefined && node === undefined) return ''
  return `\n\nThe client's produce to the broker as a share of its runtime's pre-encoded frames (the most that runtime's WebSocket carried here, no client in the loop): browser ${browser ?? '-'}, node ${node ?? '-'}.`
}

export function browserTargetRows(results: Results): TargetRow[] {
  return comparisons(results).filter((c) => c.target).map((c, i) => {
    const lag = lagOf(results, c)
    const fmt = format(c)
    return {
      target: i === 0 ? `the client in a browser lags Node's by <= ${BROWSER_LAG_MAX}x: ${c.what}` : `... ${c.what}`,
      measured: lag === undefined ? '-' : `${formatFigure(lag.lag)}x (browser ${fmt(lag.browser)} ${c.unit}, node ${fmt(lag.node)} ${c.unit})`,
      met: yes(lag === undefined ? undefined : lag.lag <= BROWSER_LAG_MAX),
    }
  })
}

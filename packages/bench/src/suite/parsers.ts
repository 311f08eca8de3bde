// Parsers for what the peers' own tools print, so their figures land in the same tables as faecie's:
// Kafka's ProducerPerformance, ConsumerPerformance and EndToEndLatency, redis-benchmark --csv, and
// `nats bench`. Each returns undefined when the output does not hold the line it looks for (the
// caller reports the peer as not measured, with the tail of the output). And lastJsonLine: the JSON
// line the bench's own peer scripts end with.

/** What a throughput tool reports; latencies in ms where the tool gives them. */
export interface ToolFigures {
  recordsPerSec: number
  mbPerSec?: number
  avgMs?: number
  p50Ms?: number
  p95Ms?: number
  p99Ms?: number
  p999Ms?: number
  maxMs?: number
}

const NUMBER = '([0-9][0-9,]*(?:\\.[0-9]+)?)'
const num = (text: string): number => Number(text.replace(/,/g, ''))

/**
 * ProducerPerformance's closing line:
 * `300000 records sent, 20748.3 records/sec (1.98 MB/sec), 4802.91 ms avg latency, 6472.00 ms max
 * latency, 5416 ms 50th, 6445 ms 95th, 6460 ms 99th, 6467 ms 99.9th.`
 */
export function parseProducerPerformance(output: string): ToolFigures | undefined {
  const re = new RegExp(`${NUMBER} records sent, ${NUMBER} records/sec \\(${NUMBER} MB/sec\\), ${NUMBER} ms avg latency, ${NUMBER} ms max latency, ${NUMBER} ms 50th, ${NUMBER} ms 95th, ${NUMBER} ms 99th, ${NUMBER} ms 99\\.9th`)
  const m = re.exec(output)
  if (m === null) return undefined
  return { recordsPerSec: num(m[2]!), mbPerSec: num(m[3]!), avgMs: num(m[4]!), maxMs: num(m[5]!), p50Ms: num(m[6]!), p95Ms: num(m[7]!), p99Ms: num(m[8]!), p999Ms: num(m[9]!) }
}

/**
 * ConsumerPerformance's CSV-like pair of lines: a header naming the columns and one line of values.
 * The rate is `fetch.nMsg.sec` (without the group's join, as Kafka reports it) when present.
 */
export function parseConsumerPerformance(output: string): ToolFigures | undefined {
  const lines = output.split('\n').map((l) => l.trim())
  const headerAt = lines.findIndex((l) => l.startsWith('start.time'))
  if (headerAt < 0 || headerAt + 1 >= lines.length) return undefined
  const names = lines[headerAt]!.split(',').map((s) => s.trim())
  const values = lines[headerAt + 1]!.split(',').map((s) => s.trim())
  if (values.length !== names.length) return undefined
  const get = (name: string): number | undefined => {
    const i = names.indexOf(name)
    const v = i < 0 ? NaN : Number(values[i])
    return Number.isFinite(v) ? v : undefined
  }
  const rate = get('fetch.nMsg.sec') ?? get('nMsg.sec')
  if (rate === undefined) return undefined
  const mb = get('fetch.MB.sec') ?? get('MB.sec')
  return { recordsPerSec: rate, ...(mb === undefined ? {} : { mbPerSec: mb }) }
}

/**
 * EndToEndLatency (one record at a time: send, wait for it to come back, next):
 * `Avg latency: 0.9111 ms` and `Percentiles: 50th = 1, 99th = 2, 99.9th = 5` (whole ms).
 */
export function parseEndToEndLatency(output: string): { avgMs: number; p50Ms: number; p99Ms: number; p999Ms: number } | undefined {
  const avg = new RegExp(`Avg latency: ${NUMBER} ms`).exec(output)
  const pct = new RegExp(`Percentiles: 50th = ${NUMBER}, 99th = ${NUMBER}, 99\\.9th = ${NUMBER}`).exec(output)
  if (avg === null || pct === null) return undefined
  return { avgMs: num(avg[1]!), p50Ms: num(pct[1]!), p99Ms: num(pct[2]!), p999Ms: num(pct[3]!) }
}

/** redis-benchmark --csv: a header line and one quoted line per test; the first test's figures. */
export function parseRedisBenchmarkCsv(output: string): ToolFigures | undefined {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('"'))
  const headerAt = lines.findIndex((l) => l.startsWith('"test"'))
  if (headerAt < 0 || headerAt + 1 >= lines.length) return undefined
  const cells = (line: string): string[] => [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
  const names = cells(lines[headerAt]!)
  const values = cells(lines[headerAt + 1]!)
  const get = (name: string): number | undefined => {
    const i = names.indexOf(name)
    const v = i < 0 ? NaN : Number(values[i])
    return Number.isFinite(v) ? v : undefined
  }
  const rps = get('rps')
  if (rps === undefined) return undefined
  const figures: ToolFigures = { recordsPerSec: rps }
  const p50 = get('p50_latency_ms')
  const p99 = get('p99_latency_ms')
  const max = get('max_latency_ms')
  if (p50 !== undefined) figures.p50Ms = p50
  if (p99 !== undefined) figures.p99Ms = p99
  if (max !== undefined) figures.maxMs = max
  return figures
}

/**
 * `nats bench`: lines like `Pub stats: 1,234,567 msgs/sec ~ 117.74 MB/sec` (natscli names the
 * line after the kind of client, e.g. `NATS JetStream asynchronous publisher stats:`). The figure
 * kept is the aggregate: the last `stats:` line (the per-client lines and min/avg/max come before).
 */
export function parseNatsBench(output: string): ToolFigures | undefined {
  const re = new RegExp(`stats: ${NUMBER} msgs/sec ~ ${NUMBER} (B|KB|KiB|MB|MiB|GB|GiB)/sec`, 'g')
  let last: RegExpExecArray | undefined
  for (const m of output.matchAll(re)) last = m as RegExpExecArray
  if (last === undefined) return undefined
  const scale: Record<string, number> = { B: 1 / (1024 * 1024), KB: 1 / 1024, KiB: 1 / 1024, MB: 1, MiB: 1, GB: 1024, GiB: 1024 }
  const figures: ToolFigures = { recordsPerSec: num(last[1]!), mbPerSec: num(last[2]!) * (scale[last[3]!] ?? 1) }
  // natscli 0.2+ adds latencies to the line: `~ max: 53,196.60us ~ P50: 10,207.99us ~ P99: ... ~ P99.9: ...`.
  const line = output.slice(last.index).split('\n')[0]!
  const us = (label: string): number | undefined => {
    const m = new RegExp(`${label.replace(/\./g, '\\.')}: ${NUMBER}us`).exec(line)
    return m === null ? undefined : Math.round(num(m[1]!)) / 1000
  }
  const [p50, p99, p999, max] = [us('P50'), us('P99'), us('P99.9'), us('max')]
  if (p50 !== undefined) figures.p50Ms = p50
  if (p99 !== undefined) figures.p99Ms = p99
  if (p999 !== undefined) figures.p999Ms = p999
  if (max !== undefined) figures.maxMs = max
  return figures
}

/**
 * The last line of `output` starting with `prefix` (the JSON result line a bench peer script prints
 * last), parsed; throws naming `tool`, with the output's tail, when there is none.
 */
export function lastJsonLine<T>(output: string, prefix: string, tool: string): T {
  const line = output.split('\n').filter((l) => l.startsWith(prefix)).pop()
  if (line === undefined) throw new Error(`${tool} printed no result: ${output.slice(-300)}`)
  return JSON.parse(line) as T
}

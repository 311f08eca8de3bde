// What every perf workload reports: the numbers of one run, and the one JSON line that ends a
// `faecie perf` command on stdout (the same keys whatever the workload, so scripts can compare runs).
// Latencies are recorded in microseconds in an HdrHistogram (3 significant digits) and reported in
// milliseconds.
import hdr from 'hdr-histogram-js'

export interface PerfResult {
  records: number
  recordsPerSec: number
  mbPerSec: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

/** The largest latency a histogram tracks: an hour, in microseconds (larger values are clamped). */
const LATENCY_MAX_US = 3_600_000_000

export type Histogram = hdr.Histogram

/** A latency histogram in microseconds, pure JS (no WebAssembly to load). */
export function latencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: LATENCY_MAX_US, numberOfSignificantValueDigits: 3, useWebAssembly: false })
}

/** Microseconds from two `performance.now()` readings, at least 1 and at most the histogram's top. */
export function elapsedUs(fromMs: number, toMs: number): number {
  return Math.min(LATENCY_MAX_US, Math.max(1, Math.round((toMs - fromMs) * 1000)))
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000

/** The result of a run of `records` records of `bytes` bytes in all over `elapsedMs`. */
export function perfResult(records: number, bytes: number, elapsedMs: number, latencies: Histogram): PerfResult {
  const seconds = Math.max(elapsedMs, 0.001) / 1000
  const ms = (us: number): number => round3(us / 1000)
  // A percentile is the top of its bucket, which may lie above the largest value recorded.
  const maxUs = latencies.maxValue
  const at = (percentile: number): number => ms(Math.min(latencies.getValueAtPercentile(percentile), maxUs))
  return {
    records,
    recordsPerSec: Math.round(records / seconds),
    mbPerSec: round3(bytes / (1024 * 1024) / seconds),
    p50Ms: at(50),
    p99Ms: at(99),
    p999Ms: at(99.9),
    maxMs: ms(maxUs),
  }
}

/** The one JSON line, keys in the documented order. */
export function resultLine(result: PerfResult): string {
  const { records, recordsPerSec, mbPerSec, p50Ms, p99Ms, p999Ms, maxMs } = result
  return JSON.stringify({ records, recordsPerSec, mbPerSec, p50Ms, p99Ms, p999Ms, maxMs })
}

/** The human summary, for stderr. */
export function summaryText(what: string, result: PerfResult): string {
  return `${what}: ${result.records} records in all, ${result.recordsPerSec} records/s (${result.mbPerSec} MB/s); ` +
    `latency p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, p99.9 ${result.p999Ms} ms, max ${result.maxMs} ms`
}

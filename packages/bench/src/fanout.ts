// `faecie perf fanout`: live fan-out. One producer sends `records` records at `rate` records/s to one
// topic (or, in the bench, to a peer's channel) and `subscribers` subscribers, each its own
// connection (a WebSocket session for faecie), receive every one of them. The subscribers live in
// `processes` load-generator processes (fanout-subscribers.ts, each started through `sh -c "ulimit
// -n 65536; exec node ..."`: thousands of sockets); all are subscribed before the first record is
// sent. Each record carries its intended send time on the wall clock both sides share
// (fanout-wire.ts), so its latency at each subscriber counts from when it was due (corrected for
// coordinated omission, as `perf latency`). Every child's HdrHistogram is merged here. Every child
// is killed when the run ends, however it ends.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { Payloads } from './payload.js'
import { perfResult } from './result.js'
import type { Progress } from './progress.js'
import { type ChildConfig, type ChildLine, type ChildReport, FANOUT_STAMP_BYTES, type FanoutTarget, WARMUP_INDEX, mergeHistograms, stampFanout, wallNowMs } from './fanout-wire.js'

export { FANOUT_STAMP_BYTES } from './fanout-wire.js'

export interface FanoutOptions {
  subscribers: number
  /** Records per second. */
  rate: number
  records: number
  /** At least FANOUT_STAMP_BYTES. */
  recordBytes: number
  /** Load-generator processes the subscribers are spread over. */
  processes: number
  /** Bound on connecting the subscribers, and on the wait for every record after the last send. */
  timeoutMs: number
  progress?: Progress
  /** Called just before the first measured record is sent (the bench reads the broker's CPU time there). */
  onStart?: () => void
}

/** The one JSON line of `faecie perf fanout`. */
export interface FanoutResult {
  records: number
  /** Record copies delivered, all subscribers together (records x subscribers when none was missed). */
  delivered: number
  /** Delivered record copies per second, from the producer's start to the last delivery. */
  recordsPerSec: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
  /** The most records any one subscriber was behind, during the run or at its end. */
  slowestLagRecords: number
  subscribers: number
}

export interface FanoutRun extends FanoutResult {
  /** The most records any one subscriber still missed at the end (0: all delivered). */
  lagAtEndRecords: number
  /** Wall-clock ms of the producer's start and of the run's end (for CPU figures over the run). */
  startMs: number
  endMs: number
}

/** Sends values (each stamped); resolves once the system took them (acks, a flush). */
export type FanoutSend = (values: Uint8Array[]) => Promise<unknown>

/** Default processes: one per 2,500 subscribers, at most 4. */
export function defaultFanoutProcesses(subscribers: number): number {
  return Math.min(4, Math.ceil(subscribers / 2500))
}

/** How many of `total` subscribers each of `processes` processes opens (the first ones take the remainder). */
export function splitSubscribers(total: number, processes: number): number[] {
  const n = Math.max(1, Math.min(processes, total))
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0))
}

/** The records' latency at every subscriber, merged, and the lag: the figures of one run. */
export function fanoutResult(options: Pick<FanoutOptions, 'records' | 'subscribers' | 'recordBytes'>, reports: readonly ChildReport[], startMs: number, endMs: number): FanoutRun {
  const delivered = reports.reduce((sum, r) => sum + r.delivered, 0)
  const lastMs = Math.max(startMs, ...reports.map((r) => r.lastDeliveryMs))
  const figures = perfResult(delivered, delivered * options.recordBytes, lastMs - startMs, mergeHistograms(reports.map((r) => r.histogram)))
  return {
    records: options.records,
    delivered,
    recordsPerSec: figures.recordsPerSec,
    p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, p999Ms: figures.p999Ms, maxMs: figures.maxMs,
    slowestLagRecords: Math.max(0, ...reports.map((r) => r.lagMaxRecords)),
    subscribers: options.subscribers,
    lagAtEndRecords: Math.max(0, ...reports.map((r) => r.lagAtEndRecords)),
    startMs, endMs,
  }
}

/** The one JSON line, keys in the documented order. */
export function fanoutLine(r: FanoutResult): string {
  const { records, delivered, recordsPerSec, p50Ms, p99Ms, p999Ms, maxMs, slowestLagRecords, subscribers } = r
  return JSON.stringify({ records, delivered, recordsPerSec, p50Ms, p99Ms, p999Ms, maxMs, slowestLagRecords, subscribers })
}

export function fanoutSummary(r: FanoutRun): string {
  return `perf fanout: ${r.delivered} of ${r.records * r.subscribers} record copies to ${r.subscribers} subscribers, ${r.recordsPerSec} delivered/s; ` +
    `latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, p99.9 ${r.p999Ms} ms, max ${r.maxMs} ms; slowest lag ${r.slowestLagRecords} records (${r.lagAtEndRecords} at the end)`
}

/**
 * `sh -c` script that raises the open files limit (65,536, else as far as the hard limit goes: a
 * container may cap it, e.g. at 20,000) and execs its arguments: `sh -c RAISED_FDS_EXEC cmd args...`.
 */
export const RAISED_FDS_EXEC = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"'

interface Child {
  process: ChildProcess
  ready: Promise<void>
  warm: Promise<void>
  report: Promise<ChildReport>
  tell(message: object): void
}

function startChild(config: ChildConfig, progress: Progress | undefined): Child {
  const script = fileURLToPath(new URL('./fanout-subscribers.js', import.meta.url))
  const child = spawn('sh', ['-c', RAISED_FDS_EXEC, process.execPath, script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-2000) })
  let onReady!: () => void
  let onWarm!: () => void
  let onReport!: (r: ChildReport) => void
  let onFail!: (err: Error) => void
  const ready = new Promise<void>((resolve) => { onReady = resolve })
  const warm = new Promise<void>((resolve) => { onWarm = resolve })
  const report = new Promise<ChildReport>((resolve, reject) => { onReport = resolve; onFail = reject })
  const failed = report.then(() => undefined)
  void failed.catch(() => undefined)
  const orFail = (step: Promise<void>): Promise<void> => Promise.race([step, failed.then(() => { throw new Error('a subscriber process reported before the run') })])
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: ChildLine
    try { line = JSON.parse(text) as ChildLine } catch { return }
    if ('ready' in line) onReady()
    else if ('warm' in line) onWarm()
    else if ('delivered' in line) progress?.add(line.delivered)
    else if ('report' in line) onReport(line.report)
    else if ('error' in line) onFail(new Error(`a subscriber process failed: ${line.error}`))
  })
  child.once('exit', (code, signal) => onFail(new Error(`a subscriber process exited (${signal ?? code}) without a report: ${stderr.trim().slice(-500)}`)))
  child.stdin!.on('error', () => undefined)
  return { process: child, ready: orFail(ready), warm: orFail(warm), report, tell: (message) => child.stdin!.write(`${JSON.stringify(message)}\n`) }
}

/** Rejects past `ms` with `what`. */
function bound<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms) })]).finally(() => clearTimeout(timer))
}

/**
 * Starts the subscriber processes, waits until all are subscribed, sends the records at the rate
 * with `send`, waits for every record at every subscriber (or the timeout after the last send) and
 * returns the merged figures. Kills every child it started before it returns or throws.
 */
export async function runFanout(options: FanoutOptions, target: FanoutTarget, send: FanoutSend): Promise<FanoutRun> {
  if (options.recordBytes < FANOUT_STAMP_BYTES) throw new RangeError(`records need at least ${FANOUT_STAMP_BYTES} bytes`)
  const children = splitSubscribers(options.subscribers, options.processes).map((subscribers) =>
    startChild({ target, subscribers, records: options.records, rate: options.rate, connectingMax: 64 }, options.progress))
  const reports = Promise.all(children.map((c) => c.report))
  reports.catch(() => undefined)
  try {
    await bound(options.timeoutMs, `the ${options.subscribers} subscribers were not all subscribed within ${options.timeoutMs} ms (--timeout-ms)`,
      Promise.all(children.map((c) => c.ready)))
    // One unmeasured record first: once every subscriber has it, the live path to each is up.
    const warmUp = new Uint8Array(options.recordBytes)
    stampFanout(warmUp, wallNowMs(), WARMUP_INDEX)
    await bound(options.timeoutMs, `the warm-up record did not reach all ${options.subscribers} subscribers within ${options.timeoutMs} ms (--timeout-ms)`,
      Promise.all([send([warmUp]), ...children.map((c) => c.warm)]))
    options.onStart?.()
    const startMs = wallNowMs()
    for (const c of children) c.tell({ startMs })
    await Promise.race([sendAtRate(options, startMs, send), reports])
    // Every record was taken by the system: now every subscriber has it, or the timeout passes.
    const all = await bound(options.timeoutMs, 'timeout', reports).catch(async (err: unknown) => {
      if ((err as Error).message !== 'timeout') throw err
      for (const c of children) c.tell({ end: true })
      return bound(10_000, 'the subscriber processes did not report', reports)
    })
    return fanoutResult(options, all, startMs, wallNowMs())
  } finally {
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL')
  }
}

/** What is due goes out at least this often. */
const TICK_MS = 1

/** Sends record i at start + i / rate (or as soon after as it can), stamped; resolves when every send is taken. */
async function sendAtRate(options: FanoutOptions, startMs: number, send: FanoutSend): Promise<void> {
  const intervalMs = 1000 / options.rate
  const payloads = new Payloads(options.recordBytes)
  const sends: Promise<unknown>[] = []
  let failure: unknown
  let next = 0
  while (next < options.records && failure === undefined) {
    const due = Math.min(options.records, Math.floor((wallNowMs() - startMs) / intervalMs) + 1)
    if (due > next) {
      const values = new Array<Uint8Array>(due - next)
      for (let i = next; i < due; i++) {
        const value = payloads.take().slice()
        stampFanout(value, startMs + i * intervalMs, i)
        values[i - next] = value
      }
      sends.push(send(values).catch((err: unknown) => (failure ??= err)))
      next = due
    }
    const waitMs = startMs + next * intervalMs - wallNowMs()
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(TICK_MS, waitMs)))
  }
  await Promise.all(sends)
  if (failure !== undefined) throw failure
}

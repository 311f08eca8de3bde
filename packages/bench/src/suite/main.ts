// `pnpm bench`: faecie and its peers, the same workloads, one run, one machine. Starts what it needs
// (faecie broker, raw ws server, Kafka, Redis, NATS; installing the peers when missing), runs the
// chosen workloads against each system in turn, stops everything it started (by PID, also on a
// failure or Ctrl-C), then rewrites its sections of BENCHMARKS.md and the charts in bench-results/.
//   node packages/bench/dist/suite/main.js [--quick] [--only faecie,raw,kafka,redis,nats]
//     [--workloads throughput,kb16,partitions,latency,durable,decay,ceiling,replication,kafka-tools,fanout,browser,quota] [--runs N] [--scale F]
//     (all workloads but replication when --workloads is absent: it runs three-broker clusters, only when named;
//     kafka-tools runs Kafka's perf tools against faecie's Kafka listener and Kafka, when faecie or kafka is chosen)
//     [--decay-seconds S] [--from-results bench-results/results.json] [--output BENCHMARKS.md] [--charts-dir bench-results]
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchFaecie } from '../peers/faecie.js'
import { benchKafka } from '../peers/kafka.js'
import { benchKafkaTools } from '../peers/kafka-tools.js'
import { KAFKA_TOOLS_WORKLOAD } from './kafka-tools-report.js'
import { benchNats } from '../peers/nats.js'
import { benchRaw } from '../peers/raw.js'
import { benchRedis } from '../peers/redis.js'
import { benchFanout } from '../peers/fanout.js'
import { benchBrowser } from '../peers/browser.js'
import { benchBarePath } from '../peers/bare-path.js'
import { benchQuota } from '../peers/quota.js'
import type { SuiteContext } from './context.js'
import { describeMachine, machineLine } from './machine.js'
import { installSignalHandlers, killEverything } from './processes.js'
import { FULL, QUICK, SINGLE_BROKER_WORKLOADS, SYSTEMS, type SystemName, WORKLOADS, WORKLOADS_OF, type Workload, scaled } from './profile.js'
import { writeReport } from './report.js'
import { keepEarlier, loadSavedRun } from './saved.js'
import { Results } from './results.js'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))

/** The whole suite is stopped past this (each step has its own, smaller bound too). */
const SUITE_LIMIT_MS = { full: 60 * 60_000, quick: 15 * 60_000 }

const BENCHES: Record<SystemName, (context: SuiteContext) => Promise<void>> = {
  raw: benchRaw,
  faecie: benchFaecie,
  kafka: benchKafka,
  redis: benchRedis,
  nats: benchNats,
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A comma-separated list, every item one of `allowed`; `byDefault` (all of them unless given) when absent. */
export function parseList<T extends string>(text: string | undefined, allowed: readonly T[], flag: string, byDefault: readonly T[] = allowed): T[] {
  if (text === undefined || text === '') return [...byDefault]
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const item of items) if (!(allowed as readonly string[]).includes(item)) throw new UsageError(`${flag}: unknown "${item}" (expected some of ${allowed.join(', ')})`)
  return items as T[]
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      workloads: { type: 'string' },
      runs: { type: 'string' },
      scale: { type: 'string' },
      'decay-seconds': { type: 'string' },
      'from-results': { type: 'string' },
      output: { type: 'string' },
      'charts-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(`Usage: pnpm bench [--quick] [--only ${SYSTEMS.join(',')}] [--workloads ${WORKLOADS.join(',')}] [--runs N] [--scale F] [--decay-seconds S] [--from-results FILE] [--output FILE] [--charts-dir DIR]\n`)
    return 0
  }
  const cwd = process.env.INIT_CWD ?? process.cwd()
  const benchmarksFile = resolve(cwd, values.output ?? 'BENCHMARKS.md')
  const chartsDir = resolve(cwd, values['charts-dir'] ?? 'bench-results')
  if (values['from-results'] !== undefined) {
    // Rewrites the report from a saved run: nothing is started or measured.
    const { saved, results, workloads } = loadSavedRun(resolve(cwd, values['from-results']))
    const kept = saved.kept ?? keepEarlier(results, workloads, join(chartsDir, 'results.json'))
    writeReport({ results, workloads, profile: saved.profile, machine: saved.machine, command: saved.command, date: saved.date, benchmarksFile, chartsDir, kept })
    process.stderr.write(`bench: rewrote ${benchmarksFile} and ${chartsDir} from ${values['from-results']} (${saved.command}, ${saved.date})\n`)
    return 0
  }
  const systems = parseList(values.only, SYSTEMS, '--only')
  // The replication workload (three-broker clusters, about 6 minutes more on 2 cores) runs only when named.
  const workloads = new Set<Workload>(parseList(values.workloads, WORKLOADS, '--workloads', SINGLE_BROKER_WORKLOADS))
  const scale = values.scale === undefined ? 1 : Number(values.scale)
  if (!(scale > 0)) throw new UsageError('--scale must be a number above 0')
  let profile = scaled(values.quick ? QUICK : FULL, scale)
  if (values.runs !== undefined) {
    const runs = Number(values.runs)
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new UsageError('--runs must be an integer from 1 to 20')
    profile = { ...profile, runs }
  }
  if (values['decay-seconds'] !== undefined) {
    const decaySeconds = Number(values['decay-seconds'])
    if (!Number.isInteger(decaySeconds) || decaySeconds < 0 || decaySeconds > 3600) throw new UsageError('--decay-seconds must be an integer from 0 to 3600')
    profile = { ...profile, decaySeconds }
  }
  installSignalHandlers()
  const results = new Results()
  const machine = describeMachine()
  const startMs = performance.now()
  const log = (message: string): void => {
    process.stderr.write(`[${((performance.now() - startMs) / 1000).toFixed(0).padStart(4)} s] ${message}\n`)
  }
  const context: SuiteContext = {
    profile, workloads, results, log, repoRoot: REPO,
    cacheDir: process.env.FAECIE_BENCH_CACHE ?? join(homedir(), '.cache', 'faecie-bench'),
  }
  log(`bench: profile ${profile.name}, ${profile.runs} run(s) per figure; systems ${systems.join(', ')}; workloads ${[...workloads].join(', ')}`)
  log(`machine: ${machineLine(machine)}`)
  const report = (): void => writeReport({
    results, profile, machine, workloads, command: ['pnpm bench', ...process.argv.slice(2)].join(' '),
    // A run of some workloads only keeps the saved figures of the others (and says so).
    kept: keepEarlier(results, workloads, join(chartsDir, 'results.json')),
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    benchmarksFile, chartsDir,
  })
  // Whatever hangs despite the bounds on each step, the suite as a whole ends: with the figures it has.
  const watchdog = setTimeout(() => {
    log(`bench: the suite's time limit (${SUITE_LIMIT_MS[profile.name] / 60_000} min) passed: stopping everything, writing what was measured`)
    killEverything()
    try { report() } finally { process.exit(1) }
  }, SUITE_LIMIT_MS[profile.name])
  for (const system of systems) {
    if (!WORKLOADS_OF[system].some((w) => workloads.has(w))) {
      log(`${system}: none of the chosen workloads (it takes part in ${WORKLOADS_OF[system].join(', ')})`)
      continue
    }
    log(`${system}:`)
    try {
      await BENCHES[system](context)
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 400)
      log(`  ${system} not measured: ${reason}`)
      results.unavailable.set(system, reason)
    }
  }
  // Kafka's own perf tools against both brokers at once (runs interleaved): after each system's own workloads.
  const sides = { faecie: systems.includes('faecie'), kafka: systems.includes('kafka') }
  if (workloads.has(KAFKA_TOOLS_WORKLOAD) && (sides.faecie || sides.kafka)) {
    log(`${KAFKA_TOOLS_WORKLOAD}: Kafka's ProducerPerformance / ConsumerPerformance against ${[sides.faecie ? "faecie's Kafka listener" : '', sides.kafka ? 'Kafka' : ''].filter((s) => s !== '').join(' and ')}`)
    try {
      await benchKafkaTools(context, sides)
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 400)
      log(`  ${KAFKA_TOOLS_WORKLOAD} not measured: ${reason}`)
      results.fail(KAFKA_TOOLS_WORKLOAD, 'faecie (Kafka listener) / kafka', 'all', reason)
    }
  }
  // Workloads with runners of their own (issue 18): each starts what it needs, after every system's.
  const ownRunners: [Workload, () => Promise<void>][] = [
    // The bare path: the ceiling of end-to-end latency, in the same run as faecie's figures.
    ['latency', () => benchBarePath(context)],
    ['fanout', () => benchFanout(context, systems)],
    ['browser', () => benchBrowser(context)],
    ['quota', () => benchQuota(context)],
  ]
  for (const [workload, run] of ownRunners) {
    if (!workloads.has(workload)) continue
    log(`${workload}:`)
    try {
      await run()
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 400)
      log(`  ${workload} not measured: ${reason}`)
      results.fail(workload, workload === 'latency' ? 'bare path' : 'faecie', 'all', reason)
    }
  }
  clearTimeout(watchdog)
  report()
  log(`done: wrote ${benchmarksFile} and the charts in ${chartsDir}`)
  return 0
}

main().then(
  (code) => {
    killEverything()
    process.exit(code)
  },
  (err: unknown) => {
    killEverything()
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(err instanceof UsageError ? 2 : 1)
  },
)

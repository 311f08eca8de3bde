// bench-results/results.json: every figure of a run as measured, written beside the charts, and read
// back by `pnpm bench --from-results FILE` to rewrite the report (tables and charts) without
// measuring again, e.g. after a change to the report's text.
import { existsSync, readFileSync } from 'node:fs'
import type { Machine } from './machine.js'
import type { Profile, Workload } from './profile.js'
import { WORKLOADS } from './profile.js'
import { Results, type Measurement } from './results.js'

export interface SavedRun {
  command: string
  date: string
  profile: Profile
  machine: Machine
  measurements: Measurement[]
  rssBytes: Record<string, number>
  facts: Record<string, number>
  unavailable: Record<string, string>
  /** Earlier runs whose figures were kept (the workloads this run did not measure), newest first. */
  kept?: KeptRun[]
}

/** An earlier run some of whose workloads' figures a later, partial run kept. */
export interface KeptRun {
  command: string
  date: string
  workloads: string[]
}

export function savedRunOf(input: { command: string; date: string; profile: Profile; machine: Machine; results: Results; kept?: KeptRun[] }): SavedRun {
  const { results } = input
  return {
    command: input.command, date: input.date, profile: input.profile, machine: input.machine,
    measurements: results.measurements, rssBytes: Object.fromEntries(results.rssBytes),
    facts: Object.fromEntries(results.facts), unavailable: Object.fromEntries(results.unavailable),
    ...(input.kept === undefined || input.kept.length === 0 ? {} : { kept: input.kept }),
  }
}

/**
 * A run of some workloads only (e.g. `--workloads replication`) keeps the figures of the others
 * from the saved run in `file` (when there is one): they are added to `results` (measurements of
 * the other workloads, memory and facts this run has not), and the runs they came from returned,
 * so that the report names them. Nothing is kept for a workload this run measured.
 */
export function keepEarlier(results: Results, workloads: ReadonlySet<string>, file: string): KeptRun[] {
  if (!existsSync(file)) return []
  const { saved, results: earlier } = loadSavedRun(file)
  const keptMeasurements = earlier.measurements.filter((m) => !workloads.has(m.workload) && results.get(m.workload, m.system, m.variant) === undefined)
  results.measurements.push(...keptMeasurements)
  for (const [k, v] of earlier.rssBytes) if (!results.rssBytes.has(k)) results.rssBytes.set(k, v)
  for (const [k, v] of earlier.facts) if (!workloads.has(k.split('.')[0]!) && !results.facts.has(k)) results.facts.set(k, v)
  for (const [k, v] of earlier.unavailable) if (!results.unavailable.has(k)) results.unavailable.set(k, v)
  // Which earlier run each kept workload came from: the saved run's own kept runs, then the saved run itself.
  const alreadyKept = new Set((saved.kept ?? []).flatMap((k) => k.workloads))
  const ownWorkloads = [...new Set(earlier.measurements.map((m) => m.workload))]
  if (earlier.facts.has('decay.firstRecordsPerSec')) ownWorkloads.push('decay')
  const runs: KeptRun[] = [
    { command: saved.command, date: saved.date, workloads: ownWorkloads.filter((w) => !alreadyKept.has(w)) },
    ...(saved.kept ?? []),
  ]
  return runs
    .map((run) => ({ ...run, workloads: run.workloads.filter((w) => !workloads.has(w)) }))
    .filter((run) => run.workloads.length > 0)
}

/** A saved run read back: its results, and the workloads it measured. */
export function loadSavedRun(file: string): { saved: SavedRun; results: Results; workloads: Set<Workload> } {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedRun
  if (!Array.isArray(saved.measurements) || typeof saved.profile?.name !== 'string') throw new Error(`${file} is not a bench results file`)
  const results = new Results()
  results.measurements.push(...saved.measurements)
  for (const [k, v] of Object.entries(saved.rssBytes ?? {})) results.rssBytes.set(k, v)
  for (const [k, v] of Object.entries(saved.facts ?? {})) results.facts.set(k, v)
  for (const [k, v] of Object.entries(saved.unavailable ?? {})) results.unavailable.set(k, v)
  const measured = new Set(saved.measurements.map((m) => m.workload))
  if (results.facts.has('decay.firstRecordsPerSec')) measured.add('decay')
  const workloads = new Set<Workload>(WORKLOADS.filter((w) => measured.has(w)))
  return { saved, results, workloads }
}

// bench-results/results.json: every figure of a run as measured, written beside the charts, and read
// back by `pnpm bench --from-results FILE` to rewrite the report (tables and charts) without
// measuring again, e.g. after a change to the report's text.
import { readFileSync } from 'node:fs'
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
}

export function savedRunOf(input: { command: string; date: string; profile: Profile; machine: Machine; results: Results }): SavedRun {
  const { results } = input
  return {
    command: input.command, date: input.date, profile: input.profile, machine: input.machine,
    measurements: results.measurements, rssBytes: Object.fromEntries(results.rssBytes),
    facts: Object.fromEntries(results.facts), unavailable: Object.fromEntries(results.unavailable),
  }
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

// The `fanout` workload's part of BENCHMARKS.md (issue 18) and its rows of the targets table.
// (Contract stub: the fan-out helper fills it.)
import type { Profile } from './profile.js'
import type { Results } from './results.js'
import type { TargetRow } from './targets.js'

export function fanoutIntro(_profile: Profile): string {
  return 'Not built yet.'
}

export function fanoutBody(_results: Results, _profile: Profile): string {
  return ''
}

export function fanoutTargetRows(_results: Results): TargetRow[] {
  return []
}

// The report a fault campaign prints (issue 15): a markdown table with a row per fault kind that ran
// (and 'none': no fault active; unavailability is the worst partition's, attempts/s the produces
// invoked per second of the kind's windows), then the totals, then the anomalies (exact counts per kind, the
// first messages of each), then the command that replays the campaign.
import { ANOMALY_KINDS } from './anomalies.js'
import type { CheckResult, FaultRow } from './checker.js'
import type { History } from './history.js'

const COLUMNS = ['kind', 'faults', 'attempted', 'acknowledged', 'lost', 'duplicated', 'lost acks=leader (allowed)', 'unavailable median ms', 'unavailable max ms', 'attempts/s']

export function formatReport(history: History, result: CheckResult): string {
  const lines: string[] = []
  lines.push(`## Fault campaign, seed ${history.seed}: ${result.ok ? 'no anomaly' : `${anomalyTotal(result)} anomalies`}`)
  lines.push('')
  lines.push(tableLine(COLUMNS), tableLine(COLUMNS.map((c, i) => (i === 0 ? '---' : '---:'))))
  for (const row of result.rows) lines.push(tableLine(rowCells(row)))
  lines.push('')
  const t = result.totals
  lines.push(
    `Totals: ${t.attempted} produces attempted, ${t.acknowledged} acknowledged (${t.duplicateAcks} as duplicates, without an offset), ${t.unknown} unknown, ${t.failed} failed; ` +
      `${t.lost} lost, ${t.duplicated} duplicated, ${t.lostAcksLeader} acks=leader lost (allowed); ` +
      `${t.reads} reads of ${t.recordsRead} records; ${t.commits} commits, ${t.fetchCommitted} fetches of committed offsets; ` +
      `${Math.round(history.endedMs - history.startedMs)} ms, ${history.faults.length} faults` +
      (history.replicaLogs === undefined ? '.' : `; ${t.replicaLogs} replica copies compared with the final logs.`),
  )
  lines.push('')
  if (result.ok) lines.push('Anomalies: none.')
  else {
    lines.push('Anomalies:')
    for (const kind of ANOMALY_KINDS) {
      const count = result.counts[kind]
      if (count === 0) continue
      const messages = result.anomalies.filter((a) => a.kind === kind)
      lines.push(`- ${kind}: ${count}`)
      for (const a of messages) lines.push(`  - ${a.message}`)
      if (count > messages.length) lines.push(`  - ... and ${count - messages.length} more`)
    }
  }
  lines.push('')
  lines.push(`replay: ${replayCommand(history)}`)
  return lines.join('\n') + '\n'
}

/** The command that runs the same campaign again: its seed, its length (and broker count, mode when recorded). */
export function replayCommand(history: History): string {
  const minutes = history.minutes ?? Math.max(0.01, Math.round((history.endedMs - history.startedMs) / 600) / 100)
  let command = `pnpm test:faults --seed ${history.seed} --minutes ${minutes}`
  if (history.brokers !== undefined && history.brokers !== 3) command += ` --brokers ${history.brokers}`
  if (history.mode !== undefined && history.mode !== 'auto') command += ` --mode ${history.mode}`
  return command
}

function anomalyTotal(result: CheckResult): number {
  return ANOMALY_KINDS.reduce((sum, kind) => sum + result.counts[kind], 0)
}

function rowCells(row: FaultRow): string[] {
  return [row.kind, row.faults, row.attempted, row.acknowledged, row.lost, row.duplicated, row.lostAcksLeader, row.unavailableMedianMs, row.unavailableMaxMs, row.attemptsPerSec].map(String)
}

function tableLine(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

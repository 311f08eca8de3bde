// The history checker of the fault campaigns (issue 15). It reads a History (history.ts) and finds
// every anomaly in it; it never looks at a broker. Pure, no I/O; O(n log n) in the ops and records.
//
// The rules, each in the file that checks it:
//   final-logs.ts      the final logs are dense (`gap`)
//   check-produces.ts  acknowledged writes at their offset exactly once, unknown ones at most once,
//                      failed ones nowhere, send order and real-time order kept
//   check-reads.ts     a read is never contradicted by another read or by the final log, and never
//                      returns a record past the final log's end
//   check-contiguity.ts a reader of whole partitions (assign-all) neither skips nor rewinds, and
//                      reaches the end (`read-skipped`, `read-rewound`, `read-short`)
//   check-commits.ts   committed group offsets never go back in real time, unless reset, and a
//                      committed offset read was written by someone (`offset-phantom`)
//   check-replicas.ts  every ISR member's copy agrees with the final log below its end and lacks
//                      none of it (`replica-diverged`)
//   here               no final log starts above 0 unless retention may move it (`log-start-moved`),
//                      and no broker exited by itself (`broker-crashed`)
//   availability.ts    the figures per fault kind (not anomalies: the report's table)
// Loss of an acks=leader write is allowed: counted (`lostAcksLeader`), never an anomaly.
//
// A malformed history (a value sent twice, an ok produce without offset, a completion before its
// invocation) is the workload's bug, not the broker's: it throws, naming the op.
import { type AnomalyKind, AnomalySink, type Anomaly, place } from './anomalies.js'
import { availabilityRows } from './availability.js'
import { checkCommits } from './check-commits.js'
import { checkContiguity } from './check-contiguity.js'
import { checkProduces, FOUND_DUPLICATED, FOUND_LOST, FOUND_LOST_ACKS_LEADER } from './check-produces.js'
import { checkReads } from './check-reads.js'
import { checkReplicas } from './check-replicas.js'
import { FinalLogIndex } from './final-logs.js'
import type { CommitOp, FaultKind, FetchCommittedOp, History, Op, ProduceOp, ReadOp, ResetOp } from './history.js'

export { ANOMALY_KINDS, type Anomaly, type AnomalyKind } from './anomalies.js'

/** Figures of one fault kind (or 'none': no fault active), for the report's table. */
export interface FaultRow {
  kind: FaultKind | 'none'
  /** How many windows of this kind ran. */
  faults: number
  /** Produce operations invoked while a fault of this kind was active. */
  attempted: number
  acknowledged: number
  /** Of those, how many the checker found lost (must be 0) or duplicated (must be 0). */
  lost: number
  duplicated: number
  /** Of those, acks=leader writes acknowledged and absent from the final log: allowed, counted. */
  lostAcksLeader: number
  /**
   * Per window: the longest time one partition had produces attempted or in flight and none
   * acknowledged, from the fault's start to a grace after its end (the max over partitions).
   */
  unavailableMedianMs: number
  unavailableMaxMs: number
  /** Produces invoked per second of time inside this kind's windows (for 'none': outside every window). */
  attemptsPerSec: number
}

export interface CheckResult {
  ok: boolean
  anomalies: Anomaly[]
  counts: Record<AnomalyKind, number>
  rows: FaultRow[]
  totals: {
    attempted: number
    acknowledged: number
    /** Of the acknowledged, those acknowledged as duplicates, without an offset. */
    duplicateAcks: number
    unknown: number
    failed: number
    reads: number
    recordsRead: number
    commits: number
    /** Fetches of committed offsets. */
    fetchCommitted: number
    lost: number
    duplicated: number
    lostAcksLeader: number
    /** Replica copies compared with the final logs (History.replicaLogs). */
    replicaLogs: number
  }
}

export interface CheckOptions {
  /** After a fault ends, how long still counts for its unavailability window; default 10_000. */
  recoveryGraceMs?: number
  /** At most this many anomaly messages kept per kind (the counts stay exact); default 20. */
  messagesPerKindMax?: number
  /** Retention (or deleteRecords) may move a log's start; default false: a final log starting above 0 is `log-start-moved`. */
  logStartMayMove?: boolean
}

/** Last lines of a crashed broker's log quoted in its anomaly. */
export const BROKER_EXIT_LINES_MAX = 10

export const RECOVERY_GRACE_MS_DEFAULT = 10_000
export const MESSAGES_PER_KIND_MAX_DEFAULT = 20

export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const sink = new AnomalySink(options.messagesPerKindMax ?? MESSAGES_PER_KIND_MAX_DEFAULT)
  const produces: ProduceOp[] = []
  const reads: ReadOp[] = []
  const groupOps: Array<CommitOp | FetchCommittedOp | ResetOp> = []
  for (const op of history.ops) {
    validate(op)
    if (op.type === 'produce') produces.push(op)
    else if (op.type === 'read') reads.push(op)
    else groupOps.push(op)
  }
  const byValue = new Map<string, number>()
  produces.forEach((op, i) => {
    if (byValue.has(op.value)) throw new Error(`checkHistory: value ${op.value} sent by two produce ops (values must be unique)`)
    byValue.set(op.value, i)
  })
  const logs = new FinalLogIndex(history.finalLogs, sink)
  const found = checkProduces(produces, byValue, logs, sink)
  checkReads(reads, produces, byValue, logs, sink)
  checkContiguity(reads, logs, sink)
  checkReplicas(history.replicaLogs ?? [], logs, sink)
  if (options.logStartMayMove !== true) {
    for (const log of history.finalLogs) {
      if (log.logStartOffset > 0) sink.add('log-start-moved', () => `${place(log.topic, log.partition)}: the final log starts at offset ${log.logStartOffset}, but no retention was configured: its head was lost`)
    }
  }
  for (const exit of history.brokerExits ?? []) {
    sink.add('broker-crashed', () => {
      const lines = exit.lastLines.slice(-BROKER_EXIT_LINES_MAX)
      return `broker ${exit.brokerId} exited by itself at ${exit.atMs} ms (exit code ${exit.exitCode}, signal ${exit.signal}); its last lines:` +
        (lines.length === 0 ? ' none' : lines.map((line) => `\n    ${line}`).join(''))
    })
  }
  checkCommits(groupOps, sink)
  const rows = availabilityRows(history, produces, found, options.recoveryGraceMs ?? RECOVERY_GRACE_MS_DEFAULT)
  const totals: CheckResult['totals'] = {
    attempted: produces.length,
    acknowledged: 0,
    duplicateAcks: 0,
    unknown: 0,
    failed: 0,
    reads: reads.length,
    recordsRead: 0,
    commits: 0,
    fetchCommitted: 0,
    lost: 0,
    duplicated: 0,
    lostAcksLeader: 0,
    replicaLogs: history.replicaLogs?.length ?? 0,
  }
  produces.forEach((op, i) => {
    if (op.outcome === 'ok' && op.duplicateAck === true) totals.duplicateAcks += 1
    if (op.outcome === 'ok') totals.acknowledged += 1
    else if (op.outcome === 'unknown') totals.unknown += 1
    else totals.failed += 1
    const bits = found[i]!
    if (bits & FOUND_LOST) totals.lost += 1
    if (bits & FOUND_DUPLICATED) totals.duplicated += 1
    if (bits & FOUND_LOST_ACKS_LEADER) totals.lostAcksLeader += 1
  })
  for (const op of reads) totals.recordsRead += op.records.length
  for (const op of groupOps) {
    if (op.type === 'commit') totals.commits += 1
    else if (op.type === 'fetch-committed') totals.fetchCommitted += 1
  }
  return { ok: sink.total === 0, anomalies: sink.anomalies, counts: sink.counts, rows, totals }
}

function validate(op: Op): void {
  const bad = (why: string): never => {
    throw new Error(`checkHistory: malformed ${op.type} op of ${op.client} invoked at ${op.invokedMs} ms: ${why}`)
  }
  if (!(op.completedMs >= op.invokedMs)) bad(`completed at ${op.completedMs} ms, before it was invoked`)
  if (op.type === 'produce' && op.duplicateAck === true) {
    if (op.outcome !== 'ok' || op.offset !== undefined) bad('duplicateAck is an ok produce without an offset')
  } else if (op.type === 'produce' && op.outcome === 'ok' && !Number.isInteger(op.offset)) bad('acknowledged without an offset')
  if (op.type === 'read' && op.outcome !== 'ok' && op.records.length > 0) bad(`outcome ${op.outcome} with records`)
  if (op.type === 'read' && op.gaveUp === true && (op.outcome !== 'fail' || op.contiguous !== true)) bad('gaveUp is a fail op of a contiguous reader')
  if (op.type === 'fetch-committed' && op.outcome === 'ok' && !Number.isInteger(op.offset)) bad('ok without the offset it read')
}

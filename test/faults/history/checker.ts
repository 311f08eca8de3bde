// The history checker of the fault campaigns (issue 15). CONTRACT STUB: part C replaces the body.
// It reads a History (history.ts) and finds every anomaly in it; it never looks at a broker.
import type { FaultKind, History } from './history.js'

export const ANOMALY_KINDS = [
  'lost', // an acks=all produce acknowledged at offset o: the final log lacks it there
  'moved', // an acknowledged value is in the final log, but not at its acknowledged offset
  'duplicate', // a value in the final log more than once (any producer: all are idempotent or never retry)
  'gap', // a partition's final log is not dense from its log start to its end
  'reordered', // two values of one idempotent producer in one partition, in the log against their send order
  'read-contradicted', // two reads (or a read and the final log) gave different values at one offset
  'failed-present', // a produce that certainly failed (outcome fail) is in the final log
  'offset-backwards', // a group's committed offset read lower than one read or acknowledged before it (no reset between)
] as const
export type AnomalyKind = (typeof ANOMALY_KINDS)[number]

export interface Anomaly {
  kind: AnomalyKind
  /** One sentence a human can act on: what, where (topic-partition@offset), which values. */
  message: string
}

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
  /** Per window: the longest time no produce was acknowledged, from the fault's start to a grace after its end. */
  unavailableMedianMs: number
  unavailableMaxMs: number
}

export interface CheckResult {
  ok: boolean
  anomalies: Anomaly[]
  counts: Record<AnomalyKind, number>
  rows: FaultRow[]
  totals: { attempted: number; acknowledged: number; unknown: number; failed: number; reads: number; recordsRead: number; commits: number }
}

export interface CheckOptions {
  /** After a fault ends, how long still counts for its unavailability window; default 10_000. */
  recoveryGraceMs?: number
  /** At most this many anomaly messages kept per kind (the counts stay exact); default 20. */
  messagesPerKindMax?: number
}

export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  void history
  void options
  throw new Error('checkHistory: not built yet (issue 15 part C)')
}

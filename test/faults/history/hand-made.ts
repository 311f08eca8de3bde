// Builders of hand-made histories for the checker's unit tests: short, readable ops with defaults
// (topic `t`, partition 0, producer and sequence taken from the value `<producer>-<n>`).
import type { CommitOp, FaultKind, FaultWindow, FetchCommittedOp, FinalLog, History, Op, ProduceOp, ReadOp, ReplicaLog, ResetOp } from './history.js'

type Times = { at?: [number, number] }

export function produce(value: string, fields: Partial<ProduceOp> & Times = {}): ProduceOp {
  const dash = value.lastIndexOf('-')
  const producer = value.slice(0, dash)
  const [invokedMs, completedMs] = fields.at ?? [0, 1]
  const { at: _at, ...rest } = fields
  return {
    type: 'produce',
    client: producer,
    invokedMs,
    completedMs,
    outcome: fields.offset === undefined ? 'unknown' : 'ok',
    topic: 't',
    partition: 0,
    value,
    producer,
    sequence: Number(value.slice(dash + 1)),
    acks: 'all',
    idempotent: true,
    ...rest,
  }
}

export function read(client: string, records: Array<[number, string]>, fields: Partial<ReadOp> & Times = {}): ReadOp {
  const [invokedMs, completedMs] = fields.at ?? [0, 1]
  const { at: _at, ...rest } = fields
  return { type: 'read', client, invokedMs, completedMs, outcome: 'ok', topic: 't', partition: 0, records: records.map(([offset, value]) => ({ offset, value })), ...rest }
}

export function commit(client: string, offset: number, at: [number, number], fields: Partial<CommitOp> = {}): CommitOp {
  return { type: 'commit', client, invokedMs: at[0], completedMs: at[1], outcome: 'ok', group: 'g', topic: 't', partition: 0, offset, ...fields }
}

export function fetchCommitted(offset: number, at: [number, number], fields: Partial<FetchCommittedOp> = {}): FetchCommittedOp {
  return { type: 'fetch-committed', client: 'poller', invokedMs: at[0], completedMs: at[1], outcome: 'ok', group: 'g', topic: 't', partition: 0, offset, ...fields }
}

export function reset(offset: number, at: [number, number], fields: Partial<ResetOp> = {}): ResetOp {
  return { type: 'reset', client: 'operator', invokedMs: at[0], completedMs: at[1], outcome: 'ok', group: 'g', topic: 't', partition: 0, offset, ...fields }
}

/** A final log of `t-0` (or as given) whose records are `values` from `logStartOffset` on. */
export function finalLog(values: string[], fields: Partial<FinalLog> = {}): FinalLog {
  const logStartOffset = fields.logStartOffset ?? 0
  return { topic: 't', partition: 0, logStartOffset, records: values.map((value, i) => ({ offset: logStartOffset + i, value })), ...fields }
}

/** Broker `brokerId`'s copy of `t-0` (or as given): [offset, value] pairs; its end is after the last. */
export function replicaLog(brokerId: number, records: Array<[number, string]>, fields: Partial<ReplicaLog> = {}): ReplicaLog {
  const last = records[records.length - 1]
  return { brokerId, topic: 't', partition: 0, records: records.map(([offset, value]) => ({ offset, value })), endOffset: last === undefined ? 0 : last[0] + 1, ...fields }
}

export function fault(kind: FaultKind, startMs: number, endMs: number): FaultWindow {
  return { kind, description: `${kind} test`, targets: [1], startMs, endMs }
}

export function history(ops: Op[], finalLogs: FinalLog[], fields: Partial<History> = {}): History {
  return { seed: 7, startedMs: 0, endedMs: 1000, ops, faults: [], finalLogs, ...fields }
}

// The produce half of the checker: every produce against the final logs.
//
//   ok, acks=all    at its acknowledged offset, exactly once (else `lost`, `moved`, `duplicate`); an
//                   offset below the log start is past retention and proves nothing
//   ok, duplicate  acknowledged without an offset (duplicateAck: DUPLICATE_SEQUENCE_NUMBER): in its
//                   partition's final log exactly once, at any offset (else `lost`, `moved`, `duplicate`)
//   ok, acks=leader the same, except that absence is allowed (the leader may die before a follower
//                   has it): counted as `lostAcksLeader`, not an anomaly; a duplicate still is one
//   unknown         anywhere at most once (it may or may not have happened, but not twice)
//   fail            nowhere (`failed-present`)
// and the order: in a partition's final log an idempotent producer's values rise in send order (per
// client instance: a recreated producer is a new session), and a value acknowledged before another
// was invoked lies below it (real-time order, any producers). A value nobody sent is a `phantom`.
import { type AnomalySink, describeProduce, place } from './anomalies.js'
import type { FinalLogIndex } from './final-logs.js'
import type { ProduceOp } from './history.js'

/** Per produce op, what the checker found (bits), for the availability rows. */
export const FOUND_LOST = 1
export const FOUND_DUPLICATED = 2
export const FOUND_LOST_ACKS_LEADER = 4

export function checkProduces(produces: ProduceOp[], byValue: Map<string, number>, logs: FinalLogIndex, sink: AnomalySink): Uint8Array {
  const found = new Uint8Array(produces.length)
  for (const [value, places] of logs.duplicates()) {
    const i = byValue.get(value)
    if (i !== undefined) found[i] = found[i]! | FOUND_DUPLICATED
    const what = i === undefined ? value : describeProduce(produces[i]!)
    sink.add('duplicate', () => `${what} is in the final logs ${places.length} times: ${places.map((n) => logs.describe(n)).join(', ')}`)
  }
  produces.forEach((op, i) => {
    const places = logs.placesOf(op.value)
    if (op.outcome === 'fail' && places.length > 0) {
      sink.add('failed-present', () => `${describeProduce(op)} certainly failed, yet it is in the final log at ${logs.describe(places[0]!)}`)
    }
    if (op.outcome === 'ok') found[i] = found[i]! | checkAcknowledged(op, places, logs, sink)
  })
  checkOrder(produces, byValue, logs, sink)
  return found
}

function checkAcknowledged(op: ProduceOp, places: number[], logs: FinalLogIndex, sink: AnomalySink): number {
  if (op.duplicateAck === true) return checkDuplicateAck(op, places, logs, sink)
  const offset = op.offset!
  const logNo = logs.logNo(op.topic, op.partition)
  const at = logNo === undefined ? -1 : logs.recordAt(logNo, offset)
  if (places.length === 0) {
    if (logNo !== undefined && offset < logs.logs[logNo]!.logStartOffset) return 0
    if (op.acks === 'leader') return FOUND_LOST_ACKS_LEADER
    const there =
      logNo === undefined
        ? `there is no final log of ${place(op.topic, op.partition)}`
        : at >= 0
          ? `the final log holds ${logs.record(at).value} there`
          : `the final log ends at ${logs.endOffset(logNo)}`
    sink.add('lost', () => `${place(op.topic, op.partition, offset)}: ${describeProduce(op)} is missing from the final logs (${there})`)
    return FOUND_LOST
  }
  if (at >= 0 && places.includes(at)) return 0
  sink.add('moved', () => `${place(op.topic, op.partition, offset)}: ${describeProduce(op)} is in the final log at ${places.map((n) => logs.describe(n)).join(', ')}, not there`)
  return 0
}

/** Acknowledged without an offset: somewhere in its partition's final log (once: duplicates are found apart). */
function checkDuplicateAck(op: ProduceOp, places: number[], logs: FinalLogIndex, sink: AnomalySink): number {
  const logNo = logs.logNo(op.topic, op.partition)
  if (places.length === 0) {
    // Written at an unknown offset: below a log start above 0 it may be past retention.
    if (logNo !== undefined && logs.logs[logNo]!.logStartOffset > 0) return 0
    if (op.acks === 'leader') return FOUND_LOST_ACKS_LEADER
    sink.add('lost', () => `${place(op.topic, op.partition)}: ${describeProduce(op)} is nowhere in the final logs`)
    return FOUND_LOST
  }
  if (!places.some((n) => logs.recordLog[n] === logNo)) {
    sink.add('moved', () => `${place(op.topic, op.partition)}: ${describeProduce(op)} is in the final log at ${places.map((n) => logs.describe(n)).join(', ')}, not in its partition`)
  }
  return 0
}

function checkOrder(produces: ProduceOp[], byValue: Map<string, number>, logs: FinalLogIndex, sink: AnomalySink): void {
  for (const log of logs.logs) {
    const lastOfSession = new Map<string, ProduceOp>()
    let latestInvoked: ProduceOp | undefined
    for (const record of log.records) {
      const i = byValue.get(record.value)
      if (i === undefined) {
        sink.add('phantom', () => `${place(log.topic, log.partition, record.offset)}: ${record.value} is in the final log, but no recorded produce sent it`)
        continue
      }
      const op = produces[i]!
      if (op.idempotent) {
        const session = `${op.producer}\u0000${op.client}`
        const last = lastOfSession.get(session)
        if (last !== undefined && last.sequence > op.sequence) {
          sink.add('reordered', () => `${place(log.topic, log.partition, record.offset)}: ${op.value} comes after ${last.value} in the final log, against idempotent producer ${op.producer}'s send order`)
        }
        if (last === undefined || last.sequence < op.sequence) lastOfSession.set(session, op)
      }
      // Real time: a value below this one invoked after this one was acknowledged.
      if (op.outcome === 'ok' && latestInvoked !== undefined && latestInvoked.invokedMs > op.completedMs) {
        const below = latestInvoked
        sink.add('reordered', () => `${place(log.topic, log.partition, record.offset)}: ${describeProduce(op)} lies above ${below.value}, which was invoked later (${below.invokedMs} ms)`)
      }
      if (latestInvoked === undefined || op.invokedMs > latestInvoked.invokedMs) latestInvoked = op
    }
  }
}

// The read half of the checker: what consumers were given must never be contradicted.
//
// A read record at offset o of a partition:
//   o in [log start, end) of the final log   must equal the final log's record there (which makes
//                                            every such read agree with every other);
//   o >= the final log's end                 a read of a record that was never committed (the log
//                                            it came from was truncated): `read-contradicted`;
//   o < log start                            past retention: it must agree with every other read at
//                                            o, with the produce that sent it (its offset, its
//                                            outcome), and that produce must exist.
// A read of a partition with no final log at all cannot be confirmed: `read-contradicted`.
import { type AnomalySink, describeProduce, partitionKey, place } from './anomalies.js'
import type { FinalLogIndex } from './final-logs.js'
import type { ProduceOp, ReadOp } from './history.js'

export function checkReads(reads: ReadOp[], produces: ProduceOp[], byValue: Map<string, number>, logs: FinalLogIndex, sink: AnomalySink): void {
  /** Reads below the log start (or of a partition with no final log): partition -> offset -> first read. */
  const pastRetention = new Map<string, Map<number, { value: string; op: ReadOp }>>()
  for (const op of reads) {
    if (op.outcome !== 'ok') continue
    const logNo = logs.logNo(op.topic, op.partition)
    for (const record of op.records) {
      const where = place(op.topic, op.partition, record.offset)
      const who = `${op.client} read ${where} = ${record.value} at ${op.completedMs} ms`
      if (logNo === undefined) {
        sink.add('read-contradicted', () => `${who}, but there is no final log of ${place(op.topic, op.partition)} to confirm it`)
        continue
      }
      const end = logs.endOffset(logNo)
      if (record.offset >= end) {
        sink.add('read-contradicted', () => `${who}, but the final log ends at ${end}: a read of a record that was never committed`)
        continue
      }
      if (record.offset >= logs.logs[logNo]!.logStartOffset) {
        const n = logs.recordAt(logNo, record.offset)
        if (n < 0) continue // a hole in the final log: reported as a gap
        const inLog = logs.record(n).value
        if (inLog !== record.value) sink.add('read-contradicted', () => `${who}, but the final log has ${inLog} there`)
        continue
      }
      const key = partitionKey(op.topic, op.partition)
      let byOffset = pastRetention.get(key)
      if (byOffset === undefined) pastRetention.set(key, (byOffset = new Map()))
      const first = byOffset.get(record.offset)
      if (first === undefined) {
        byOffset.set(record.offset, { value: record.value, op })
        checkProduceOfRead(record, op, produces, byValue, sink)
      } else if (first.value !== record.value) {
        sink.add('read-contradicted', () => `${who}, but ${first.op.client} read ${first.value} there at ${first.op.completedMs} ms`)
      }
    }
  }
}

/** A record read below the log start: the final logs cannot vouch for it, so its produce must. */
function checkProduceOfRead(record: { offset: number; value: string }, read: ReadOp, produces: ProduceOp[], byValue: Map<string, number>, sink: AnomalySink): void {
  const where = place(read.topic, read.partition, record.offset)
  const i = byValue.get(record.value)
  if (i === undefined) {
    sink.add('phantom', () => `${read.client} read ${where} = ${record.value}, but no recorded produce sent it`)
    return
  }
  const produce = produces[i]!
  if (produce.outcome === 'fail') {
    sink.add('failed-present', () => `${read.client} read ${where} = ${describeProduce(produce)}, which certainly failed`)
  } else if (produce.outcome === 'ok' && (produce.topic !== read.topic || produce.partition !== read.partition || (produce.duplicateAck !== true && produce.offset !== record.offset))) {
    sink.add('moved', () => `${read.client} read ${where} = ${describeProduce(produce)}, acknowledged at ${place(produce.topic, produce.partition, produce.offset)}`)
  }
}

// The contiguity half of the checker: a reader that reads a whole partition in order (ReadOp
// `contiguous`: the workload's assign-all readers, which start at offset 0 and never reset) must
// neither skip nor go back, and must reach the end.
//
// Per reader client and partition, its ok deliveries in the order they completed:
//   the first starts at offset 0, each later one at the previous one's last offset + 1, and inside
//   a delivery each record is at the previous record's offset + 1. Further on: `read-skipped`;
//   at or before an offset already passed: `read-rewound`. A crash of the reader (a fail op) and
//   its recreation change nothing: the new consumer resumes after the last record delivered.
// At the end, each contiguous reader must have read every partition up to its final log's end
// (`read-short`), unless it has a `gaveUp` op for that partition (the workload stopped waiting).
// A partition with no final log is left to the read checks (check-reads.ts).
import { type AnomalySink, partitionKey, place } from './anomalies.js'
import type { FinalLogIndex } from './final-logs.js'
import type { ReadOp } from './history.js'

export function checkContiguity(reads: ReadOp[], logs: FinalLogIndex, sink: AnomalySink): void {
  const ordered = reads.filter((op) => op.contiguous === true)
  // Stable: deliveries completed in the same millisecond keep the history's order.
  ordered.sort((a, b) => a.completedMs - b.completedMs)
  /** client -> partition key -> the offset the next delivery must start at. */
  const next = new Map<string, Map<string, number>>()
  const gaveUp = new Set<string>()
  for (const op of ordered) {
    let byPartition = next.get(op.client)
    if (byPartition === undefined) next.set(op.client, (byPartition = new Map()))
    const key = partitionKey(op.topic, op.partition)
    if (op.gaveUp === true) gaveUp.add(`${op.client}\u0000${key}`)
    if (op.outcome !== 'ok' || op.records.length === 0) continue
    let expected = byPartition.get(key) ?? 0
    for (const record of op.records) {
      if (record.offset !== expected) {
        const at = expected
        const kind = record.offset > at ? 'read-skipped' : 'read-rewound'
        sink.add(kind, () => {
          const what = record.offset > at ? `skipping offsets ${at}..${record.offset - 1}` : `going back from ${at} (the next offset due)`
          return `${place(op.topic, op.partition, record.offset)}: ${op.client} read ${record.value} there at ${op.completedMs} ms, ${what}`
        })
      }
      expected = record.offset + 1
    }
    byPartition.set(key, expected)
  }
  for (const [client, byPartition] of next) {
    logs.logs.forEach((log, logNo) => {
      const key = partitionKey(log.topic, log.partition)
      if (gaveUp.has(`${client}\u0000${key}`)) return
      const reached = byPartition.get(key) ?? 0
      const end = logs.endOffset(logNo)
      if (reached < end) {
        sink.add('read-short', () => `${place(log.topic, log.partition)}: ${client} read up to offset ${reached}, but the final log ends at ${end}, and the workload did not say it gave up`)
      }
    })
  }
}

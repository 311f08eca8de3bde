// The replica half of the checker: the final logs are read from each partition's leader only, so a
// follower that diverged would go unnoticed until a later failover made it the leader. Every ISR
// member's copy (History.replicaLogs, read from its disk after the final read) is compared with the
// final log:
//   below the final log's end, at an offset the final log has, the copy must hold the same value
//     (`replica-diverged`, one per offset), and must hold it at all (`replica-diverged`, one per run
//     of offsets it lacks): a replica in the ISR holds everything below the high watermark;
//   at or past the final log's end it may hold anything (an uncommitted tail, truncated when it next
//     follows a leader); below the final log's start, anything (retention is the leader's to judge).
// A copy of a partition with no final log is not compared (the final read is what failed there).
// O(records) time, one byte per final-log offset of memory per copy while it is compared.
import { type AnomalySink, place } from './anomalies.js'
import type { FinalLogIndex } from './final-logs.js'
import type { ReplicaLog } from './history.js'

export function checkReplicas(replicas: ReplicaLog[], logs: FinalLogIndex, sink: AnomalySink): void {
  for (const replica of replicas) {
    const logNo = logs.logNo(replica.topic, replica.partition)
    if (logNo === undefined) continue
    const log = logs.logs[logNo]!
    const start = log.logStartOffset
    const end = logs.endOffset(logNo)
    const who = `broker ${replica.brokerId}`
    /** 1 at an offset (minus the log start) the copy holds, whatever the value. */
    const held = new Uint8Array(Math.max(0, end - start))
    for (const record of replica.records) {
      if (record.offset < start || record.offset >= end) continue
      const n = logs.recordAt(logNo, record.offset)
      // No record there in the final log: a hole, which is the final log's own anomaly (`gap`).
      if (n < 0) continue
      held[record.offset - start] = 1
      const expected = logs.record(n).value
      if (record.value !== expected) {
        sink.add('replica-diverged', () =>
          `${place(replica.topic, replica.partition, record.offset)}: ${who}'s copy holds ${record.value}, the final log (from the leader) ${expected}, below its end ${end}`)
      }
    }
    // Runs of final-log records the copy lacks, one anomaly each.
    let runFirst = -1
    let runLast = -1
    let runCount = 0
    const flush = (): void => {
      if (runCount === 0) return
      const [first, last, count] = [runFirst, runLast, runCount]
      sink.add('replica-diverged', () =>
        `${place(replica.topic, replica.partition)}: ${who}'s copy lacks ${count === 1 ? `offset ${first}` : `offsets ${first}..${last} (${count} records)`}, ` +
          `below the final log's end ${end} (the copy ends at ${replica.endOffset}): an ISR member must hold everything below the high watermark`)
      runCount = 0
    }
    for (const record of log.records) {
      const i = record.offset - start
      if (i < 0 || i >= held.length) continue
      if (held[i] === 1) {
        flush()
        continue
      }
      if (runCount === 0) runFirst = record.offset
      runLast = record.offset
      runCount += 1
    }
    flush()
  }
}

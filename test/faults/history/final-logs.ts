// The final logs indexed for the checker: which record sits at an offset of a partition, and where a
// value sits (every place, so a duplicate is seen). Records are numbered globally in one flat space
// (log after log), so 2 M records cost two typed arrays and one Map<string, number>, not 2 M objects.
//
// Building the index also checks density: a partition's records must be offsets logStartOffset,
// logStartOffset + 1, ... with no hole (anomaly `gap`); a log that is not dense gets a Map from offset
// to record so that lookups stay right.
import { type AnomalySink, partitionKey, place } from './anomalies.js'
import type { FinalLog } from './history.js'

export class FinalLogIndex {
  readonly logs: FinalLog[]
  private readonly logByKey = new Map<string, number>()
  /** Global record number of each log's first record. */
  private readonly firstRecord: number[] = []
  /** Logs with a hole: offset -> global record number. */
  private readonly sparse = new Map<number, Map<number, number>>()
  readonly recordLog: Int32Array
  /** The first place of each value; further places (duplicates) in `extraPlaces`. */
  private readonly firstPlace = new Map<string, number>()
  private readonly extraPlaces = new Map<string, number[]>()

  constructor(logs: FinalLog[], sink: AnomalySink) {
    this.logs = logs
    const recordCount = logs.reduce((sum, log) => sum + log.records.length, 0)
    this.recordLog = new Int32Array(recordCount)
    let next = 0
    logs.forEach((log, logNo) => {
      const key = partitionKey(log.topic, log.partition)
      if (this.logByKey.has(key)) throw new Error(`checkHistory: two final logs of ${place(log.topic, log.partition)}`)
      this.logByKey.set(key, logNo)
      this.firstRecord.push(next)
      this.indexLog(log, logNo, next, sink)
      next += log.records.length
    })
  }

  private indexLog(log: FinalLog, logNo: number, first: number, sink: AnomalySink): void {
    let dense = true
    let expected = log.logStartOffset
    log.records.forEach((record, i) => {
      const n = first + i
      this.recordLog[n] = logNo
      if (record.offset !== expected) {
        dense = false
        const at = expected
        sink.add('gap', () =>
          record.offset > at
            ? `${place(log.topic, log.partition)}: the final log skips offsets ${at}..${record.offset - 1} (log start ${log.logStartOffset})`
            : `${place(log.topic, log.partition, record.offset)}: the final log goes back to offset ${record.offset} after ${at - 1}`,
        )
      }
      expected = record.offset + 1
      const seen = this.firstPlace.get(record.value)
      if (seen === undefined) this.firstPlace.set(record.value, n)
      else {
        const extra = this.extraPlaces.get(record.value)
        if (extra === undefined) this.extraPlaces.set(record.value, [n])
        else extra.push(n)
      }
    })
    if (!dense) {
      const byOffset = new Map<number, number>()
      log.records.forEach((record, i) => {
        if (!byOffset.has(record.offset)) byOffset.set(record.offset, first + i)
      })
      this.sparse.set(logNo, byOffset)
    }
  }

  logNo(topic: string, partition: number): number | undefined {
    return this.logByKey.get(partitionKey(topic, partition))
  }

  /** One past the last offset the final log holds (its log start when empty). */
  endOffset(logNo: number): number {
    const log = this.logs[logNo]!
    const last = log.records[log.records.length - 1]
    return last === undefined ? log.logStartOffset : Math.max(last.offset + 1, log.logStartOffset)
  }

  /** The global record number at `offset` of a log, or -1. */
  recordAt(logNo: number, offset: number): number {
    const sparse = this.sparse.get(logNo)
    if (sparse !== undefined) return sparse.get(offset) ?? -1
    const log = this.logs[logNo]!
    const i = offset - log.logStartOffset
    return i >= 0 && i < log.records.length ? this.firstRecord[logNo]! + i : -1
  }

  record(n: number): { offset: number; value: string } {
    const logNo = this.recordLog[n]!
    return this.logs[logNo]!.records[n - this.firstRecord[logNo]!]!
  }

  /** Every global record number holding `value` (empty when absent). */
  placesOf(value: string): number[] {
    const first = this.firstPlace.get(value)
    if (first === undefined) return []
    const extra = this.extraPlaces.get(value)
    return extra === undefined ? [first] : [first, ...extra]
  }

  /** Values in the final logs more than once, with all their places. */
  *duplicates(): Generator<[string, number[]]> {
    for (const value of this.extraPlaces.keys()) yield [value, this.placesOf(value)]
  }

  describe(n: number): string {
    const log = this.logs[this.recordLog[n]!]!
    return place(log.topic, log.partition, this.record(n).offset)
  }
}

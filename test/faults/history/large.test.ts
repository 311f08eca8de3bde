// The checker on a large generated history (2 M ops: produces of three producers over eight
// partitions, reads, commits and fetches of committed offsets), clean but for two planted anomalies
// whose exact counts must come out. It shows that the checker stays O(n log n) in practice; no timing
// is asserted (the test timeout is the bound).
import { describe, expect, it } from 'vitest'
import { checkHistory } from './checker.js'
import type { FinalLog, History, Op, ProduceOp } from './history.js'

const OPS_TOTAL = 2_000_000
const PARTITIONS = 8

function generate(): History {
  const ops: Op[] = []
  const logs: FinalLog[] = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 't', partition, logStartOffset: 0, records: [] }))
  const producers = ['a', 'b', 'l']
  const sequences = [0, 0, 0]
  const committed = new Array<number>(PARTITIONS).fill(-1)
  for (let i = 0; ops.length < OPS_TOTAL; i++) {
    const t = i * 2
    const partition = i % PARTITIONS
    const log = logs[partition]!
    const p = i % 3
    const producer = producers[p]!
    const value = `${producer}-${sequences[p]!++}`
    const outcome = i % 1009 === 0 ? 'fail' : i % 997 === 0 ? 'unknown' : 'ok'
    const op: ProduceOp = { type: 'produce', client: producer, invokedMs: t, completedMs: t + 3, outcome, topic: 't', partition, value, producer, sequence: sequences[p]! - 1, acks: p === 2 ? 'leader' : 'all', idempotent: p !== 2 }
    if (outcome !== 'fail') {
      if (outcome === 'ok') op.offset = log.records.length
      log.records.push({ offset: log.records.length, value })
    }
    ops.push(op)
    if (i % 3 === 0 && log.records.length >= 3) {
      const records = log.records.slice(-3)
      ops.push({ type: 'read', client: `r${i % 2}`, invokedMs: t + 4, completedMs: t + 5, outcome: 'ok', topic: 't', partition, records })
    }
    if (i % 2 === 0) {
      committed[partition] = log.records.length
      ops.push({ type: 'commit', client: 'm', invokedMs: t + 4, completedMs: t + 6, outcome: 'ok', group: 'g', topic: 't', partition, offset: log.records.length })
    }
    if (i % 40 === 0) {
      ops.push({ type: 'fetch-committed', client: 'poller', invokedMs: t + 7, completedMs: t + 8, outcome: 'ok', group: 'g', topic: 't', partition, offset: committed[partition]! })
    }
  }
  return { seed: 1, startedMs: 0, endedMs: ops.at(-1)!.completedMs + 10, ops, faults: [{ kind: 'kill', description: 'broker 1', targets: [1], startMs: 1000, endMs: 50_000 }], finalLogs: logs }
}

describe('checkHistory on 2 M ops', () => {
  it('finds exactly the two anomalies planted in a large clean history', () => {
    const h = generate()
    const fetches = h.ops.filter((op) => op.type === 'fetch-committed')
    const lateFetch = fetches[fetches.length - 100]!
    lateFetch.offset = 0 // planted: a committed offset read going back
    const reads = h.ops.filter((op) => op.type === 'read')
    reads[reads.length >> 1]!.records[0] = { offset: reads[reads.length >> 1]!.records[0]!.offset, value: 'a-0' } // planted: a read contradicted
    const result = checkHistory(h)
    expect(result.anomalies.map((a) => a.kind).sort(), JSON.stringify(result.anomalies.slice(0, 5))).toEqual(['offset-backwards', 'read-contradicted'])
    expect(result.totals.attempted + result.totals.reads + result.totals.commits + result.totals.fetchCommitted).toBe(OPS_TOTAL)
    expect(result.rows.map((r) => r.kind)).toEqual(['kill', 'none'])
  })

  it('counts a flood of committed offsets going back exactly, without scanning the partition per fetch', () => {
    const ops: Op[] = []
    for (let i = 0; i < 200_000; i++) ops.push({ type: 'commit', client: 'm', invokedMs: i, completedMs: i + 1, outcome: 'ok', group: 'g', topic: 't', partition: 0, offset: i + 1 })
    // A stale commit of 5 acknowledged at the end, then 20 000 fetches reading it.
    ops.push({ type: 'commit', client: 'old', invokedMs: 300_000, completedMs: 300_001, outcome: 'ok', group: 'g', topic: 't', partition: 0, offset: 5 })
    for (let i = 0; i < 20_000; i++) ops.push({ type: 'fetch-committed', client: 'poller', invokedMs: 400_000 + i, completedMs: 400_000 + i + 0.5, outcome: 'ok', group: 'g', topic: 't', partition: 0, offset: 5 })
    const result = checkHistory({ seed: 1, startedMs: 0, endedMs: 500_000, ops, faults: [], finalLogs: [] })
    expect(result.counts['offset-backwards']).toBe(20_000)
    expect(result.anomalies).toHaveLength(20)
  })
})

// The checker on hand-made histories of produces, reads and final logs: each anomaly kind caught and
// named with its place, and the near-misses that must pass (see commits.test.ts for group offsets,
// availability.test.ts for the figures).
import { describe, expect, it } from 'vitest'
import { ANOMALY_KINDS, type AnomalyKind, type CheckResult, checkHistory } from './checker.js'

/** Histories whose log start moved (as retention would move it): not itself an anomaly here. */
const RETENTION = { logStartMayMove: true }
import { finalLog, history, produce, read } from './hand-made.js'

/** The result has anomalies of `kind` only, and one message holds every fragment. */
function expectOnly(result: CheckResult, kind: AnomalyKind, ...fragments: string[]): void {
  const others = ANOMALY_KINDS.filter((k) => k !== kind && result.counts[k] > 0)
  expect(others, JSON.stringify(result.anomalies)).toEqual([])
  expect(result.ok).toBe(false)
  expect(result.counts[kind]).toBeGreaterThan(0)
  const messages = result.anomalies.map((a) => a.message)
  expect(messages.some((m) => fragments.every((f) => m.includes(f))), messages.join('\n')).toBe(true)
}

function expectClean(result: CheckResult): void {
  expect(result.anomalies).toEqual([])
  expect(result.ok).toBe(true)
}

describe('checkHistory: anomalies in produces and final logs', () => {
  it('an acks=all write acknowledged at an offset the final log ends before is lost', () => {
    const r = checkHistory(history([produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] })], [finalLog(['p1-0'])]))
    expectOnly(r, 'lost', 't-0@1', 'p1-1', 'ends at 1')
    expect(r.totals.lost).toBe(1)
    expect(r.counts.lost).toBe(1)
  })

  it('an acks=all write whose offset holds another value, itself nowhere, is lost', () => {
    const ops = [produce('p1-0', { offset: 0 }), produce('p2-0', { at: [0, 5] })]
    expectOnly(checkHistory(history(ops, [finalLog(['p2-0'])])), 'lost', 't-0@0', 'p1-0', 'holds p2-0')
  })

  it('a partition with acknowledged writes but no final log loses them', () => {
    expectOnly(checkHistory(history([produce('p1-0', { offset: 0, partition: 3 })], [finalLog([])])), 'lost', 't-3@0', 'no final log')
  })

  it('an acknowledged value at another offset has moved', () => {
    const ops = [produce('p2-0', { at: [0, 1] }), produce('p1-0', { offset: 0, at: [0, 2] })]
    expectOnly(checkHistory(history(ops, [finalLog(['p2-0', 'p1-0'])])), 'moved', 't-0@0', 'p1-0', 't-0@1')
  })

  it('an acknowledged value in another partition has moved', () => {
    const logs = [finalLog([]), finalLog(['p1-0'], { partition: 1 })]
    expectOnly(checkHistory(history([produce('p1-0', { offset: 0 })], logs)), 'moved', 't-0@0', 't-1@0')
  })

  it('an unknown write present twice is a duplicate, naming both places', () => {
    const r = checkHistory(history([produce('p1-0'), produce('p2-0')], [finalLog(['p1-0', 'p2-0', 'p1-0'])]))
    expectOnly(r, 'duplicate', 'p1-0', '2 times', 't-0@0', 't-0@2')
    expect(r.totals.duplicated).toBe(1)
  })

  it('an acks=leader write twice is a duplicate all the same', () => {
    const ops = [produce('l-0', { offset: 0, acks: 'leader', idempotent: false })]
    expectOnly(checkHistory(history(ops, [finalLog(['l-0', 'l-0'])])), 'duplicate', 'l-0', 't-0@1')
  })

  it('a final log with a hole has a gap', () => {
    const log = { topic: 't', partition: 0, logStartOffset: 0, records: [{ offset: 0, value: 'p1-0' }, { offset: 1, value: 'p1-1' }, { offset: 3, value: 'p1-2' }] }
    const ops = [produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] }), produce('p1-2', { offset: 3, at: [4, 5] })]
    expectOnly(checkHistory(history(ops, [log])), 'gap', 't-0', 'skips offsets 2..2')
  })

  it('a final log starting above its log start has a gap', () => {
    const log = { topic: 't', partition: 0, logStartOffset: 5, records: [{ offset: 6, value: 'p1-0' }] }
    expectOnly(checkHistory(history([produce('p1-0', { offset: 6 })], [log]), RETENTION), 'gap', 'skips offsets 5..5')
  })

  it("an idempotent producer's values against its send order are reordered", () => {
    const ops = [produce('p1-0', { at: [0, 5] }), produce('p1-1', { at: [1, 5] })]
    expectOnly(checkHistory(history(ops, [finalLog(['p1-1', 'p1-0'])])), 'reordered', 't-0@1', 'p1-0', 'after p1-1')
  })

  it('a value acknowledged before another was invoked, found above it, is reordered (real time)', () => {
    const ops = [produce('p1-0', { offset: 1, at: [0, 10] }), produce('p2-0', { at: [20, 30] })]
    expectOnly(checkHistory(history(ops, [finalLog(['p2-0', 'p1-0'])])), 'reordered', 't-0@1', 'p1-0', 'lies above p2-0')
  })

  it('a write that certainly failed, in the final log, is failed-present', () => {
    const ops = [produce('p1-0', { outcome: 'fail', error: 'refused' })]
    expectOnly(checkHistory(history(ops, [finalLog(['p1-0'])])), 'failed-present', 'p1-0', 't-0@0')
  })

  it('a value nobody sent is a phantom', () => {
    expectOnly(checkHistory(history([], [finalLog(['zz-1'])])), 'phantom', 't-0@0', 'zz-1')
  })
})

describe('checkHistory: anomalies in reads', () => {
  const ops = [produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] })]

  it('a read the final log contradicts', () => {
    const r = checkHistory(history([...ops, read('c1', [[1, 'p1-0']], { at: [5, 6] })], [finalLog(['p1-0', 'p1-1'])]))
    expectOnly(r, 'read-contradicted', 'c1 read t-0@1 = p1-0', 'final log has p1-1')
  })

  it('a read at or past the final log end read something never committed', () => {
    const r = checkHistory(history([...ops, produce('p2-0'), read('c1', [[2, 'p2-0']], { at: [5, 6] })], [finalLog(['p1-0', 'p1-1'])]))
    expectOnly(r, 'read-contradicted', 'c1 read t-0@2 = p2-0', 'ends at 2', 'never committed')
  })

  it('two reads below the log start that disagree', () => {
    const reads = [read('c1', [[0, 'p1-0']], { at: [5, 6] }), read('c2', [[0, 'p2-0']], { at: [7, 8] })]
    const r = checkHistory(history([produce('p1-0'), produce('p2-0'), ...reads], [finalLog([], { logStartOffset: 5 })]), RETENTION)
    expectOnly(r, 'read-contradicted', 'c2 read t-0@0 = p2-0', 'c1 read p1-0')
  })

  it('a read below the log start of a failed write', () => {
    const r = checkHistory(history([produce('p1-0', { outcome: 'fail' }), read('c1', [[0, 'p1-0']])], [finalLog([], { logStartOffset: 3 })]), RETENTION)
    expectOnly(r, 'failed-present', 'c1 read t-0@0', 'p1-0')
  })

  it('a read below the log start of an acknowledged write at another offset', () => {
    const r = checkHistory(history([produce('p1-0', { offset: 1 }), read('c1', [[0, 'p1-0']])], [finalLog([], { logStartOffset: 3 })]), RETENTION)
    expectOnly(r, 'moved', 'c1 read t-0@0', 't-0@1')
  })

  it('a read of a partition with no final log', () => {
    expectOnly(checkHistory(history([produce('p1-0'), read('c1', [[0, 'p1-0']], { partition: 2 })], [])), 'read-contradicted', 't-2@0', 'no final log')
  })
})

describe('checkHistory: near-misses that pass', () => {
  it('an unknown write present once, another absent', () => {
    const r = checkHistory(history([produce('p1-0'), produce('p1-1')], [finalLog(['p1-0'])]))
    expectClean(r)
    expect(r.totals.unknown).toBe(2)
  })

  it('acks=leader writes lost are counted, not anomalies', () => {
    const ops = [produce('l-0', { offset: 0, acks: 'leader', idempotent: false }), produce('l-1', { offset: 1, acks: 'leader', idempotent: false, at: [2, 3] })]
    const r = checkHistory(history(ops, [finalLog(['l-0'])]))
    expectClean(r)
    expect(r.totals.lostAcksLeader).toBe(1)
    expect(r.totals.lost).toBe(0)
    expect(r.rows.find((row) => row.kind === 'none')).toMatchObject({ attempted: 2, acknowledged: 2, lost: 0, lostAcksLeader: 1 })
  })

  it('an acknowledged write below the log start (past retention) proves nothing', () => {
    expectClean(checkHistory(history([produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] })], [finalLog(['p1-1'], { logStartOffset: 1 })]), RETENTION))
  })

  it('concurrent writes land in either order; acknowledged ones in real-time order', () => {
    const ops = [produce('p1-0', { offset: 1, at: [0, 10] }), produce('p2-0', { offset: 0, at: [5, 15] }), produce('p3-0', { offset: 2, at: [11, 12] })]
    expectClean(checkHistory(history(ops, [finalLog(['p2-0', 'p1-0', 'p3-0'])])))
  })

  it('an idempotent producer recreated (a new client) is a new session for order', () => {
    const ops = [produce('p1-3', { at: [0, 50] }), produce('p1-4', { client: 'p1#2', at: [10, 20] })]
    expectClean(checkHistory(history(ops, [finalLog(['p1-4', 'p1-3'])])))
  })

  it('a non-idempotent producer is not held to its send order when nothing was acknowledged', () => {
    const ops = [produce('l-0', { acks: 'leader', idempotent: false }), produce('l-1', { acks: 'leader', idempotent: false })]
    expectClean(checkHistory(history(ops, [finalLog(['l-1', 'l-0'])])))
  })

  it('reads that agree with the final log and with each other below the log start', () => {
    const ops = [produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] }), produce('p1-2', { offset: 2, at: [4, 5] })]
    const reads = [read('c1', [[0, 'p1-0'], [1, 'p1-1']], { at: [6, 7] }), read('c2', [[0, 'p1-0'], [1, 'p1-1'], [2, 'p1-2']], { at: [8, 9] })]
    const r = checkHistory(history([...ops, ...reads, read('c3', [], { outcome: 'unknown' })], [finalLog(['p1-1', 'p1-2'], { logStartOffset: 1 })]), RETENTION)
    expectClean(r)
    expect(r.totals).toMatchObject({ reads: 3, recordsRead: 5 })
  })
})

describe('checkHistory: a malformed history is the workload bug and throws', () => {
  it('names a value sent twice, an ok produce without offset, a completion before invocation', () => {
    expect(() => checkHistory(history([produce('p1-0'), produce('p1-0')], []))).toThrow(/p1-0 sent by two produce ops/)
    expect(() => checkHistory(history([produce('p1-0', { outcome: 'ok' })], []))).toThrow(/acknowledged without an offset/)
    expect(() => checkHistory(history([produce('p1-0', { at: [5, 4] })], []))).toThrow(/before it was invoked/)
  })
})

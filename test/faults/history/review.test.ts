// The checker on hand-made histories of what a review found it let pass: readers that skip, rewind or
// stop short; a log whose head went; a write acknowledged without an offset; a committed offset
// nobody wrote; a broker that exited by itself. Each must fail; the near-misses must pass.
import { describe, expect, it } from 'vitest'
import { ANOMALY_KINDS, type AnomalyKind, type CheckResult, checkHistory } from './checker.js'
import { commit, fetchCommitted, finalLog, history, produce, read, reset } from './hand-made.js'
import type { Op, ReadOp } from './history.js'
import { formatReport } from './report.js'

function expectOnly(result: CheckResult, kind: AnomalyKind, count: number, ...fragments: string[]): void {
  const others = ANOMALY_KINDS.filter((k) => k !== kind && result.counts[k] > 0)
  expect(others, JSON.stringify(result.anomalies)).toEqual([])
  expect(result.counts[kind], JSON.stringify(result.anomalies)).toBe(count)
  const messages = result.anomalies.map((a) => a.message)
  expect(messages.some((m) => fragments.every((f) => m.includes(f))), messages.join('\n')).toBe(true)
}

function expectClean(result: CheckResult): void {
  expect(result.anomalies).toEqual([])
  expect(result.ok).toBe(true)
}

/** p1-0 .. p1-(n-1) acknowledged at offsets 0.., and the final log holding them. */
function written(n: number): { ops: Op[]; values: string[] } {
  const values = Array.from({ length: n }, (_, i) => `p1-${i}`)
  return { ops: values.map((v, i) => produce(v, { offset: i, at: [i, i + 0.5] })), values }
}

/** A delivery to the contiguous reader `fetcher` of offsets from..to (inclusive), completed at `atMs`. */
function delivery(from: number, to: number, atMs: number, fields: Partial<ReadOp> = {}): ReadOp {
  const records: Array<[number, string]> = []
  for (let o = from; o <= to; o++) records.push([o, `p1-${o}`])
  return read('fetcher', records, { at: [0, atMs], contiguous: true, ...fields })
}

describe('checkHistory: contiguous readers', () => {
  const { ops, values } = written(6)

  it('a delivery that starts past the offset after the previous one is read-skipped', () => {
    const r = checkHistory(history([...ops, delivery(0, 1, 10), delivery(4, 5, 11)], [finalLog(values)]))
    expectOnly(r, 'read-skipped', 1, 't-0@4', 'fetcher', 'skipping offsets 2..3')
  })

  it('a first delivery not at offset 0, and a hole inside a delivery, are read-skipped', () => {
    const inside = read('fetcher', [[0, 'p1-0'], [2, 'p1-2']], { at: [0, 10], contiguous: true })
    expectOnly(checkHistory(history([...ops, inside, delivery(3, 5, 11)], [finalLog(values)])), 'read-skipped', 1, 't-0@2', 'skipping offsets 1..1')
    expectOnly(checkHistory(history([...ops, delivery(1, 5, 10)], [finalLog(values)])), 'read-skipped', 1, 't-0@1', 'skipping offsets 0..0')
  })

  it('a delivery that goes back (a re-read from 0) is read-rewound, once', () => {
    const reads = [delivery(0, 3, 10), delivery(0, 5, 11)]
    expectOnly(checkHistory(history([...ops, ...reads], [finalLog(values)])), 'read-rewound', 1, 't-0@0', 'going back from 4')
  })

  it('a reader that ends before the final log end is read-short, per partition', () => {
    const logs = [finalLog(values), finalLog(['p2-0'], { partition: 1 })]
    const r = checkHistory(history([...ops, produce('p2-0', { offset: 0, partition: 1 }), delivery(0, 3, 10)], logs))
    expectOnly(r, 'read-short', 2, 't-0', 'fetcher read up to offset 4', 'ends at 6')
    expect(r.anomalies.map((a) => a.message).join('\n')).toContain('t-1: fetcher read up to offset 0')
  })

  it('near-miss: a crash and a recreation resuming after the last record read', () => {
    const crash = read('fetcher', [], { at: [11, 11], outcome: 'fail', contiguous: true, error: 'crashed' })
    expectClean(checkHistory(history([...ops, delivery(0, 2, 10), crash, delivery(3, 5, 12)], [finalLog(values)])))
  })

  it('near-miss: a reader the workload gave up on may end short', () => {
    const gaveUp = read('fetcher', [], { at: [20, 20], outcome: 'fail', contiguous: true, gaveUp: true, error: 'not at the end after 30 s' })
    expectClean(checkHistory(history([...ops, delivery(0, 2, 10), gaveUp], [finalLog(values)])))
  })

  it('near-miss: a group member (not contiguous) may read again after a rebalance', () => {
    const reads = [read('member1', [[0, 'p1-0'], [1, 'p1-1']], { at: [0, 10] }), read('member2', [[1, 'p1-1']], { at: [0, 11] })]
    expectClean(checkHistory(history([...ops, ...reads], [finalLog(values)])))
  })

  it('a gaveUp op must be a fail of a contiguous reader', () => {
    expect(() => checkHistory(history([read('fetcher', [], { gaveUp: true, contiguous: true })], []))).toThrow(/gaveUp/)
  })
})

describe('checkHistory: the head of the log', () => {
  it('a final log starting above 0 is log-start-moved, unless retention may move it', () => {
    const h = history([produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] })], [finalLog(['p1-1'], { logStartOffset: 1 })])
    expectOnly(checkHistory(h), 'log-start-moved', 1, 't-0', 'starts at offset 1')
    expectClean(checkHistory(h, { logStartMayMove: true }))
  })
})

describe('checkHistory: acknowledged without an offset (DUPLICATE_SEQUENCE_NUMBER)', () => {
  const dup = produce('p1-1', { outcome: 'ok', duplicateAck: true, at: [2, 3] })
  const ops = [produce('p1-0', { offset: 0 }), dup]

  it('present once at any offset passes, and is counted', () => {
    const r = checkHistory(history(ops, [finalLog(['p1-0', 'p1-1'])]))
    expectClean(r)
    expect(r.totals).toMatchObject({ acknowledged: 2, duplicateAcks: 1, unknown: 0 })
  })

  it('absent is lost', () => {
    expectOnly(checkHistory(history(ops, [finalLog(['p1-0'])])), 'lost', 1, 'p1-1', 'acknowledged as a duplicate', 'nowhere')
  })

  it('twice is a duplicate; in another partition it moved', () => {
    expectOnly(checkHistory(history(ops, [finalLog(['p1-0', 'p1-1', 'p1-1'])])), 'duplicate', 1, 'p1-1', '2 times')
    expectOnly(checkHistory(history(ops, [finalLog(['p1-0']), finalLog(['p1-1'], { partition: 1 })])), 'moved', 1, 'p1-1', 't-1@0')
  })

  it('a duplicateAck with an offset, or not ok, is malformed', () => {
    expect(() => checkHistory(history([produce('p1-0', { offset: 0, duplicateAck: true })], []))).toThrow(/duplicateAck/)
    expect(() => checkHistory(history([produce('p1-0', { outcome: 'unknown', duplicateAck: true })], []))).toThrow(/duplicateAck/)
  })
})

describe('checkHistory: committed offsets nobody wrote', () => {
  it('a fetched offset no commit nor reset wrote is offset-phantom', () => {
    const r = checkHistory(history([commit('m1', 10, [0, 1]), fetchCommitted(50, [5, 6])], []))
    expectOnly(r, 'offset-phantom', 1, 'group g t-0', 'read committed offset 50', 'no commit or reset')
  })

  it('a commit invoked only after the fetch completed did not write it', () => {
    expectOnly(checkHistory(history([fetchCommitted(10, [5, 6]), commit('m1', 10, [7, 8])], [])), 'offset-phantom', 1, 'offset 10')
  })

  it('a failed commit wrote nothing', () => {
    expectOnly(checkHistory(history([commit('m1', 10, [0, 1], { outcome: 'fail' }), fetchCommitted(10, [5, 6])], [])), 'offset-phantom', 1, 'offset 10')
  })

  it('near-misses: -1, a commit of unknown outcome, a concurrent commit, a reset', () => {
    const ops = [
      fetchCommitted(-1, [0, 1]),
      commit('m1', 10, [2, 3], { outcome: 'unknown' }),
      fetchCommitted(10, [4, 5]),
      commit('m1', 20, [6, 9]),
      fetchCommitted(20, [7, 8]),
      reset(30, [10, 11]),
      fetchCommitted(30, [12, 13]),
    ]
    expectClean(checkHistory(history(ops, [])))
  })
})

describe('checkHistory: brokers that exited by themselves', () => {
  it('each is broker-crashed, with its exit code and last lines in the report', () => {
    const h = history([], [], {
      brokerExits: [
        { brokerId: 2, atMs: 1234, exitCode: 1, signal: null, lastLines: ['{"msg":"starting"}', '{"msg":"assertion failed: hw <= leo"}'] },
        { brokerId: 3, atMs: 2000, exitCode: null, signal: 'SIGABRT', lastLines: [] },
      ],
    })
    const r = checkHistory(h)
    expectOnly(r, 'broker-crashed', 2, 'broker 2', 'exit code 1', 'assertion failed: hw <= leo')
    const report = formatReport(h, r)
    expect(report).toContain('- broker-crashed: 2')
    expect(report).toContain('broker 2 exited by itself at 1234 ms (exit code 1, signal null)')
    expect(report).toContain('    {"msg":"assertion failed: hw <= leo"}')
    expect(report).toContain('broker 3 exited by itself at 2000 ms (exit code null, signal SIGABRT); its last lines: none')
  })
})

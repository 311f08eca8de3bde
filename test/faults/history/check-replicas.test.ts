// The replica check on hand-made histories: a follower whose copy differs from the final log below
// its end, or lacks one of its records there, is `replica-diverged`, named with the broker and the
// place; a copy that runs past the final log's end (an uncommitted tail, whatever it holds) passes.
import { describe, expect, it } from 'vitest'
import { checkHistory } from './checker.js'
import { finalLog, history, produce, replicaLog } from './hand-made.js'
import { formatReport } from './report.js'

const OPS = [produce('p1-0', { offset: 0 }), produce('p1-1', { offset: 1, at: [2, 3] }), produce('p1-2', { offset: 2, at: [4, 5] })]
const FINAL = [finalLog(['p1-0', 'p1-1', 'p1-2'])]
const LEADER = replicaLog(1, [[0, 'p1-0'], [1, 'p1-1'], [2, 'p1-2']])

function replicaMessages(r: ReturnType<typeof checkHistory>): string[] {
  expect(Object.entries(r.counts).filter(([kind, n]) => n > 0 && kind !== 'replica-diverged'), JSON.stringify(r.anomalies)).toEqual([])
  return r.anomalies.map((a) => a.message)
}

describe('checkHistory: replica copies against the final log', () => {
  it('copies identical to the final log pass, and are counted', () => {
    const r = checkHistory(history(OPS, FINAL, { replicaLogs: [LEADER, replicaLog(2, [[0, 'p1-0'], [1, 'p1-1'], [2, 'p1-2']])] }))
    expect(r.anomalies).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.totals.replicaLogs).toBe(2)
  })

  it('a follower holding another value below the final log\'s end diverged', () => {
    const r = checkHistory(history(OPS, FINAL, { replicaLogs: [LEADER, replicaLog(3, [[0, 'p1-0'], [1, 'p9-1'], [2, 'p1-2']])] }))
    expect(r.ok).toBe(false)
    expect(r.counts['replica-diverged']).toBe(1)
    const messages = replicaMessages(r)
    expect(messages.some((m) => m.includes('t-0@1') && m.includes('broker 3') && m.includes('p9-1') && m.includes('p1-1')), messages.join('\n')).toBe(true)
    expect(formatReport(history(OPS, FINAL, { replicaLogs: [] }), r)).toContain('- replica-diverged: 1')
  })

  it('a follower lagging with a tail past the final log\'s end passes, whatever the tail holds', () => {
    const tail = replicaLog(2, [[0, 'p1-0'], [1, 'p1-1'], [2, 'p1-2'], [3, 'p7-0'], [4, 'p7-1']])
    const r = checkHistory(history(OPS, FINAL, { replicaLogs: [LEADER, tail] }))
    expect(r.anomalies).toEqual([])
    expect(r.ok).toBe(true)
  })

  it('a follower lacking records below the final log\'s end diverged: one anomaly per run it lacks', () => {
    const five = [...OPS, produce('p1-3', { offset: 3, at: [6, 7] }), produce('p1-4', { offset: 4, at: [8, 9] })]
    const final = [finalLog(['p1-0', 'p1-1', 'p1-2', 'p1-3', 'p1-4'])]
    // Lacks 1..2 in the middle, and ends before the final log does (4 lacking).
    const holey = replicaLog(2, [[0, 'p1-0'], [3, 'p1-3']])
    const r = checkHistory(history(five, final, { replicaLogs: [holey] }))
    expect(r.ok).toBe(false)
    expect(r.counts['replica-diverged']).toBe(2)
    const messages = replicaMessages(r)
    expect(messages.some((m) => m.includes('t-0') && m.includes('broker 2') && m.includes('offsets 1..2 (2 records)')), messages.join('\n')).toBe(true)
    expect(messages.some((m) => m.includes('offset 4,') && m.includes('the copy ends at 4')), messages.join('\n')).toBe(true)
  })

  it('an empty copy of a partition with records lacks them all; a copy of an empty final log passes', () => {
    const r = checkHistory(history(OPS, FINAL, { replicaLogs: [replicaLog(2, [])] }))
    expect(r.counts['replica-diverged']).toBe(1)
    expect(replicaMessages(r)[0]).toContain('offsets 0..2 (3 records)')
    const empty = checkHistory(history([], [finalLog([])], { replicaLogs: [replicaLog(2, [[0, 'p1-0']])] }))
    // p1-0 sits past the empty final log's end: an uncommitted tail (no produce op recorded it: no phantom either, the final log lacks it).
    expect(empty.ok, JSON.stringify(empty.anomalies)).toBe(true)
  })

  it('only the partition compared counts: another partition\'s copy is compared with its own final log', () => {
    const other = replicaLog(2, [[0, 'p1-0'], [1, 'p1-1'], [2, 'p1-2']], { partition: 1 })
    const r = checkHistory(history([...OPS, produce('q-0', { offset: 0, partition: 1 })], [...FINAL, finalLog(['q-0'], { partition: 1 })], { replicaLogs: [LEADER, other] }))
    expect(r.counts['replica-diverged']).toBe(1)
    expect(r.anomalies.map((a) => a.message).join('\n')).toContain('t-1@0')
  })
})

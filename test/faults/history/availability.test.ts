// The checker's figures per fault kind on a hand-made timeline, and the report that prints them.
import { describe, expect, it } from 'vitest'
import { checkHistory } from './checker.js'
import { fault, finalLog, history, produce } from './hand-made.js'
import type { History } from './history.js'
import { formatReport } from './report.js'

/**
 * 0..100 s; kill at 10..20 s and 50..55 s, partition-one-way at 15..30 s; grace 10 s.
 * Acknowledgements (completedMs) at 1, 5, 12, 25, 28, 40, 53.5, 60, 70, 90 s.
 */
function timeline(): History {
  const ok = (n: number, offset: number, ackMs: number, fields = {}) => produce(`v-${n}`, { offset, at: [ackMs - 500, ackMs], ...fields })
  const ops = [
    ok(0, 0, 1_000),
    ok(1, 1, 5_000),
    ok(2, 2, 12_000),
    produce('u-0', { at: [16_000, 26_000] }), // unknown, in both kill and one-way; present twice
    ok(3, 3, 25_000),
    ok(4, 4, 28_000), // lost: offset 4 holds u-0
    produce('w-0', { at: [31_000, 31_500] }), // unknown, no fault active
    ok(5, 5, 40_000),
    produce('f-0', { outcome: 'fail', at: [52_000, 52_100] }),
    produce('l-0', { offset: 6, acks: 'leader', idempotent: false, at: [53_000, 53_500] }), // lost, allowed: offset 6 holds w-0
    ok(6, 7, 60_000),
    ok(7, 8, 70_000),
    ok(8, 9, 90_000),
  ]
  const log = finalLog(['v-0', 'v-1', 'v-2', 'v-3', 'u-0', 'v-5', 'w-0', 'v-6', 'v-7', 'v-8', 'u-0'])
  return history(ops, [log], { startedMs: 0, endedMs: 100_000, faults: [fault('kill', 10_000, 20_000), fault('partition-one-way', 15_000, 30_000), fault('kill', 50_000, 55_000)] })
}

describe('checkHistory: availability per fault kind', () => {
  it('counts the produces invoked in each kind of window, and the longest stretch of each window with writes pending and none acknowledged', () => {
    const result = checkHistory(timeline(), { recoveryGraceMs: 10_000 })
    expect(result.counts).toMatchObject({ lost: 1, duplicate: 1 })
    expect(result.anomalies.map((a) => a.kind).sort()).toEqual(['duplicate', 'lost'])
    expect(result.rows).toEqual([
      // kill windows measured over 10..30 s (no ack 12..25 s, u-0 pending from 16 s: 9 s) and 50..65 s
      // (no ack 40..53.5 s, f-0 and l-0 pending from 52 s: 1.5 s); 4 produces in 15 s of windows
      { kind: 'kill', faults: 2, attempted: 4, acknowledged: 2, lost: 0, duplicated: 1, lostAcksLeader: 1, unavailableMedianMs: 5_250, unavailableMaxMs: 9_000, attemptsPerSec: 0.3 },
      // 15..40 s: 16..25 s and 31..40 s (w-0 pending from 31 s, v-5 until 40 s); 3 in 15 s
      { kind: 'partition-one-way', faults: 1, attempted: 3, acknowledged: 2, lost: 1, duplicated: 1, lostAcksLeader: 0, unavailableMedianMs: 9_000, unavailableMaxMs: 9_000, attemptsPerSec: 0.2 },
      // no window nor grace: 0..10 s (0.5 s pending before each ack), 40..50 s (nothing pending), 65..100 s; 7 in 75 s
      { kind: 'none', faults: 0, attempted: 7, acknowledged: 6, lost: 0, duplicated: 0, lostAcksLeader: 0, unavailableMedianMs: 500, unavailableMaxMs: 500, attemptsPerSec: 0.1 },
    ])
    expect(result.totals).toMatchObject({ attempted: 13, acknowledged: 10, unknown: 2, failed: 1, lost: 1, duplicated: 1, lostAcksLeader: 1 })
  })

  it('the grace is an option, and a window is cut at the end of the history', () => {
    const h = timeline()
    h.faults = [fault('disk-full', 92_000, 95_000)]
    // Nothing pending after 90 s: nobody waited, nothing was unavailable.
    expect(checkHistory(h, { recoveryGraceMs: 20_000 }).rows[0]).toMatchObject({ kind: 'disk-full', attempted: 0, unavailableMaxMs: 0, attemptsPerSec: 0 })
    // A send pending 91..99 s: 92..100 s with a 20 s grace cut at 100 s counts 92..99 s.
    h.ops.push(produce('x-0', { at: [91_000, 99_000] }))
    expect(checkHistory(h, { recoveryGraceMs: 20_000 }).rows[0]).toMatchObject({ kind: 'disk-full', attempted: 0, unavailableMaxMs: 7_000 })
    // Grace 0: only the window itself.
    expect(checkHistory(h, { recoveryGraceMs: 0 }).rows[0]).toMatchObject({ kind: 'disk-full', unavailableMaxMs: 3_000 })
  })

  it('a history without faults has the none row alone', () => {
    const h = timeline()
    h.faults = []
    const rows = checkHistory(h).rows
    expect(rows).toHaveLength(1)
    // 0..100 s with no window: the longest stretch pending without an ack is 16..25 s (or 31..40 s).
    expect(rows[0]).toMatchObject({ kind: 'none', attempted: 13, acknowledged: 10, unavailableMedianMs: 9_000, unavailableMaxMs: 9_000, attemptsPerSec: 0.1 })
  })

  it('measures each partition apart: one down while another acknowledges is down', () => {
    // Partition 0 acknowledges every second; partition 1's sends from 1 s on go unanswered until 20 s.
    const ops = [
      ...Array.from({ length: 25 }, (_, n) => produce(`a-${n}`, { offset: n, at: [n * 1_000, n * 1_000 + 100] })),
      produce('b-0', { partition: 1, offset: 0, at: [0, 100] }),
      ...Array.from({ length: 19 }, (_, n) => produce(`b-${n + 1}`, { partition: 1, at: [(n + 1) * 1_000, (n + 2) * 1_000] })),
      produce('b-20', { partition: 1, offset: 1, at: [19_900, 20_000] }),
    ]
    const logs = [finalLog(Array.from({ length: 25 }, (_, n) => `a-${n}`)), finalLog(['b-0', 'b-20'], { partition: 1 })]
    const result = checkHistory(history(ops, logs, { endedMs: 30_000, faults: [fault('disk-full', 1_000, 19_000)] }), { recoveryGraceMs: 5_000 })
    expect(result.anomalies).toEqual([])
    // Over all partitions together the longest silence would be 0.9 s; partition 1 waited 1..20 s.
    expect(result.rows[0]).toMatchObject({ kind: 'disk-full', attempted: 38, unavailableMaxMs: 19_000, attemptsPerSec: 2.1 })
  })
})

describe('formatReport', () => {
  it('prints the table, the totals, the anomalies and the replay command', () => {
    const h = timeline()
    const report = formatReport(h, checkHistory(h))
    expect(report).toContain('| kind | faults | attempted | acknowledged | lost | duplicated | lost acks=leader (allowed) | unavailable median ms | unavailable max ms | attempts/s |')
    expect(report).toContain('| kill | 2 | 4 | 2 | 0 | 1 | 1 | 5250 | 9000 | 0.3 |')
    expect(report).toContain('| partition-one-way | 1 | 3 | 2 | 1 | 1 | 0 | 9000 | 9000 | 0.2 |')
    expect(report).toContain('| none | 0 | 7 | 6 | 0 | 0 | 0 | 500 | 500 | 0.1 |')
    expect(report).toContain('13 produces attempted, 10 acknowledged (0 as duplicates, without an offset), 2 unknown, 1 failed; 1 lost, 1 duplicated, 1 acks=leader lost (allowed)')
    expect(report).toMatch(/- lost: 1\n {2}- t-0@4: v-4 .* holds u-0/)
    expect(report).toMatch(/- duplicate: 1\n {2}- u-0 .* t-0@4, t-0@10/)
    expect(report.trimEnd().split('\n').at(-1)).toBe('replay: pnpm test:faults --seed 7 --minutes 1.67')
  })

  it('keeps a few messages per kind with the exact count, and says when clean', () => {
    const ops = Array.from({ length: 30 }, (_, n) => produce(`p-${n}`, { offset: n, at: [n, n + 0.5] }))
    const lossy = history(ops, [finalLog([])], { minutes: 30, brokers: 5, mode: 'netns' })
    const result = checkHistory(lossy, { messagesPerKindMax: 3 })
    expect(result.counts.lost).toBe(30)
    const report = formatReport(lossy, result)
    expect(report).toContain('- lost: 30\n')
    expect(report).toContain('  - ... and 27 more')
    expect(report).toContain('replay: pnpm test:faults --seed 7 --minutes 30 --brokers 5 --mode netns')
    const clean = history([produce('p-0', { offset: 0 })], [finalLog(['p-0'])])
    expect(formatReport(clean, checkHistory(clean))).toContain('Anomalies: none.')
  })
})

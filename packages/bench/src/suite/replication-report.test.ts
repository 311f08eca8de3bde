// The replication workload's tables and targets, from results made here (no cluster runs in a test).
import { describe, expect, it } from 'vitest'
import { failoverTable, replicationTable, replicationTargetRows } from './replication-report.js'
import { Results } from './results.js'

const KAFKA = 'kafka 4.1.1 (its perf tools)'
const KAFKA_JS = 'kafka 4.1.1 (kafkajs)'

function sample(): Results {
  const r = new Results()
  r.add('replication', 'faecie', 'RF 1, acks 1', { recordsPerSec: 900_000, p99Ms: 3 })
  for (const rate of [300_000, 400_000, 500_000]) r.add('replication', 'faecie', 'RF 3, acks all', { recordsPerSec: rate, p99Ms: 12 })
  r.add('replication', KAFKA, 'RF 1, acks 1', { recordsPerSec: 600_000, p99Ms: 20 })
  r.add('replication', KAFKA, 'RF 3, acks all', { recordsPerSec: 200_000, p99Ms: 40 })
  r.fail('replication', KAFKA, 'RF 3, acks 1', 'ProducerPerformance timed out')
  r.annotate('replication', 'faecie', 'failover, default session timeout', '--broker-session-timeout-ms 6000')
  for (const ms of [6_500, 6_900, 8_000]) r.add('replication', 'faecie', 'failover, default session timeout', { failoverMs: ms })
  for (const ms of [3_400, 3_100, 3_300]) r.add('replication', 'faecie', 'failover, 2 s session timeout', { failoverMs: ms })
  r.annotate('replication', KAFKA_JS, 'failover, default session timeout', 'broker.session.timeout.ms 9000')
  for (const ms of [9_800, 10_200]) r.add('replication', KAFKA_JS, 'failover, default session timeout', { failoverMs: ms })
  return r
}

describe('replicationTable', () => {
  it('puts each case of faecie beside the peer, with the ratio of the medians', () => {
    const table = replicationTable(sample())
    const lines = table.split('\n')
    expect(lines[0]).toBe(`| case | min.insync.replicas | faecie records/s | faecie p99 ms | ${KAFKA} records/s | ${KAFKA} p99 ms | faecie / ${KAFKA} |`)
    expect(lines).toHaveLength(2 + 4)
    expect(lines[2]).toBe('| RF 1, acks 1 | 1 | 900,000 | 3 | 600,000 | 20 | 1.50x |')
    expect(lines[5]).toBe('| RF 3, acks all | 2 | 400,000 (300,000-500,000) | 12 | 200,000 | 40 | 2.00x |')
    // A case the peer failed says why; one nobody measured is a dash.
    expect(lines[4]).toBe('| RF 3, acks 1 | 2 | - | - | not measured: ProducerPerformance timed out | not measured: ProducerPerformance timed out | - |')
    expect(lines[3]).toBe('| RF 1, acks all | 1 | - | - | - | - | - |')
  })

  it('has no peer columns when only faecie ran, and no failover row among the cases', () => {
    const r = new Results()
    r.add('replication', 'faecie', 'RF 3, acks 1', { recordsPerSec: 1000 })
    r.add('replication', KAFKA_JS, 'failover, default session timeout', { failoverMs: 9000 })
    const table = replicationTable(r)
    expect(table.split('\n')[0]).toBe('| case | min.insync.replicas | faecie records/s | faecie p99 ms |')
    expect(table).not.toContain('failover')
  })
})

describe('failoverTable', () => {
  it('shows the median per session timeout, faecie against its target, the peer beside it', () => {
    const lines = failoverTable(sample()).split('\n')
    expect(lines[2]).toBe('| default | faecie | --broker-session-timeout-ms 6000 | 6,900 (6,500-8,000) | 3 | <= 7,000: yes |')
    expect(lines[3]).toBe(`| default | ${KAFKA_JS} | broker.session.timeout.ms 9000 | 10,000 (9,800-10,200) | 2 | - |`)
    expect(lines[4]).toBe('| 2 s | faecie | - | 3,300 (3,100-3,400) | 3 | <= 3,000: **no** |')
    expect(lines).toHaveLength(5) // the peer has no 2 s row: it was not measured at all
  })
})

describe('replicationTargetRows', () => {
  it('checks RF 3 acks all against Kafka and each failover against its session timeout + 1 s', () => {
    const rows = replicationTargetRows(sample())
    expect(rows.map((t) => t.met)).toEqual(['yes', 'yes', '**no**'])
    expect(rows[0]!.measured).toBe("2.00x Kafka's 200,000 (400,000 records/s)")
    expect(rows[1]!.target).toContain('session timeout 6 s: within 7 s')
    expect(rows[2]!.target).toContain('session timeout 2 s: within 3 s')
    expect(rows[2]!.measured).toBe('3,300 ms')
  })

  it('says not measured without figures', () => {
    expect(replicationTargetRows(new Results()).map((t) => t.met)).toEqual(['not measured', 'not measured', 'not measured'])
  })
})

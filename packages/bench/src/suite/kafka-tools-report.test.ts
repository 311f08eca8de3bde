// The kafka-tools workload's table and targets, from results made here (no broker runs in a test).
import { describe, expect, it } from 'vitest'
import { CONSUME_VARIANT, FAECIE_KAFKA_LISTENER, KAFKA_BROKER, KAFKA_TOOLS_WORKLOAD, kafkaToolsTable, kafkaToolsTargetRows, produceVariant } from './kafka-tools-report.js'
import { Results } from './results.js'

const W = KAFKA_TOOLS_WORKLOAD

function sample(): Results {
  const r = new Results()
  // Measured interleaved: Kafka's run first in the second round.
  for (const [faecie, kafka] of [[300_000, 200_000], [340_000, 260_000]] as const) {
    r.add(W, FAECIE_KAFKA_LISTENER, produceVariant('1'), { recordsPerSec: faecie, mbPerSec: 28.61, avgMs: 10.5, p50Ms: 9, p95Ms: 20, p99Ms: 31, p999Ms: 40, maxMs: 120, brokerCpuUsPerRecord: 2.5 })
    r.add(W, KAFKA_BROKER, produceVariant('1'), { recordsPerSec: kafka, mbPerSec: 19.07, avgMs: 30.25, p50Ms: 25, p95Ms: 60, p99Ms: 90, p999Ms: 99, maxMs: 300 })
  }
  r.add(W, KAFKA_BROKER, produceVariant('all'), { recordsPerSec: 150_000 })
  r.add(W, FAECIE_KAFKA_LISTENER, produceVariant('all'), { recordsPerSec: 100_000 })
  r.fail(W, FAECIE_KAFKA_LISTENER, CONSUME_VARIANT, 'ConsumerPerformance exited with 1: The node does not support JOIN_GROUP')
  r.add(W, KAFKA_BROKER, CONSUME_VARIANT, { recordsPerSec: 900_000, mbPerSec: 85.8 })
  return r
}

describe('kafkaToolsTable', () => {
  it('puts faecie before Kafka in each case, medians with their spread, every run, and the ratio on faecie\'s row', () => {
    const lines = kafkaToolsTable(sample()).split('\n')
    expect(lines[0]).toBe('| case | broker | records/s | MB/s | avg ms | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | broker CPU µs/record | runs | records/s of each run | faecie / Kafka |')
    expect(lines).toHaveLength(2 + 6)
    expect(lines[2]).toBe(`| produce, acks 1 | ${FAECIE_KAFKA_LISTENER} | 320,000 (300,000-340,000) | 28.6 | 10.5 | 9 | 20 | 31 | 40 | 120 | 2.5 | 2 | 300,000, 340,000 | 1.39x |`)
    expect(lines[3]).toBe(`| produce, acks 1 | ${KAFKA_BROKER} | 230,000 (200,000-260,000) | 19.1 | 30.3 | 25 | 60 | 90 | 99 | 300 | - | 2 | 200,000, 260,000 |  |`)
    // A figure the tool does not give is a dash; faecie behind shows a ratio below 1.
    expect(lines[4]).toBe(`| produce, acks all | ${FAECIE_KAFKA_LISTENER} | 100,000 | - | - | - | - | - | - | - | - | 1 | 100,000 | 0.67x |`)
    expect(lines[6]).toContain(`| consume (group) | ${FAECIE_KAFKA_LISTENER} | not measured: ConsumerPerformance exited with 1: The node does not support JOIN_GROUP |`)
    expect(lines[7]).toBe(`| consume (group) | ${KAFKA_BROKER} | 900,000 | 85.8 | - | - | - | - | - | - | - | 1 | 900,000 |  |`)
  })

  it('leaves out a case nobody measured (one side run alone)', () => {
    const r = new Results()
    r.add(W, KAFKA_BROKER, produceVariant('all'), { recordsPerSec: 5 })
    const lines = kafkaToolsTable(r).split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toMatch(/^\| produce, acks all \| kafka [0-9.]+ \| 5 \|/)
  })
})

describe('kafkaToolsTargetRows', () => {
  it('meets a target only when faecie is ahead, and says not measured when a side is missing', () => {
    const [acks1, acksAll] = kafkaToolsTargetRows(sample())
    expect(acks1).toEqual({
      target: "Kafka's ProducerPerformance, 100-byte records, 1 partition, acks 1: faecie's Kafka listener ahead of Kafka's broker",
      measured: '320,000 against 230,000 records/s (1.39x)', met: 'yes',
    })
    expect(acksAll!.met).toBe('**no**')
    expect(acksAll!.measured).toBe('100,000 against 150,000 records/s (0.67x)')
    expect(kafkaToolsTargetRows(new Results()).map((row) => row.met)).toEqual(['not measured', 'not measured'])
  })
})

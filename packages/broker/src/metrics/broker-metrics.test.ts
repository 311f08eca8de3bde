// BrokerMetrics on its own (no broker process; a partition manager with no partitions, so no
// threads): its registry is its own, the per-topic counters and the topic label cap, the op latency
// histogram, fsync reports with their drop count, and the rate series fed by the same calls.
// Scrape-time values against real partitions are tested in test/integration/metrics.test.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { register as globalRegistry } from 'prom-client'
import { afterAll, describe, expect, it } from 'vitest'
import { OffsetWatch } from '../gateway/offset-watch.js'
import { silentLogger } from '../log.js'
import { PartitionManager } from '../partition/partition-manager.js'
import type { TopicService } from '../topics/topic-service.js'
import { BrokerMetrics, OTHER_TOPICS_LABEL } from './broker-metrics.js'

const dataDir = mkdtempSync(join(tmpdir(), 'faecie-metrics-'))
const partitions = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 1 })
// No topics and no groups: what the coordinator-backed TopicService answers on a fresh broker.
const topics = { all: () => [], group: async () => ({ groups: [] }) } as unknown as TopicService

afterAll(async () => {
  await partitions.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

function metrics(options: ConstructorParameters<typeof BrokerMetrics>[0]['options'] = {}): BrokerMetrics {
  return new BrokerMetrics({ partitions, topics, watch: new OffsetWatch(partitions), logger: silentLogger(), options })
}

function value(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

describe('BrokerMetrics', () => {
  it('keeps its metrics in its own registry: two in one process do not collide', async () => {
    const a = metrics()
    const b = metrics()
    a.recordIn('t', 3, 300)
    expect(value(await a.scrape(), 'faecie_records_in_total{topic="t"}')).toBe(3)
    expect(value(await b.scrape(), 'faecie_records_in_total{topic="t"}')).toBeUndefined()
    expect(await globalRegistry.getSingleMetric('faecie_records_in_total')).toBeUndefined()
  })

  it('counts per topic, the first topicLabelsMax topics by name and the rest under _other_', async () => {
    const m = metrics({ topicLabelsMax: 2 })
    m.recordIn('a', 1, 10)
    m.recordIn('b', 2, 20)
    m.recordIn('c', 4, 40)
    m.recordIn('d', 8, 80)
    m.recordIn('a', 16, 160)
    m.recordOut('c', 5, 50)
    const text = await m.scrape()
    expect(value(text, 'faecie_records_in_total{topic="a"}')).toBe(17)
    expect(value(text, 'faecie_bytes_in_total{topic="a"}')).toBe(170)
    expect(value(text, 'faecie_records_in_total{topic="b"}')).toBe(2)
    expect(value(text, `faecie_records_in_total{topic="${OTHER_TOPICS_LABEL}"}`)).toBe(12)
    expect(value(text, 'faecie_records_in_total{topic="c"}')).toBeUndefined()
    expect(value(text, `faecie_records_out_total{topic="${OTHER_TOPICS_LABEL}"}`)).toBe(5)
    const points = m.series.points()
    expect(points.reduce((n, p) => n + p.recordsIn, 0)).toBe(31)
    expect(points.reduce((n, p) => n + p.bytesOut, 0)).toBe(50)
  })

  it('observes request latency per op and fsync reports, counting the dropped', async () => {
    const m = metrics()
    m.observeRequest('produce', 0.002)
    m.observeRequest('produce', 0.004)
    m.observeRequest('notAnOp', 1)
    m.observeFsyncs({ seconds: [0.001, 0.002, 0.003], dropped: 2 })
    const text = await m.scrape()
    expect(value(text, 'faecie_request_duration_seconds_count{op="produce"}')).toBe(2)
    expect(value(text, 'faecie_request_duration_seconds_bucket{le="0.0025",op="produce"}')).toBe(1)
    expect(text).not.toContain('op="notAnOp"')
    expect(value(text, 'faecie_fsync_duration_seconds_count')).toBe(3)
    expect(value(text, 'faecie_fsync_observations_dropped_total')).toBe(2)
    expect(value(text, 'faecie_partitions')).toBe(0)
    expect(value(text, 'faecie_log_size_bytes_all')).toBe(0)
    expect(value(text, 'faecie_consumer_group_lag_omitted')).toBe(0)
  })
})

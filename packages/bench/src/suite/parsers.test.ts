// The peers' tool output parsers, on output captured from the real tools (Kafka 4.1.1,
// redis-benchmark 7.0.15, natscli v0.5.0) on this project's machine.
import { describe, expect, it } from 'vitest'
import { lastJsonLine, parseConsumerPerformance, parseEndToEndLatency, parseNatsBench, parseProducerPerformance, parseRedisBenchmarkCsv } from './parsers.js'

const PRODUCER_PERFORMANCE = `84505 records sent, 16897.6 records/sec (1.61 MB/sec), 15034.8 ms avg latency, 16439.0 ms max latency.
75475 records sent, 15092.0 records/sec (1.44 MB/sec), 15134.3 ms avg latency, 15903.0 ms max latency.
300000 records sent, 7664.0 records/sec (0.73 MB/sec), 13558.73 ms avg latency, 18635.00 ms max latency, 14713 ms 50th, 17660 ms 95th, 18480 ms 99th, 18617 ms 99.9th.
`

// Kafka 4.4.0's ProducerPerformance against faecie's Kafka listener (300,000 records, acks=1).
const PRODUCER_PERFORMANCE_4_4 = `Option --producer-props has been deprecated and will be removed in a future version. Use --command-property instead.
300000 records sent, 65530.799476 records/sec (6.25 MB/sec), 101.12 ms avg latency, 984.00 ms max latency, 57 ms 50th, 433 ms 95th, 447 ms 99th, 452 ms 99.9th.
`

const CONSUMER_PERFORMANCE = `log4j:WARN No appenders could be found for logger (org.apache.kafka.clients.consumer.ConsumerConfig).
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-01 03:10:36:571, 2026-12-01 03:10:44:856, 28.6246, 3.4550, 300151, 36228.2438, 4685, 3600, 7.9513, 83375.2778
`

const END_TO_END = `0\t911.138862
1000\t1.2
Avg latency: 1.2345 ms

Percentiles: 50th = 1, 99th = 3, 99.9th = 12
`

const REDIS_CSV = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"XADD bs * v xxxxxxxxxx","92208.40","32.966","0.592","25.951","77.247","183.295","184.063"
`

const NATS_BENCH = `03:16:35 Starting JetStream asynchronous publisher benchmark [batch=500, clients=1, msg-size=100 B, msgs=200,000, storage=file]
03:16:35 [1] Starting JetStream asynchronous publisher, publishing 200,000 messages

NATS JetStream asynchronous publisher stats: 45,575 msgs/sec ~ 4.3 MiB/sec ~ min: 4,226.14us ~ avg: 10,960.02us ~ max: 53,196.60us ~ P50: 10,207.99us ~ P90: 15,654.33us ~ P99: 22,737.95us ~ P99.9: 53,196.60us
`

describe('parseProducerPerformance', () => {
  it('reads the closing line, not the interim ones', () => {
    expect(parseProducerPerformance(PRODUCER_PERFORMANCE)).toEqual({ recordsPerSec: 7664, mbPerSec: 0.73, avgMs: 13558.73, maxMs: 18635, p50Ms: 14713, p95Ms: 17660, p99Ms: 18480, p999Ms: 18617 })
  })
  it("reads Kafka 4.4's closing line (rates with six decimals)", () => {
    expect(parseProducerPerformance(PRODUCER_PERFORMANCE_4_4)).toEqual({ recordsPerSec: 65530.799476, mbPerSec: 6.25, avgMs: 101.12, maxMs: 984, p50Ms: 57, p95Ms: 433, p99Ms: 447, p999Ms: 452 })
  })
  it('is undefined without a closing line', () => {
    expect(parseProducerPerformance(PRODUCER_PERFORMANCE.split('\n').slice(0, 2).join('\n'))).toBeUndefined()
  })
})

describe('parseConsumerPerformance', () => {
  it('takes the fetch rate (without the group join)', () => {
    expect(parseConsumerPerformance(CONSUMER_PERFORMANCE)).toEqual({ recordsPerSec: 83375.2778, mbPerSec: 7.9513 })
  })
  it('is undefined without the header', () => {
    expect(parseConsumerPerformance('Exception in thread "main"')).toBeUndefined()
  })
})

describe('parseEndToEndLatency', () => {
  it('reads the average and the percentiles', () => {
    expect(parseEndToEndLatency(END_TO_END)).toEqual({ avgMs: 1.2345, p50Ms: 1, p99Ms: 3, p999Ms: 12 })
  })
  it('is undefined when the run ended early', () => {
    expect(parseEndToEndLatency('0\t911.1\n')).toBeUndefined()
  })
})

describe('parseRedisBenchmarkCsv', () => {
  it('reads rps and latencies by column name', () => {
    expect(parseRedisBenchmarkCsv(REDIS_CSV)).toEqual({ recordsPerSec: 92208.4, p50Ms: 25.951, p99Ms: 183.295, maxMs: 184.063 })
  })
  it('is undefined for an error', () => {
    expect(parseRedisBenchmarkCsv('Could not connect to Redis at 127.0.0.1:1: Connection refused')).toBeUndefined()
  })
})

describe('parseNatsBench', () => {
  it('reads the rate, the MiB/s and the latencies in microseconds', () => {
    const figures = parseNatsBench(NATS_BENCH)!
    expect(figures.recordsPerSec).toBe(45_575)
    expect(figures.mbPerSec).toBeCloseTo(4.3)
    expect(figures.p50Ms).toBeCloseTo(10.20799)
    expect(figures.p99Ms).toBeCloseTo(22.73795)
    expect(figures.p999Ms).toBeCloseTo(53.1966)
    expect(figures.maxMs).toBeCloseTo(53.1966)
  })
  it('takes the last stats line (the aggregate) and converts KB/s', () => {
    const output = 'Pub stats: 1,000 msgs/sec ~ 100 KB/sec\nPub stats: 2,000 msgs/sec ~ 200 KB/sec\n'
    expect(parseNatsBench(output)).toEqual({ recordsPerSec: 2000, mbPerSec: 200 / 1024 })
  })
  it('is undefined without a stats line', () => {
    expect(parseNatsBench('nats: error: could not connect')).toBeUndefined()
  })
})

describe('lastJsonLine', () => {
  it('parses the last line that starts with the prefix, past progress and log lines', () => {
    const output = 'connecting\n{"records":1,"p50Ms":2}\nprogress 50%\n{"records":3,"p50Ms":4}\n{"level":30}\n'
    expect(lastJsonLine(output, '{"records"', 'peer')).toEqual({ records: 3, p50Ms: 4 })
  })
  it('throws naming the tool, with the output\'s tail, when no line starts with the prefix', () => {
    expect(() => lastJsonLine('boom: no broker\n', '{"records"', 'the latency process')).toThrow(/^the latency process printed no result: boom: no broker/)
  })
})

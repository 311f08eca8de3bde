// Apache Kafka in the bench suite, two ways: at its best, driven by its own tools
// (ProducerPerformance, ConsumerPerformance, EndToEndLatency, each a JVM of its own, output parsed),
// and as a Node user sees it, driven by kafkajs through the suite's produce and latency loops.
// Topics are made (and deleted) with kafkajs's admin. The broker's RSS is sampled throughout. The
// replication workload runs on three-broker clusters of its own (replication-kafka.ts).
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, latencyLoop, produceLoop, within } from '../suite/harness.js'
import { parseConsumerPerformance, parseEndToEndLatency, parseProducerPerformance } from '../suite/parsers.js'
import { RssSampler, runTool, tail } from '../suite/processes.js'
import type { Figures } from '../suite/results.js'
import { OWN_BROKER_WORKLOADS } from '../suite/profile.js'
import { installKafka, javaArgs, KAFKA_VERSION, startKafka } from './kafka-server.js'
import { benchKafkaReplication } from './replication-kafka.js'

export const KAFKA_TOOLS = `kafka ${KAFKA_VERSION} (its perf tools)`
export const KAFKA_JS = `kafka ${KAFKA_VERSION} (kafkajs)`
const KAFKAJS_BATCH_RECORDS = 1000
const KAFKAJS_WINDOW = 8
const TOPIC_READY_MS = 120_000
/** Kafka at its best: batches as large as faecie's client makes by default (1 MiB, linger 5 ms), not Kafka's 16 KiB. */
export const KAFKA_PRODUCER_PROPS = ['batch.size=1048576', 'linger.ms=5']

/**
 * Waits until every partition of a new topic has a leader. kafkajs's own waitForLeaders gives up
 * with "This server does not host this topic-partition" while the broker is still busy with an
 * earlier topic (a deletion of 1,000 partitions), so this polls the metadata, errors included.
 */
async function leadersElected(admin: ReturnType<Kafka['admin']>, topic: string, partitions: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
      const led = topics[0]?.partitions.filter((p) => p.leader >= 0 && p.partitionErrorCode === 0).length ?? 0
      if (led >= partitions) return
      last = `${led} of ${partitions} partitions have a leader`
    } catch (err) {
      last = String(err)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`topic ${topic} not ready within ${timeoutMs} ms: ${last}`)
}

/** The single-broker workloads chosen (on one broker), then the replication workload (on clusters of its own). */
export async function benchKafka(context: SuiteContext): Promise<void> {
  const classpath = await installKafka(context.cacheDir, context.log)
  if (OWN_BROKER_WORKLOADS.some((w) => context.workloads.has(w))) await benchKafkaSingle(context, classpath)
  if (context.workloads.has('replication')) await benchKafkaReplication(context, classpath)
}

async function benchKafkaSingle(context: SuiteContext, classpath: string): Promise<void> {
  const { profile, workloads, results } = context
  const broker = await startKafka(classpath)
  const rss = new RssSampler(broker.process.pid)
  const kafka = new Kafka({ clientId: 'faecie-bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 10_000, requestTimeout: 60_000 })
  const admin = kafka.admin()
  const timeoutMs = profile.toolTimeoutMs
  let seq = 0
  const withTopic = async <T>(partitions: number, config: Record<string, string>, work: (topic: string) => Promise<T>): Promise<T> => {
    const topic = `bench-${++seq}`
    await within(60_000, 'kafka createTopics', admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }],
      waitForLeaders: false,
      timeout: 60_000,
    }))
    await leadersElected(admin, topic, partitions, TOPIC_READY_MS)
    try {
      return await work(topic)
    } finally {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 }).catch(() => undefined)
    }
  }
  const tool = async (main: string, args: string[]): Promise<string> => {
    const run = await runTool('java', javaArgs(classpath, `org.apache.kafka.tools.${main}`, args), timeoutMs)
    if (run.timedOut) throw new Error(`${main} timed out after ${timeoutMs} ms: ${tail(run.output)}`)
    if (run.code !== 0) throw new Error(`${main} exited with ${String(run.code)}: ${tail(run.output)}`)
    return run.output
  }
  const producerPerf = async (topic: string, records: number, recordBytes: number, acks: string): Promise<Figures> => {
    const output = await tool('ProducerPerformance', ['--topic', topic, '--num-records', String(records), '--record-size', String(recordBytes), '--throughput', '-1',
      '--command-property', `bootstrap.servers=${broker.bootstrap}`, `acks=${acks}`, ...KAFKA_PRODUCER_PROPS])
    const figures = parseProducerPerformance(output)
    if (figures === undefined) throw new Error(`no result line from ProducerPerformance: ${tail(output)}`)
    return figures
  }
  const consumerPerf = async (topic: string, records: number): Promise<Figures> => {
    const output = await tool('ConsumerPerformance', ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--num-records', String(records), '--timeout', String(timeoutMs)])
    const figures = parseConsumerPerformance(output)
    if (figures === undefined) throw new Error(`no result from ConsumerPerformance: ${tail(output)}`)
    return figures
  }
  const nodeRecords = (n: number): number => Math.max(1, Math.round(n * profile.nodePeerShare))
  const kafkajsProduce = async (topic: string, records: number, recordBytes: number, acks: number): Promise<Figures> => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
    await within(30_000, 'kafkajs connect', producer.connect())
    try {
      return figuresOf(await within(timeoutMs, 'kafkajs produce', produceLoop({
        records, recordBytes, batchRecords: KAFKAJS_BATCH_RECORDS, windowBatches: KAFKAJS_WINDOW,
        send: (values) => producer.send({ topic, acks, messages: values.map((value) => ({ value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) })) }),
      })))
    } finally {
      await producer.disconnect().catch(() => undefined)
    }
  }
  try {
    await within(60_000, 'kafka admin connect', admin.connect())
    if (workloads.has('throughput')) {
      await measure(context, { workload: 'throughput', system: KAFKA_TOOLS, variant: 'produce' }, () => withTopic(1, {}, async (topic) => {
        const produced = await producerPerf(topic, profile.smallRecords, 100, '1')
        try {
          results.add('throughput', KAFKA_TOOLS, 'consume', await consumerPerf(topic, profile.smallRecords))
        } catch (err) {
          results.fail('throughput', KAFKA_TOOLS, 'consume', String(err))
        }
        return produced
      }))
      await measure(context, { workload: 'throughput', system: KAFKA_JS, variant: 'produce' }, () => withTopic(1, {}, async (topic) => {
        const records = nodeRecords(profile.smallRecords)
        const produced = await kafkajsProduce(topic, records, 100, 1)
        try {
          results.add('throughput', KAFKA_JS, 'consume', await kafkajsConsume(kafka, topic, records, timeoutMs))
        } catch (err) {
          results.fail('throughput', KAFKA_JS, 'consume', String(err))
        }
        return produced
      }))
    }
    if (workloads.has('kb16')) {
      await measure(context, { workload: 'kb16', system: KAFKA_TOOLS, variant: 'produce' }, () => withTopic(profile.kbPartitions, {}, (topic) => producerPerf(topic, profile.kbRecords, 1024, '1')))
      await measure(context, { workload: 'kb16', system: KAFKA_JS, variant: 'produce' }, () => withTopic(profile.kbPartitions, {}, (topic) => kafkajsProduce(topic, nodeRecords(profile.kbRecords), 1024, 1)))
    }
    if (workloads.has('partitions')) {
      for (const partitions of profile.partitionCounts) {
        // One topic per point for all its runs (a topic of 1,000 partitions takes long to make).
        await withTopic(partitions, {}, (topic) =>
          measure(context, { workload: 'partitions', system: KAFKA_TOOLS, variant: `keyless, ${partitions}` }, () => producerPerf(topic, profile.partitionRecords, 100, '1')))
      }
    }
    if (workloads.has('latency')) {
      await measure(context, { workload: 'latency', system: KAFKA_TOOLS, variant: 'EndToEndLatency, one record at a time' }, () => withTopic(1, {}, async (topic) => {
        const output = await tool('EndToEndLatency', [broker.bootstrap, topic, String(profile.kafkaEndToEndRecords), '1', '100'])
        const figures = parseEndToEndLatency(output)
        if (figures === undefined) throw new Error(`no result from EndToEndLatency: ${tail(output)}`)
        return { p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, p999Ms: figures.p999Ms }
      }))
      await measure(context, { workload: 'latency', system: KAFKA_JS, variant: `${profile.latencyRate} records/s` }, () => withTopic(1, {}, (topic) =>
        kafkajsLatency(kafka, topic, nodeRecords(profile.latencyRecords), profile.latencyRate, timeoutMs)))
    }
    if (workloads.has('durable')) {
      await measure(context, { workload: 'durable', system: KAFKA_TOOLS, variant: 'acks all' }, () => withTopic(1, {}, (topic) => producerPerf(topic, profile.durableRecords, 100, 'all')))
      // An fsync for every append: a tenth of the records, or the run takes minutes.
      await measure(context, { workload: 'durable', system: KAFKA_TOOLS, variant: 'acks all, flush.messages=1 (fsync)' }, () => withTopic(1, { 'flush.messages': '1' }, (topic) => producerPerf(topic, Math.max(1, Math.round(profile.durableRecords / 10)), 100, 'all')))
    }
  } finally {
    results.rss(`kafka ${KAFKA_VERSION}`, rss.stop())
    await admin.disconnect().catch(() => undefined)
    await broker.process.stop()
  }
}

/** Reads `records` records back from the start with a kafkajs consumer (eachBatch); records/s. */
async function kafkajsConsume(kafka: Kafka, topic: string, records: number, timeoutMs: number): Promise<Figures> {
  const consumer = kafka.consumer({ groupId: `bench-${topic}`, maxBytes: 16 * 1024 * 1024 })
  let seen = 0
  let bytes = 0
  let finish!: () => void
  const done = new Promise<void>((resolve) => (finish = resolve))
  try {
    await within(30_000, 'kafkajs consumer connect', consumer.connect())
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const startMs = performance.now()
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) bytes += m.value?.byteLength ?? 0
        seen += batch.messages.length
        if (seen >= records) finish()
      },
    })
    await within(timeoutMs, `kafkajs consume (${seen} of ${records})`, done)
    const seconds = (performance.now() - startMs) / 1000
    return { recordsPerSec: Math.round(seen / seconds), mbPerSec: Math.round((bytes / 1024 / 1024 / seconds) * 1000) / 1000 }
  } finally {
    await consumer.disconnect().catch(() => undefined)
  }
}

/** End-to-end latency through kafkajs at a fixed rate (acks 1, one consumer reading as records come). */
async function kafkajsLatency(kafka: Kafka, topic: string, records: number, rate: number, timeoutMs: number): Promise<Figures> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  const consumer = kafka.consumer({ groupId: `bench-latency-${topic}`, maxWaitTimeInMs: 100 })
  try {
    await within(30_000, 'kafkajs connect', Promise.all([producer.connect(), consumer.connect()]))
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const loop = latencyLoop({
      records, rate, recordBytes: 100, timeoutMs,
      send: (values) => producer.send({ topic, acks: 1, messages: values.map((v) => ({ value: Buffer.from(v.buffer, v.byteOffset, v.byteLength) })) }),
    })
    let joined!: () => void
    const ready = new Promise<void>((resolve) => (joined = resolve))
    consumer.on(consumer.events.GROUP_JOIN, () => joined())
    await consumer.run({ eachBatch: async ({ batch }) => { for (const m of batch.messages) if (m.value !== null) loop.delivered(m.value) } })
    await within(30_000, 'kafkajs group join', ready)
    return figuresOf(await loop.run())
  } finally {
    await Promise.all([producer.disconnect(), consumer.disconnect()].map((p) => p.catch(() => undefined)))
  }
}


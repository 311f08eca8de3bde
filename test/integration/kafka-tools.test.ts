// Kafka's own command line tools (the Java classes behind kafka-topics.sh, kafka-console-producer.sh
// and kafka-console-consumer.sh, from the cached Kafka 4.4 jars) against the broker's Kafka
// listener: the quick start (create a topic, produce, consume partition 0 from the earliest
// offset, the offsets by kafka-get-offsets), topic and config administration, kafka-delete-records, and records crossing protocols (the faecie CLI produces, Kafka's console consumer reads).
import { writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureJava, ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'
import { kafkaPortOf, runKafkaTool, storedCompressionCodes, type ToolRun } from '../support/kafka-protocol.js'
import { removeTempDir, writeTempFile } from '../support/temp-dir.js'

const TOOL_TIMEOUT_MS = 120_000

let broker: BrokerProcess
let bootstrap: string

beforeAll(async () => {
  ensureJava()
  ensureKafkaClasspath()
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
}, KAFKA_FETCH_TIMEOUT_MS + INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await broker?.stop()
})

/** stdout without the SLF4J notices the tools print when no logger is bound. */
function output(run: ToolRun): string[] {
  return run.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('SLF4J'))
}

async function tool(mainClass: string, args: string[], input = ''): Promise<string[]> {
  // kafka-cluster takes its subcommand before the options.
  const [first, ...rest] = args
  const argv = mainClass.endsWith('.ClusterTool') ? [first!, '--bootstrap-server', bootstrap, ...rest] : ['--bootstrap-server', bootstrap, ...args]
  const run = await runKafkaTool(mainClass, argv, input, TOOL_TIMEOUT_MS)
  expect(run.status, `${mainClass} ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0)
  return output(run)
}

const consume = (topic: string, count: number): Promise<string[]> => tool('org.apache.kafka.tools.consumer.ConsoleConsumer',
  ['--topic', topic, '--partition', '0', '--offset', 'earliest', '--max-messages', String(count)])

describe("Kafka's own tools against the Kafka listener", () => {
  it('runs the quick start: kafka-topics --create, the console producer, the console consumer by partition and offset', async () => {
    expect(await tool('org.apache.kafka.tools.TopicCommand', ['--create', '--topic', 'quickstart-events'])).toContain('Created topic quickstart-events.')
    const again = await runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--create', '--topic', 'quickstart-events'], '', TOOL_TIMEOUT_MS)
    expect(again.status).not.toBe(0)
    expect(`${again.stdout}${again.stderr}`).toContain('already exists')

    await tool('org.apache.kafka.tools.ConsoleProducer', ['--topic', 'quickstart-events'], 'This is my first event\nThis is my second event\n')
    expect(await consume('quickstart-events', 2)).toEqual(['This is my first event', 'This is my second event'])

    const offsets = 'org.apache.kafka.tools.GetOffsetShell'
    expect(await tool(offsets, ['--topic', 'quickstart-events', '--time', '-1'])).toEqual(['quickstart-events:0:2'])
    expect(await tool(offsets, ['--topic', 'quickstart-events', '--time', '-2'])).toEqual(['quickstart-events:0:0'])
    expect(await tool(offsets, ['--topic', 'quickstart-events', '--time', '1000'])).toEqual(['quickstart-events:0:0'])
  }, 8 * TOOL_TIMEOUT_MS)

  it('grows a topic, describes it, and alters and describes its config with kafka-topics, kafka-configs and kafka-cluster', async () => {
    const topics = 'org.apache.kafka.tools.TopicCommand'
    const configs = 'org.apache.kafka.tools.ConfigCommand'
    await tool(topics, ['--create', '--topic', 'admin-events', '--config', 'retention.ms=1000'])
    await tool(topics, ['--alter', '--topic', 'admin-events', '--partitions', '3'])
    const described = await tool(topics, ['--describe', '--topic', 'admin-events'])
    expect(described[0]).toMatch(/^Topic: admin-events\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=1000$/)
    expect(described.slice(1).map((line) => line.trim().split('\t').slice(1, 5))).toEqual([0, 1, 2].map((p) => [`Partition: ${p}`, 'Leader: 0', 'Replicas: 0', 'Isr: 0']))

    await tool(configs, ['--alter', '--entity-type', 'topics', '--entity-name', 'admin-events', '--add-config', 'retention.ms=5000,cleanup.policy=compact'])
    await tool(configs, ['--alter', '--entity-type', 'topics', '--entity-name', 'admin-events', '--delete-config', 'cleanup.policy'])
    const config = await tool(configs, ['--describe', '--entity-type', 'topics', '--entity-name', 'admin-events'])
    expect(config.join('\n')).toContain('retention.ms=5000')
    expect(config.join('\n')).not.toContain('cleanup.policy=compact')

    const clusterId = await tool('org.apache.kafka.tools.ClusterTool', ['cluster-id'])
    expect(clusterId).toEqual([expect.stringMatching(/^Cluster ID: [0-9a-f-]{36}$/)])
  }, 8 * TOOL_TIMEOUT_MS)

  it("keeps the Java producer's compressed batches as they are and serves them back", async () => {
    for (const [codec, code] of [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]] as const) {
      const topic = `java-${codec}`
      expect((await runCli(['topics', 'create', '--topic', topic], { env: { FAECIE_BROKER: broker.url } })).code).toBe(0)
      const lines = Array.from({ length: 20 }, (_, i) => `${codec}-${i}-${'y'.repeat(500)}`)
      await tool('org.apache.kafka.tools.ConsoleProducer', ['--topic', topic, '--compression-codec', codec, '--command-property', 'linger.ms=1000'],
        `${lines.join('\n')}\n`)
      const codes = storedCompressionCodes(broker.dataDir, topic, 0)
      expect(codes.length, codec).toBeGreaterThan(0)
      expect(new Set(codes), codec).toEqual(new Set([code]))
      expect(await consume(topic, lines.length)).toEqual(lines)
    }
  }, 10 * TOOL_TIMEOUT_MS)

  it('deletes records with kafka-delete-records: the low watermark moves, the console consumer starts there', async () => {
    const topic = 'trimmed-events'
    await tool('org.apache.kafka.tools.TopicCommand', ['--create', '--topic', topic])
    const lines = Array.from({ length: 6 }, (_, i) => `event-${i}`)
    await tool('org.apache.kafka.tools.ConsoleProducer', ['--topic', topic], `${lines.join('\n')}\n`)
    const file = writeTempFile('kafka-delete-records', 'offsets.json', { partitions: [{ topic, partition: 0, offset: 4 }], version: 1 })
    try {
      const deleted = await tool('org.apache.kafka.tools.DeleteRecordsCommand', ['--offset-json-file', file])
      expect(deleted).toContain(`partition: ${topic}-0\tlow_watermark: 4`)
      // Past the high watermark: Kafka's tool reports the partition's error and the start stays.
      writeFileSync(file, JSON.stringify({ partitions: [{ topic, partition: 0, offset: 7 }], version: 1 }))
      const past = await runKafkaTool('org.apache.kafka.tools.DeleteRecordsCommand', ['--bootstrap-server', bootstrap, '--offset-json-file', file], '', TOOL_TIMEOUT_MS)
      expect(`${past.stdout}${past.stderr}`).toMatch(/OffsetOutOfRange/)
    } finally {
      removeTempDir(dirname(file))
    }
    expect(await tool('org.apache.kafka.tools.GetOffsetShell', ['--topic', topic, '--time', '-2'])).toEqual([`${topic}:0:4`])
    expect(await consume(topic, 2)).toEqual(lines.slice(4))
  }, 8 * TOOL_TIMEOUT_MS)

  it("reads with Kafka's console consumer what the faecie CLI produced", async () => {
    const env = { FAECIE_BROKER: broker.url }
    expect((await runCli(['topics', 'create', '--topic', 'from-faecie'], { env })).code).toBe(0)
    expect((await runCli(['produce', '--topic', 'from-faecie'], { env, stdin: 'one\ntwo\nthree\n' })).code).toBe(0)
    expect(await consume('from-faecie', 3)).toEqual(['one', 'two', 'three'])
  }, 2 * TOOL_TIMEOUT_MS)
})

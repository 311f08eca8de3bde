// Kafka's own console consumer in consumer groups (Kafka 4.4's jars; classic group protocol, its
// default) against the broker's Kafka listener: Kafka's quick start exactly as its page writes it
// (kafka-topics --create and --describe, kafka-console-producer, kafka-console-consumer
// --from-beginning, which joins a generated group), and `--group G` reading what the console producer wrote, going on from
// its committed offsets next time, the offsets and lag shown by kafka-consumer-groups --describe,
// and rewound by kafka-consumer-groups --reset-offsets --execute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { killClientProcesses, startClientProcess } from '../support/client-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureJava, ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'
import { kafkaPortOf, runKafkaTool, type ToolRun } from '../support/kafka-protocol.js'
import { waitFor } from '../support/wait-for.js'

const TOOL_TIMEOUT_MS = 120_000
const TOPICS = 'org.apache.kafka.tools.TopicCommand'
const PRODUCER = 'org.apache.kafka.tools.ConsoleProducer'
const CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleConsumer'
const GROUPS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'

let broker: BrokerProcess
let bootstrap: string
let java: string
let classpath: string

beforeAll(async () => {
  java = ensureJava()
  classpath = ensureKafkaClasspath()
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
}, KAFKA_FETCH_TIMEOUT_MS + INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await killClientProcesses()
  await broker?.stop()
}, 60_000)

/** stdout without the SLF4J notices the tools print when no logger is bound. */
const output = (run: ToolRun): string[] => run.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('SLF4J'))

/** Runs one of Kafka's tools with exactly `args` (the test writes --bootstrap-server where the page does). */
async function tool(mainClass: string, args: string[], input = ''): Promise<string[]> {
  const run = await runKafkaTool(mainClass, args, input, TOOL_TIMEOUT_MS)
  expect(run.status, `${mainClass} ${args.join(' ')}\n${run.stdout}\n${run.stderr}\nbroker:\n${broker.logs().slice(-30).join('\n')}`).toBe(0)
  return output(run)
}

interface GroupRow { topic: string; partition: number; current: string; end: number; lag: string }

/** kafka-consumer-groups --describe's rows (GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...). */
async function describeGroup(group: string): Promise<GroupRow[]> {
  const lines = await tool(GROUPS, ['--bootstrap-server', bootstrap, '--describe', '--group', group])
  return lines.filter((line) => line.startsWith(`${group} `)).map((line) => {
    const [, topic, partition, current, end, lag] = line.trim().split(/\s+/)
    return { topic: topic!, partition: Number(partition), current: current!, end: Number(end), lag: lag! }
  }).sort((x, y) => x.partition - y.partition)
}

describe("Kafka's console consumer in groups against the Kafka listener", () => {
  it("runs Kafka's quick start as written: the console consumer --from-beginning joins a generated group and reads both events", async () => {
    expect(await tool(TOPICS, ['--create', '--topic', 'quickstart-events', '--bootstrap-server', bootstrap])).toContain('Created topic quickstart-events.')
    const described = await tool(TOPICS, ['--describe', '--topic', 'quickstart-events', '--bootstrap-server', bootstrap])
    expect(described[0]).toMatch(/^Topic: quickstart-events\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\t/)
    await tool(PRODUCER, ['--topic', 'quickstart-events', '--bootstrap-server', bootstrap], 'This is my first event\nThis is my second event\n')
    const consumer = startClientProcess('kafka-console-consumer', java, ['-Xmx256M', '-XX:TieredStopAtLevel=1', '-cp', classpath, CONSUMER,
      '--topic', 'quickstart-events', '--from-beginning', '--bootstrap-server', bootstrap])
    const why = (): string => `${consumer.describe()}\nbroker:\n${broker.logs().slice(-30).join('\n')}`
    const events = (): string[] => consumer.stdout().filter((line) => !line.startsWith('SLF4J'))
    await waitFor('the console consumer to print both events', () => events().length >= 2 || consumer.running === false, { timeoutMs: TOOL_TIMEOUT_MS })
      .catch((err: Error) => { throw new Error(`${err.message}\n${why()}`) })
    expect(events(), why()).toEqual(['This is my first event', 'This is my second event'])
    // It consumes as a member of a group of its own (console-consumer-NNNNN), as on Kafka.
    const groups = await tool(GROUPS, ['--bootstrap-server', bootstrap, '--list'])
    expect(groups.filter((g) => /^console-consumer-\d+$/.test(g)), groups.join('\n')).toHaveLength(1)
    // Ctrl-C: it leaves its group and says how many it processed.
    await consumer.stop('SIGINT')
    expect(consumer.stderr().join('\n'), why()).toContain('Processed a total of 2 messages')
  }, 6 * TOOL_TIMEOUT_MS)

  it('--group G reads what the console producer wrote, commits, goes on from its commits; kafka-consumer-groups --describe shows offsets and lag', async () => {
    const topic = 'console-grouped'
    const group = 'console-group-1'
    await tool(TOPICS, ['--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', '2'])
    const first = Array.from({ length: 6 }, (_, i) => `first-${i}`)
    await tool(PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic], `${first.join('\n')}\n`)
    const read = await tool(CONSUMER, ['--bootstrap-server', bootstrap, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', '6'])
    expect([...read].sort()).toEqual(first)

    const afterFirst = await describeGroup(group)
    expect(afterFirst.map((r) => [r.topic, r.partition])).toEqual([[topic, 0], [topic, 1]])
    expect(afterFirst.reduce((n, r) => n + Number(r.current), 0)).toBe(6)
    expect(afterFirst.map((r) => [Number(r.current), r.lag])).toEqual(afterFirst.map((r) => [r.end, '0']))

    const second = Array.from({ length: 3 }, (_, i) => `second-${i}`)
    await tool(PRODUCER, ['--bootstrap-server', bootstrap, '--topic', topic], `${second.join('\n')}\n`)
    const lagging = await describeGroup(group)
    expect(lagging.reduce((n, r) => n + Number(r.lag), 0)).toBe(3)

    // Without --from-beginning, the group goes on from its committed offsets: only the new records.
    const next = await tool(CONSUMER, ['--bootstrap-server', bootstrap, '--topic', topic, '--group', group, '--max-messages', '3'])
    expect([...next].sort()).toEqual(second)
    const caughtUp = await describeGroup(group)
    expect(caughtUp.map((r) => [Number(r.current), r.lag])).toEqual(caughtUp.map((r) => [r.end, '0']))
    expect(caughtUp.reduce((n, r) => n + r.end, 0)).toBe(9)

    // kafka-consumer-groups --reset-offsets --to-earliest --execute: the group reads everything again.
    await tool(GROUPS, ['--bootstrap-server', bootstrap, '--reset-offsets', '--group', group, '--topic', topic, '--to-earliest', '--execute'])
    expect((await describeGroup(group)).map((r) => [r.partition, r.current])).toEqual([[0, '0'], [1, '0']])
    const again = await tool(CONSUMER, ['--bootstrap-server', bootstrap, '--topic', topic, '--group', group, '--max-messages', '9'])
    expect([...again].sort()).toEqual([...first, ...second].sort())
  }, 10 * TOOL_TIMEOUT_MS)
})

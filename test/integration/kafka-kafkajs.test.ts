// kafkajs (npm, unchanged) against the broker's Kafka listener: topics made with its admin client,
// produce with every compression codec (the stored batches keep the codec: read from the segment
// files; kcat reads them back), an idempotent producer (producer id and sequences kept in the stored
// batches), a consumer reading a batch of each codec back, and a consumer group on a 4-partition
// topic that rebalances when a second member joins and when it leaves: every record consumed exactly
// once across the members, offsets committed and read back with kafkajs's admin client.
import type { Admin, Consumer, EachMessagePayload, Producer } from 'kafkajs'
import { CompressionTypes } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKcat, kafkaPortOf, runTool } from '../support/kafka-protocol.js'
import { boundedClose, loggedKafka, registerKafkajsCodecs, type LoggedKafka } from '../support/kafkajs.js'
import { storedBatches } from '../support/stored-batches.js'
import { waitFor } from '../support/wait-for.js'

/** Waits on the clients (joins, rebalances, records arriving): generous, the machine is shared. */
const CLIENT_WAIT_MS = 90_000
const TEST_TIMEOUT_MS = 5 * CLIENT_WAIT_MS

let broker: BrokerProcess
let bootstrap: string
let kcat: string
let client: LoggedKafka
let admin: Admin
const producers: Producer[] = []
const consumers: Consumer[] = []

beforeAll(async () => {
  kcat = ensureKcat()
  await registerKafkajsCodecs()
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
  client = loggedKafka(bootstrap, 'kafkajs-test')
  admin = client.kafka.admin()
  await admin.connect()
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  for (const consumer of consumers) await boundedClose(() => consumer.disconnect())
  for (const producer of producers) await boundedClose(() => producer.disconnect())
  if (admin !== undefined) await boundedClose(() => admin.disconnect())
  await broker?.stop()
}, 120_000)

/** kafkajs's own log and the broker's last lines, for a failure message. */
function logs(): string {
  return `kafkajs:\n${client.logs.slice(-60).join('\n')}\nbroker:\n${broker.logs().slice(-40).join('\n')}`
}

async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  expect(await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true }), logs()).toBe(true)
}

async function producer(options: Parameters<LoggedKafka['kafka']['producer']>[0] = {}): Promise<Producer> {
  const made = client.kafka.producer(options)
  producers.push(made)
  await made.connect()
  return made
}

async function kcatRead(topic: string, partition: number): Promise<string[]> {
  const run = await runTool(kcat, ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-f', '%s\n'])
  expect(run.status, run.stderr).toBe(0)
  return run.stdout.split('\n').filter((line) => line !== '')
}

describe('kafkajs producers against the Kafka listener', () => {
  const codecs = [['none', CompressionTypes.None, 0], ['gzip', CompressionTypes.GZIP, 1], ['snappy', CompressionTypes.Snappy, 2],
    ['lz4', CompressionTypes.LZ4, 3], ['zstd', CompressionTypes.ZSTD, 4]] as const
  for (const [name, compression, code] of codecs) {
    it(`keeps kafkajs's ${name} batches as they are (compression bits ${code}); kcat reads them back`, async () => {
      const topic = `kafkajs-${name}`
      await createTopic(topic)
      const lines = Array.from({ length: 50 }, (_, i) => `record-${i}-${'z'.repeat(1000)}`)
      const sent = await (await producer()).send({ topic, compression, acks: -1, messages: lines.map((value) => ({ value })) })
      expect(sent.map((r) => [r.partition, r.errorCode, r.baseOffset]), logs()).toEqual([[0, 0, '0']])
      const batches = storedBatches(broker.dataDir, topic, 0)
      expect(batches.map((b) => [b.baseOffset, b.records, b.compression])).toEqual([[0, 50, code]])
      expect(await kcatRead(topic, 0)).toEqual(lines)
    }, TEST_TIMEOUT_MS)
  }

  it('an idempotent producer gets a producer id; its batches keep it with their sequences, each written once', async () => {
    const topic = 'kafkajs-idempotent'
    await createTopic(topic)
    const first = await producer({ idempotent: true, maxInFlightRequests: 1 })
    const sizes = [5, 3, 7]
    let n = 0
    for (const size of sizes) {
      const messages = Array.from({ length: size }, () => ({ key: `k${n}`, value: `v${n++}` }))
      const sent = await first.send({ topic, acks: -1, messages })
      expect(sent[0]?.errorCode, logs()).toBe(0)
    }
    const second = await producer({ idempotent: true, maxInFlightRequests: 1 })
    await second.send({ topic, acks: -1, messages: [{ value: `v${n++}` }] })

    const batches = storedBatches(broker.dataDir, topic, 0)
    expect(batches.map((b) => [b.baseOffset, b.records, b.baseSequence, b.producerEpoch])).toEqual([[0, 5, 0, 0], [5, 3, 5, 0], [8, 7, 8, 0], [15, 1, 0, 0]])
    const ids = batches.map((b) => b.producerId)
    expect(ids[0]).toBeGreaterThanOrEqual(0n)
    expect(new Set(ids.slice(0, 3))).toEqual(new Set([ids[0]]))
    expect(ids[3]).not.toBe(ids[0])
    expect(await kcatRead(topic, 0)).toEqual(Array.from({ length: n }, (_, i) => `v${i}`))
  }, TEST_TIMEOUT_MS)
})

describe('a kafkajs consumer reading compressed batches', () => {
  it('reads back a batch of every codec in order, decompressing each', async () => {
    const topic = 'kafkajs-codecs-read'
    await createTopic(topic)
    const sender = await producer()
    const codecs = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]
    const lines = codecs.flatMap((_, c) => Array.from({ length: 10 }, (__, i) => `codec-${c}-${i}-${'q'.repeat(500)}`))
    for (const [c, compression] of codecs.entries()) {
      await sender.send({ topic, compression, acks: -1, messages: lines.slice(10 * c, 10 * c + 10).map((value) => ({ value })) })
    }
    expect(storedBatches(broker.dataDir, topic, 0).map((b) => b.compression)).toEqual([0, 1, 2, 3, 4])
    const consumer = client.kafka.consumer({ groupId: 'kafkajs-codecs', maxWaitTimeInMs: 500 })
    consumers.push(consumer)
    const seen: string[] = []
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value?.toString() ?? '') } })
    await waitFor('the consumer to read the 50 records', () => seen.length >= 50 || undefined, { timeoutMs: CLIENT_WAIT_MS })
      .catch((err: Error) => { throw new Error(`${err.message}\n${seen.length} read\n${logs()}`) })
    expect(seen).toEqual(lines)
    await consumer.disconnect()
  }, TEST_TIMEOUT_MS)
})

interface Member {
  name: string
  consumer: Consumer
  /** `partition:offset value` of every record handed to eachMessage, in order. */
  seen: string[]
  /** The partitions of each assignment the group gave it (GROUP_JOIN events), in order. */
  assignments: number[][]
}

describe('a kafkajs consumer group', () => {
  const topic = 'kafkajs-group'
  const groupId = 'kafkajs-group-1'
  const partitions = 4

  async function member(name: string): Promise<Member> {
    const consumer = client.kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000, rebalanceTimeout: 30_000, maxWaitTimeInMs: 500 })
    consumers.push(consumer)
    const made: Member = { name, consumer, seen: [], assignments: [] }
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      made.assignments.push([...(event.payload.memberAssignment[topic] ?? [])].sort())
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        made.seen.push(`${partition}:${message.offset} ${message.value?.toString()}`)
      },
    })
    return made
  }

  /** Sends `count` records named `phase-i`, record i to partition i mod 4; returns their values. */
  async function produce(sender: Producer, phase: string, count: number): Promise<string[]> {
    const values = Array.from({ length: count }, (_, i) => `${phase}-${i}`)
    await sender.send({ topic, acks: -1, messages: values.map((value, i) => ({ partition: i % partitions, value })) })
    return values
  }

  const values = (members: Member[]): string[] => members.flatMap((m) => m.seen.map((s) => s.split(' ')[1]!)).sort()
  const records = (members: Member[]): string[] => members.flatMap((m) => m.seen)
  const latest = (m: Member): number[] | undefined => m.assignments[m.assignments.length - 1]

  /** Committed offsets (kafkajs admin: OffsetFetch) equal the high watermarks of every partition. */
  async function committedToEnd(): Promise<void> {
    await waitFor(`group ${groupId}'s committed offsets to reach the end of ${topic}`, async () => {
      const ends = (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]).sort()
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
      const offsets = (committed?.partitions ?? []).map((p) => [p.partition, p.offset]).sort()
      return JSON.stringify(offsets) === JSON.stringify(ends) ? offsets : undefined
    }, { timeoutMs: CLIENT_WAIT_MS })
  }

  it('shares 4 partitions between two members when one joins and gives them all back when it leaves; each record once, offsets committed', async () => {
    await createTopic(topic, partitions)
    const sender = await producer()
    const members: Member[] = []
    const story = (): string => `${members.map((m) => `${m.name}'s assignments ${JSON.stringify(m.assignments)}; it saw ${JSON.stringify(m.seen)}`).join('\n')}\n${logs()}`
    const wait = <T>(what: string, check: () => T): Promise<unknown> =>
      waitFor(what, check, { timeoutMs: CLIENT_WAIT_MS }).catch((err: Error) => { throw new Error(`${err.message}\n${story()}`) })
    /** Every record produced so far consumed, none twice. */
    const consumedOnce = async (expected: string[]): Promise<void> => {
      await wait(`${expected.length} records consumed`, () => (values(members).length >= expected.length ? true : undefined))
      expect(values(members), story()).toEqual([...expected].sort())
      expect(new Set(records(members)).size, story()).toBe(records(members).length)
    }
    const expected = await produce(sender, 'before', 40)

    const a = await member('a')
    members.push(a)
    await consumedOnce(expected)
    expect(latest(a), story()).toEqual([0, 1, 2, 3])
    await committedToEnd()

    const joinsOfA = a.assignments.length
    const b = await member('b')
    members.push(b)
    const shared = await wait('the group to rebalance over a and b', () => {
      const [ofA, ofB] = [latest(a), latest(b)]
      if (a.assignments.length <= joinsOfA || ofA === undefined || ofB === undefined || ofA.length === 0 || ofB.length === 0) return undefined
      return [...ofA, ...ofB].sort().join(',') === '0,1,2,3' ? { ofA, ofB } : undefined
    }) as { ofA: number[]; ofB: number[] }
    const described = await admin.describeGroups([groupId])
    expect(described.groups.map((g) => [g.state, g.protocolType, g.members.length]), story()).toEqual([['Stable', 'consumer', 2]])

    expected.push(...await produce(sender, 'shared', 40))
    await consumedOnce(expected)
    // Each consumed the records of its own partitions only.
    const partitionOf = (s: string): number => Number(s.split(':')[0])
    const ownOnly = (m: Member, ofM: number[]): boolean => m.seen.filter((s) => s.includes('shared-')).every((s) => ofM.includes(partitionOf(s)))
    expect(ownOnly(a, shared.ofA) && ownOnly(b, shared.ofB), story()).toBe(true)
    expect(b.seen.length, story()).toBe(shared.ofB.length * 10)
    await committedToEnd()

    const joinsBeforeLeave = a.assignments.length
    await b.consumer.disconnect()
    await wait('a to take every partition back after b left', () => a.assignments.length > joinsBeforeLeave && latest(a)?.join(',') === '0,1,2,3')
    expected.push(...await produce(sender, 'after', 40))
    await consumedOnce(expected)
    await committedToEnd()
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    expect(committed?.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '30'], [1, '30'], [2, '30'], [3, '30']])
  }, TEST_TIMEOUT_MS)
})

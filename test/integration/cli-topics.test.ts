// `faecie topics create|list|describe|alter|delete` as child processes against a real broker:
// what each prints on stdout (and only there), the offsets and sizes describe reports after a
// produce, config changes and resets, growing partitions, --if-not-exists and --if-exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli, type CliOptions } from '../support/cli-process.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
})

// The broker's address through --broker here (the quick-start tests use FAECIE_BROKER).
const faecie = (args: string[], options: CliOptions = {}) => runCli([...args, '--broker', broker.url], options)

async function ok(args: string[], options: CliOptions = {}): Promise<{ lines: string[]; stderr: string }> {
  const result = await faecie(args, options)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

interface DescribedJson {
  topic: string
  topicId: string
  config: Record<string, string>
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; logStartOffset: number; highWatermark: number; logEndOffset: number; sizeBytes: number }>
}

async function describeJson(topic: string): Promise<DescribedJson> {
  const { lines } = await ok(['topics', 'describe', '--topic', topic, '--format', 'json'])
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0]!) as DescribedJson
}

describe('faecie topics', () => {
  it('creates topics with partitions and config, and lists them (stdout: names only)', async () => {
    const created = await ok(['topics', 'create', '--topic', 'orders', '--partitions', '3', '--config', 'retention.ms=3600000', '--config', 'flush=interval'])
    expect(created.lines).toEqual(['Created topic orders.'])
    await ok(['topics', 'create', '--topic', 'audit'])
    expect((await ok(['topics', 'list'])).lines).toEqual(['audit', 'orders'])
    expect((await ok(['topics', 'list', '--format', 'json'])).lines.map((l) => JSON.parse(l))).toEqual([{ topic: 'audit' }, { topic: 'orders' }])

    const again = await faecie(['topics', 'create', '--topic', 'orders'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS')
    const tolerated = await ok(['topics', 'create', '--topic', 'orders', '--partitions', '5', '--if-not-exists'])
    expect(tolerated.stderr).toContain('already exists')
    expect((await describeJson('orders')).partitions).toHaveLength(3)
  })

  it('describes partitions with their offsets and sizes, and the config with defaults filled in', async () => {
    await ok(['topics', 'create', '--topic', 'described', '--partitions', '2', '--config', 'retention.ms=120000'])
    const empty = await describeJson('described')
    expect(empty.topicId).toMatch(/^[0-9a-f-]{36}$/)
    // A single broker leads every partition, its only replica, at leader epoch 0.
    const led = { leader: 0, leaderEpoch: 0, replicas: [0], isr: [0] }
    expect(empty.partitions).toEqual([
      { partition: 0, ...led, logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0 },
      { partition: 1, ...led, logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0 },
    ])
    expect(empty.config).toMatchObject({ 'retention.ms': '120000', flush: 'always', 'cleanup.policy': 'delete' })

    await ok(['produce', '--topic', 'described', '--partition', '1'], { stdin: 'one\ntwo\nthree\n' })
    const after = await describeJson('described')
    expect(after.partitions[0]).toMatchObject({ highWatermark: 0, sizeBytes: 0 })
    expect(after.partitions[1]).toMatchObject({ logStartOffset: 0, highWatermark: 3, logEndOffset: 3 })
    expect(after.partitions[1]!.sizeBytes).toBeGreaterThan(61) // at least one batch header

    const text = (await ok(['topics', 'describe', '--topic', 'described'])).lines
    expect(text).toHaveLength(3)
    expect(text[0]).toMatch(new RegExp(`^Topic: described\\tTopicId: ${after.topicId}\\tPartitionCount: 2\\tReplicationFactor: 1\\tConfigs: .*retention\\.ms=120000`))
    expect(text[2]).toBe(`\tTopic: described\tPartition: 1\tLeader: 0\tReplicas: 0\tIsr: 0\tLogStartOffset: 0\tHighWatermark: 3\tLogEndOffset: 3\tSize: ${after.partitions[1]!.sizeBytes}`)

    // Without --topic: every topic, one block each.
    const all = (await ok(['topics', 'describe'])).lines.filter((l) => l.startsWith('Topic: '))
    expect(all.map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['Topic: described', 'Topic: orders']))
  })

  it('alters config, resets a key to its default, and grows the partition count', async () => {
    await ok(['topics', 'create', '--topic', 'altered', '--config', 'retention.ms=60000'])
    await ok(['topics', 'alter', '--topic', 'altered', '--config', 'retention.bytes=1048576', '--config', 'message.timestamp.type=LogAppendTime'])
    let described = await describeJson('altered')
    expect(described.config).toMatchObject({ 'retention.ms': '60000', 'retention.bytes': '1048576', 'message.timestamp.type': 'LogAppendTime' })

    await ok(['topics', 'alter', '--topic', 'altered', '--delete-config', 'retention.ms', '--partitions', '4'])
    described = await describeJson('altered')
    expect(described.config['retention.ms']).toBe('604800000')
    expect(described.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3])

    // The new partitions take records.
    await ok(['produce', '--topic', 'altered', '--partition', '3'], { stdin: 'in the new partition\n' })
    const read = await ok(['consume', '--topic', 'altered', '--partition', '3', '--offset', '0', '--max-messages', '1'])
    expect(read.lines).toEqual(['in the new partition'])

    const shrink = await faecie(['topics', 'alter', '--topic', 'altered', '--partitions', '2'])
    expect(shrink.code).toBe(1)
    expect(shrink.stderr).toMatch(/can only grow/)
    const badConfig = await faecie(['topics', 'alter', '--topic', 'altered', '--config', 'flush=sometimes'])
    expect(badConfig.code).toBe(1)
    expect(badConfig.stderr).toContain('INVALID_CONFIG')
    const nothing = await faecie(['topics', 'alter', '--topic', 'altered'])
    expect(nothing.code).toBe(2)
  })

  it('deletes topics; --if-exists tolerates a missing one', async () => {
    await ok(['topics', 'create', '--topic', 'doomed'])
    await ok(['produce', '--topic', 'doomed'], { stdin: 'bye\n' })
    const deleted = await ok(['topics', 'delete', '--topic', 'doomed'])
    expect(deleted.stderr).toContain('Deleted topic doomed.')
    expect((await ok(['topics', 'list'])).lines).not.toContain('doomed')

    const again = await faecie(['topics', 'delete', '--topic', 'doomed'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION')
    expect(again.stdout).toBe('')
    await ok(['topics', 'delete', '--topic', 'doomed', '--if-exists'])

    // Created again, it is a new, empty topic.
    await ok(['topics', 'create', '--topic', 'doomed'])
    expect((await describeJson('doomed')).partitions[0]).toMatchObject({ highWatermark: 0 })
  })
})

// `faecie consume --group` and `faecie groups list|describe|reset-offsets|delete` as child processes
// against a real broker: consume --group commits as it goes and a second run goes on from there;
// describe shows the state, the members, and per partition the committed offset, end and lag (and
// the total) while a member consumes; reset-offsets prints a plan and changes nothing without
// --execute, applies it with --execute, and is refused while the group has members; delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type GroupConsumer, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli, type CliOptions } from '../support/cli-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let client: Faecie
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  client = new Faecie({ brokers: [broker.url], clientId: 'cli-groups' })
  producer = client.producer({ lingerMs: 1 })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

const faecie = (args: string[], options: CliOptions = {}) => runCli([...args, '--broker', broker.url], options)

async function ok(args: string[], options: CliOptions = {}): Promise<{ lines: string[]; stderr: string }> {
  const result = await faecie(args, options)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

async function topicWith(topic: string, partitions: number, perPartition: number): Promise<void> {
  await ok(['topics', 'create', '--topic', topic, '--partitions', String(partitions)])
  const messages = []
  for (let p = 0; p < partitions; p++) for (let i = 0; i < perPartition; i++) messages.push({ value: `p${p}-${i}`, partition: p })
  await producer.send({ topic, messages })
}

interface DescribeJson {
  groupId: string
  state: string
  members: Array<{ memberId: string; assignment: Array<{ topic: string; partitions: number[] }> }>
  partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag?: number; memberId?: string }>
  totalLag: number
}

async function describeJson(group: string): Promise<DescribeJson> {
  const { lines } = await ok(['groups', 'describe', '--group', group, '--format', 'json'])
  return JSON.parse(lines[0]!) as DescribeJson
}

async function committed(group: string, topic: string): Promise<number[]> {
  const admin = client.admin()
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  await admin.disconnect()
  return (offsets?.partitions ?? []).map((p) => p.offset)
}

describe('faecie consume --group and faecie groups', () => {
  it('consumes as a group member, commits, and goes on from the commit next time', async () => {
    await topicWith('cg-orders', 3, 4) // 12 records
    const first = await ok(['consume', '--group', 'cg-billing', '--topic', 'cg-orders', '--from-beginning', '--max-messages', '5'])
    expect(first.lines).toHaveLength(5)
    expect(first.stderr).toContain('Processed a total of 5 messages')
    expect((await committed('cg-billing', 'cg-orders')).reduce((a, b) => a + Math.max(0, b), 0)).toBe(5)
    const rest = await ok(['consume', '--group', 'cg-billing', '--topic', 'cg-orders', '--from-beginning', '--timeout-ms', '2000'])
    expect([...first.lines, ...rest.lines].sort()).toEqual(
      ['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p1-0', 'p1-1', 'p1-2', 'p1-3', 'p2-0', 'p2-1', 'p2-2', 'p2-3'],
    )
    expect(await committed('cg-billing', 'cg-orders')).toEqual([4, 4, 4])
    expect((await ok(['groups', 'list'])).lines).toContain('cg-billing')
    const refused = await faecie(['consume', '--group', 'g', '--topic', 'cg-orders', '--partition', '0'])
    expect(refused.code).toBe(2)
    // A member the broker will not have ends the command with the broker's reason.
    const badSession = await faecie(['consume', '--group', 'g', '--topic', 'cg-orders', '--session-timeout-ms', '1'])
    expect(badSession.code).toBe(1)
    expect(badSession.stderr).toContain('INVALID_SESSION_TIMEOUT')
  })

  it('describes a group while it consumes: members, committed and end offsets, lag per partition and in all', async () => {
    await topicWith('cg-lag', 2, 5) // 10 records, ends 5 and 5
    const member: GroupConsumer = client.consumer({ groupId: 'cg-lagging', autoCommit: false, sessionTimeoutMs: 3_000, maxWaitMs: 100, autoOffsetReset: 'earliest' })
    await member.subscribe({ topics: ['cg-lag'] })
    let handled = 0
    await member.run({ eachMessage: async () => void handled++ })
    await waitFor('all ten records handled', () => handled === 10)
    await member.commitOffsets([{ topic: 'cg-lag', partition: 0, offset: 2 }, { topic: 'cg-lag', partition: 1, offset: 5 }])
    const json = await describeJson('cg-lagging')
    expect(json.state).toBe('Stable')
    expect(json.members).toHaveLength(1)
    expect(json.partitions.map((p) => [p.partition, p.committed, p.end, p.lag, p.memberId])).toEqual([
      [0, 2, 5, 3, member.memberId],
      [1, 5, 5, 0, member.memberId],
    ])
    expect(json.totalLag).toBe(3)
    const text = await ok(['groups', 'describe', '--group', 'cg-lagging'])
    expect(text.lines[0]).toMatch(/Consumer group 'cg-lagging' has state Stable, 1 member/)
    const header = text.lines.find((l) => l.startsWith('GROUP'))!
    expect(header.split(/\s+/)).toEqual(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'])
    const row0 = text.lines.find((l) => l.startsWith('cg-lagging') && l.split(/\s+/)[2] === '0')!.split(/\s+/)
    expect(row0.slice(0, 7)).toEqual(['cg-lagging', 'cg-lag', '0', '2', '5', '3', member.memberId])
    expect(text.lines.at(-1)).toBe('TOTAL-LAG: 3')

    // reset-offsets is refused while the group has a member.
    const refused = await faecie(['groups', 'reset-offsets', '--group', 'cg-lagging', '--topic', 'cg-lag', '--to-earliest', '--execute'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('NON_EMPTY_GROUP')
    await member.disconnect()
    const empty = await describeJson('cg-lagging')
    expect(empty.state).toBe('Empty')
    expect(empty.members).toEqual([])
    expect(empty.totalLag).toBe(3)
  })

  it('resets offsets: a dry run prints the plan and changes nothing; --execute applies it', async () => {
    await topicWith('cg-reset', 2, 3)
    await ok(['consume', '--group', 'cg-resetting', '--topic', 'cg-reset', '--from-beginning', '--max-messages', '6'])
    expect(await committed('cg-resetting', 'cg-reset')).toEqual([3, 3])

    const dry = await ok(['groups', 'reset-offsets', '--group', 'cg-resetting', '--topic', 'cg-reset', '--to-earliest'])
    expect(dry.lines[0]!.split(/\s+/)).toEqual(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'])
    expect(dry.lines.slice(1).map((l) => l.split(/\s+/))).toEqual([['cg-resetting', 'cg-reset', '0', '0'], ['cg-resetting', 'cg-reset', '1', '0']])
    expect(dry.stderr).toContain('Dry run')
    expect(await committed('cg-resetting', 'cg-reset')).toEqual([3, 3])

    const past = await ok(['groups', 'reset-offsets', '--group', 'cg-resetting', '--topic', 'cg-reset', '--to-offset', '99'])
    expect(past.lines.slice(1).map((l) => l.split(/\s+/)[3])).toEqual(['3', '3'])
    expect(past.stderr).toContain("Warning: offset 99 is outside cg-reset-0's log: using 3.")
    const within = await ok(['groups', 'reset-offsets', '--group', 'cg-resetting', '--topic', 'cg-reset', '--to-offset', '1', '--execute'])
    expect(within.stderr).not.toContain('Warning')
    expect(await committed('cg-resetting', 'cg-reset')).toEqual([1, 1])
    const again = await ok(['consume', '--group', 'cg-resetting', '--topic', 'cg-reset', '--timeout-ms', '1500'])
    expect(again.lines.sort()).toEqual(['p0-1', 'p0-2', 'p1-1', 'p1-2'])

    await ok(['groups', 'reset-offsets', '--group', 'cg-resetting', '--topic', 'cg-reset', '--to-datetime', '2000-01-01T00:00:00Z', '--execute'])
    expect(await committed('cg-resetting', 'cg-reset')).toEqual([0, 0])
    await ok(['groups', 'reset-offsets', '--group', 'cg-resetting', '--topic', 'cg-reset', '--to-latest', '--execute'])
    expect(await committed('cg-resetting', 'cg-reset')).toEqual([3, 3])

    const bad = await faecie(['groups', 'reset-offsets', '--group', 'cg-resetting', '--topic', 'cg-reset'])
    expect(bad.code).toBe(2)
  })

  it('deletes a group', async () => {
    await topicWith('cg-delete', 1, 1)
    await ok(['consume', '--group', 'cg-doomed', '--topic', 'cg-delete', '--from-beginning', '--max-messages', '1'])
    expect((await ok(['groups', 'list'])).lines).toContain('cg-doomed')
    const deleted = await ok(['groups', 'delete', '--group', 'cg-doomed'])
    expect(deleted.stderr).toContain('Deleted consumer group cg-doomed.')
    expect((await ok(['groups', 'list'])).lines).not.toContain('cg-doomed')
    const missing = await faecie(['groups', 'describe', '--group', 'cg-doomed'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('GROUP_ID_NOT_FOUND')
  })
})

// The offsets and group-administration APIs of the Kafka listener against one broker process:
// first on the wire at chosen versions (a bare client: OffsetCommit v2/v10, OffsetFetch v1/v7/v8/v9/v10,
// DescribeGroups v5/v6, ListGroups v0/v4/v5, DeleteGroups v2, OffsetDelete), a classic group of kcat -G
// (Kafka's classic DescribeGroups view, ListGroups, faecie groups list/describe), then Kafka's own
// kafka-consumer-groups (the Java class behind it, from the cached Kafka 4.4 jars), unchanged, on
// groups made by @faecie/client: --list, --describe (members, committed offsets, lag),
// --reset-offsets --execute (read back through faecie), --delete-offsets, --delete.
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeConsumerAssignment, decodeConsumerSubscription } from '../../packages/broker/src/groups/consumer-protocol.js'
import { ErrorCode } from '../../packages/protocol/src/index.js'
import { Faecie, type Admin, type GroupConsumer, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureJava, ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'
import { runCli } from '../support/cli-process.js'
import { ensureKcat, kafkaPortOf, runKafkaTool } from '../support/kafka-protocol.js'
import { KafkaRawClient } from '../support/kafka-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const TOOL_TIMEOUT_MS = 120_000
const GROUP_COMMAND = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'

let broker: BrokerProcess
let bootstrap: string
let client: Faecie
let admin: Admin
let producer: Producer
let raw: KafkaRawClient
const members: GroupConsumer[] = []
let kcat: ChildProcess | undefined

beforeAll(async () => {
  ensureJava()
  ensureKafkaClasspath()
  ensureKcat()
  broker = await startBrokerProcess()
  const port = await kafkaPortOf(broker)
  bootstrap = `127.0.0.1:${port}`
  client = new Faecie({ brokers: [broker.url], clientId: 'kafka-consumer-groups-test' })
  admin = client.admin()
  producer = client.producer({ lingerMs: 1 })
  raw = await KafkaRawClient.connect(port)
}, KAFKA_FETCH_TIMEOUT_MS + INSTALL_TIMEOUT_MS)

afterAll(async () => {
  raw?.close()
  kcat?.kill('SIGKILL')
  for (const member of members) await member.disconnect()
  await producer?.disconnect()
  await admin?.disconnect()
  await broker?.stop()
})

/** A topic of `partitions` partitions with `perPartition` records in each; its id as Kafka's 16 bytes. */
async function topicWith(topic: string, partitions: number, perPartition: number): Promise<Uint8Array> {
  const [created] = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] })
  const messages = []
  for (let p = 0; p < partitions; p++) for (let i = 0; i < perPartition; i++) messages.push({ value: `p${p}-${i}`, partition: p })
  await producer.send({ topic, messages })
  return Uint8Array.from(Buffer.from(created!.topicId!.replace(/-/g, ''), 'hex'))
}

/** A faecie group member (@faecie/client) of `topic`, once it has its partitions. */
async function memberOf(groupId: string, topic: string, partitions: number): Promise<GroupConsumer> {
  const member = client.consumer({ groupId, autoCommit: false, sessionTimeoutMs: 6_000, maxWaitMs: 100, autoOffsetReset: 'earliest' })
  members.push(member)
  await member.subscribe({ topics: [topic] })
  await member.run({ eachMessage: async () => undefined })
  await waitFor(`${groupId}'s member to own ${partitions} partitions`, async () => {
    const [group] = (await admin.describeGroups([groupId])).groups
    return group?.state === 'Stable' && group.members[0]?.assignment.flatMap((a) => a.partitions).length === partitions
  })
  return member
}

async function leave(member: GroupConsumer): Promise<void> {
  members.splice(members.indexOf(member), 1)
  await member.disconnect()
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return (offsets?.partitions ?? []).map((p) => p.offset)
}

/** kafka-consumer-groups, its stdout's lines (without SLF4J's notices); it must exit 0. The tool's notes ("has no active members") go to stderr. */
async function groupsTool(args: string[], stderr: string[] = []): Promise<string[]> {
  const run = await runKafkaTool(GROUP_COMMAND, ['--bootstrap-server', bootstrap, ...args], '', TOOL_TIMEOUT_MS)
  expect(run.status, `kafka-consumer-groups ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0)
  const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('SLF4J'))
  stderr.push(...lines(run.stderr))
  return lines(run.stdout)
}

/** The rows of a table the tool printed, split on blanks, without its header. */
function rows(lines: string[], header: string): string[][] {
  const at = lines.findIndex((l) => l.startsWith(header))
  expect(at, lines.join('\n')).toBeGreaterThanOrEqual(0)
  return lines.slice(at + 1).filter((l) => !/^[A-Z-]+\s{2,}/.test(l)).map((l) => l.trim().split(/\s+/))
}

describe('offsets and group administration on the wire', () => {
  it('commits offsets (v2 by name, v10 by id) and fetches them back at v1, v7, v8, v9 and v10', async () => {
    const topicId = await topicWith('kg-wire', 2, 5)
    const commit = await raw.call('OffsetCommit', 2, {
      groupId: 'kg-wire-g', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'kg-wire', partitions: [
        { partitionIndex: 0, committedOffset: 3n, committedMetadata: 'three' },
        { partitionIndex: 1, committedOffset: 5n, committedMetadata: 'x'.repeat(5000) },
        { partitionIndex: 7, committedOffset: 1n, committedMetadata: null },
      ] }],
    })
    expect(commit.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([0, ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])
    const byId = await raw.call('OffsetCommit', 10, {
      groupId: 'kg-wire-g', generationIdOrMemberEpoch: -1, memberId: '',
      topics: [{ topicId, partitions: [{ partitionIndex: 1, committedOffset: 4n, committedMetadata: '' }] },
        { topicId: new Uint8Array(16).fill(9), partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: '' }] }],
    })
    expect(byId.topics.map((t: { partitions: Array<{ errorCode: number }> }) => t.partitions[0]!.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_ID])
    expect(byId.topics[0].topicId).toEqual(topicId)
    expect(await committed('kg-wire-g', 'kg-wire')).toEqual([3, 4])

    // A member that is not the group's: the whole commit is refused, on every partition.
    const stranger = await raw.call('OffsetCommit', 8, {
      groupId: 'kg-wire-g', generationIdOrMemberEpoch: 3, memberId: 'nobody', topics: [{ name: 'kg-wire', partitions: [{ partitionIndex: 0, committedOffset: 9n }, { partitionIndex: 1, committedOffset: 9n }] }],
    })
    expect(stranger.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID])

    const v1 = await raw.call('OffsetFetch', 1, { groupId: 'kg-wire-g', topics: [{ name: 'kg-wire', partitionIndexes: [0, 1] }, { name: 'kg-none', partitionIndexes: [0] }] })
    expect(v1.topics.map((t: { name: string; partitions: Array<{ committedOffset: bigint; metadata: string; errorCode: number }> }) =>
      [t.name, t.partitions.map((p) => [p.committedOffset, p.metadata, p.errorCode])])).toEqual([
      ['kg-wire', [[3n, 'three', 0], [4n, '', 0]]],
      // A topic that does not exist: -1 and no error, as Kafka answers.
      ['kg-none', [[-1n, '', 0]]],
    ])
    const all = await raw.call('OffsetFetch', 7, { groupId: 'kg-wire-g', topics: null, requireStable: true })
    expect(all.errorCode).toBe(0)
    expect(all.topics.map((t: { name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }> }) =>
      [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch])])).toEqual([['kg-wire', [[0, 3n, -1], [1, 4n, -1]]]])

    const many = await raw.call('OffsetFetch', 8, { groups: [
      { groupId: 'kg-wire-g', topics: [{ name: 'kg-wire', partitionIndexes: [1] }] },
      { groupId: 'kg-never', topics: null },
      { groupId: 'kg-never', topics: [{ name: 'kg-wire', partitionIndexes: [0] }] },
    ] })
    expect(many.groups.map((g: { groupId: string; errorCode: number; topics: Array<{ partitions: Array<{ committedOffset: bigint }> }> }) =>
      [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))])).toEqual([
      ['kg-wire-g', 0, [[4n]]], ['kg-never', 0, []], ['kg-never', 0, [[-1n]]],
    ])
    const member = await raw.call('OffsetFetch', 9, { groups: [{ groupId: 'kg-wire-g', memberId: 'nobody', memberEpoch: 2, topics: null }] })
    expect(member.groups[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const v10 = await raw.call('OffsetFetch', 10, { groups: [{ groupId: 'kg-wire-g', memberId: null, memberEpoch: -1,
      topics: [{ topicId, partitionIndexes: [0, 1] }, { topicId: new Uint8Array(16).fill(9), partitionIndexes: [0] }] }] })
    expect(v10.groups[0].topics.map((t: { topicId: Uint8Array; partitions: Array<{ committedOffset: bigint; errorCode: number }> }) =>
      [t.topicId, t.partitions.map((p) => [p.committedOffset, p.errorCode])])).toEqual([
      [topicId, [[3n, 0], [4n, 0]]], [new Uint8Array(16).fill(9), [[-1n, ErrorCode.UNKNOWN_TOPIC_ID]]],
    ])
  })

  it('describes, lists and deletes groups: Kafka\'s states and types, GROUP_ID_NOT_FOUND by version, per-group errors', async () => {
    await topicWith('kg-admin', 2, 2)
    const live = await memberOf('kg-admin-live', 'kg-admin', 2)
    await raw.call('OffsetCommit', 2, { groupId: 'kg-admin-idle', generationIdOrMemberEpoch: -1, memberId: '',
      topics: [{ name: 'kg-admin', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: '' }] }] })

    const described = await raw.call('DescribeGroups', 5, { groups: ['kg-admin-live', 'kg-admin-idle', 'kg-missing'], includeAuthorizedOperations: true })
    const [liveGroup, idleGroup, missing] = described.groups
    expect(liveGroup).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', authorizedOperations: -2147483648 })
    expect(liveGroup.protocolData).not.toBe('')
    expect(liveGroup.members.map((m: { memberId: string; clientId: string }) => [m.memberId, m.clientId])).toEqual([[live.memberId, 'kafka-consumer-groups-test']])
    expect(idleGroup).toMatchObject({ errorCode: 0, groupState: 'Empty', protocolType: 'consumer', protocolData: '', members: [] })
    // An unknown group: Dead, error 0 before v6, GROUP_ID_NOT_FOUND from v6 (as Kafka).
    expect(missing).toMatchObject({ groupId: 'kg-missing', errorCode: 0, groupState: 'Dead' })
    const v6 = await raw.call('DescribeGroups', 6, { groups: ['kg-missing'] })
    expect(v6.groups[0]).toMatchObject({ groupId: 'kg-missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupState: 'Dead' })
    expect(v6.groups[0].errorMessage).toContain('kg-missing')

    const listed = async (version: number, filters: object): Promise<Array<[string, string, string, string]>> =>
      (await raw.call('ListGroups', version, filters)).groups.filter((g: { groupId: string }) => g.groupId.startsWith('kg-admin'))
        .map((g: { groupId: string; protocolType: string; groupState: string; groupType: string }) => [g.groupId, g.protocolType, g.groupState, g.groupType])
    expect(await listed(5, {})).toEqual([['kg-admin-idle', 'consumer', 'Empty', 'consumer'], ['kg-admin-live', 'consumer', 'Stable', 'consumer']])
    expect(await listed(5, { typesFilter: ['CONSUMER'], statesFilter: ['stable'] })).toEqual([['kg-admin-live', 'consumer', 'Stable', 'consumer']])
    expect(await listed(5, { typesFilter: ['classic'] })).toEqual([])
    expect(await listed(5, { typesFilter: ['share'] })).toEqual([])
    expect(await listed(4, { statesFilter: ['Empty'] })).toEqual([['kg-admin-idle', 'consumer', 'Empty', '']])
    expect(await listed(0, {})).toEqual([['kg-admin-idle', 'consumer', '', ''], ['kg-admin-live', 'consumer', '', '']])

    const deleted = await raw.call('DeleteGroups', 2, { groupsNames: ['kg-admin-live', 'kg-admin-idle', 'kg-missing'] })
    expect(deleted.results.map((r: { groupId: string; errorCode: number }) => [r.groupId, r.errorCode])).toEqual([
      ['kg-admin-live', ErrorCode.NON_EMPTY_GROUP], ['kg-admin-idle', 0], ['kg-missing', ErrorCode.GROUP_ID_NOT_FOUND],
    ])
    expect(await listed(5, {})).toEqual([['kg-admin-live', 'consumer', 'Stable', 'consumer']])
    expect(await committed('kg-admin-idle', 'kg-admin')).toEqual([-1, -1])
    await leave(live)
  })
})

describe('a classic group (kcat -G) through DescribeGroups, ListGroups and faecie groups', () => {
  it('shows Kafka\'s classic view: state, protocol type and protocol, each member\'s subscription and assignment', async () => {
    await topicWith('kg-classic-t', 2, 3)
    kcat = spawn(ensureKcat(), ['-b', bootstrap, '-G', 'kg-classic', '-q', '-o', 'beginning', 'kg-classic-t'], { stdio: ['ignore', 'ignore', 'pipe'] })
    const stable = await waitFor('kcat\'s classic group to be Stable', async () => {
      const [group] = (await raw.call('DescribeGroups', 5, { groups: ['kg-classic'] })).groups
      return group.groupState === 'Stable' ? group : undefined
    }, { timeoutMs: 60_000 })
    expect(stable).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolData: 'range' })
    expect(stable.members).toHaveLength(1)
    const [member] = stable.members
    expect(member.clientId).toBe('rdkafka')
    expect(member.clientHost).toContain('127.0.0.1')
    expect(decodeConsumerSubscription(member.memberMetadata)?.topics).toEqual(['kg-classic-t'])
    expect(decodeConsumerAssignment(member.memberAssignment)?.assignedPartitions).toEqual([{ topic: 'kg-classic-t', partitions: [0, 1] }])

    const listed = (await raw.call('ListGroups', 5, { typesFilter: ['Classic'] })).groups
    expect(listed).toEqual([{ groupId: 'kg-classic', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }])
    const cli = await runCli(['groups', 'list', '--type', '--state', '--broker', broker.url])
    expect(cli.code, cli.stderr).toBe(0)
    expect(cli.lines.map((l) => l.split(/\s+/))).toContainEqual(['kg-classic', 'classic', 'consumer', 'Stable'])
    const described = await runCli(['groups', 'describe', '--group', 'kg-classic', '--broker', broker.url])
    expect(described.code, described.stderr).toBe(0)
    expect(described.lines[0]).toMatch(/^Consumer group 'kg-classic' \(classic, protocol type consumer\) has state Stable, 1 member \(generation \d+, protocol range\)\.$/)

    // kcat commits its position (auto commit, OffsetCommit with its generation as a classic member): read back through faecie.
    await waitFor('kcat to commit all six records', async () => (await committed('kg-classic', 'kg-classic-t')).join() === '3,3', { timeoutMs: 60_000 })
    kcat.kill('SIGTERM')
    await waitFor('kcat to leave', async () => (await raw.call('DescribeGroups', 5, { groups: ['kg-classic'] })).groups[0].groupState === 'Empty', { timeoutMs: 60_000 })
    kcat = undefined
    expect(await committed('kg-classic', 'kg-classic-t')).toEqual([3, 3])
    const deleted = await raw.call('DeleteGroups', 3, { groupsNames: ['kg-classic'] })
    expect(deleted.results).toEqual([{ groupId: 'kg-classic', errorCode: 0, errorMessage: null }])
  }, 3 * TOOL_TIMEOUT_MS)
})

describe("Kafka's kafka-consumer-groups on faecie's groups", () => {
  it('lists and describes a group of @faecie/client members: partitions, committed offsets, lag', async () => {
    await topicWith('kg-tool', 2, 5)
    const member = await memberOf('kg-tool-live', 'kg-tool', 2)
    await member.commitOffsets([{ topic: 'kg-tool', partition: 0, offset: 2 }, { topic: 'kg-tool', partition: 1, offset: 5 }])

    expect(await groupsTool(['--list'])).toContain('kg-tool-live')
    const described = await groupsTool(['--describe', '--group', 'kg-tool-live'])
    const header = described.find((l) => l.startsWith('GROUP'))!
    expect(header.split(/\s+/)).toEqual(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'])
    expect(rows(described, 'GROUP').map((r) => [...r.slice(0, 7), r.at(-1)])).toEqual([
      ['kg-tool-live', 'kg-tool', '0', '2', '5', '3', member.memberId, 'kafka-consumer-groups-test'],
      ['kg-tool-live', 'kg-tool', '1', '5', '5', '0', member.memberId, 'kafka-consumer-groups-test'],
    ])
    const state = await groupsTool(['--describe', '--group', 'kg-tool-live', '--state'])
    expect(rows(state, 'GROUP')[0]).toEqual(expect.arrayContaining(['kg-tool-live', 'Stable', '1']))
    await leave(member)

    // The member gone: no active members, the committed offsets and lag stay.
    const notes: string[] = []
    const empty = await groupsTool(['--describe', '--group', 'kg-tool-live'], notes)
    expect(notes).toContain("Consumer group 'kg-tool-live' has no active members.")
    expect(rows(empty, 'GROUP').map((r) => r.slice(0, 7))).toEqual([
      ['kg-tool-live', 'kg-tool', '0', '2', '5', '3', '-'],
      ['kg-tool-live', 'kg-tool', '1', '5', '5', '0', '-'],
    ])
  }, 6 * TOOL_TIMEOUT_MS)

  it('resets an empty group\'s offsets, deletes some of them, then the group; faecie reads each change back', async () => {
    await topicWith('kg-reset', 2, 4)
    await topicWith('kg-other', 1, 4)
    const member = await memberOf('kg-resetting', 'kg-reset', 2)
    await member.commitOffsets([{ topic: 'kg-reset', partition: 0, offset: 3 }, { topic: 'kg-reset', partition: 1, offset: 4 }])
    await leave(member)
    await admin.setOffsets({ groupId: 'kg-resetting', topic: 'kg-other', partitions: [{ partition: 0, offset: 2 }] })

    const reset = await groupsTool(['--reset-offsets', '--to-earliest', '--execute', '--topic', 'kg-reset', '--group', 'kg-resetting'])
    expect(rows(reset, 'GROUP').map((r) => r.slice(0, 4))).toEqual([['kg-resetting', 'kg-reset', '0', '0'], ['kg-resetting', 'kg-reset', '1', '0']])
    expect(await committed('kg-resetting', 'kg-reset')).toEqual([0, 0])
    const latest = await groupsTool(['--reset-offsets', '--to-latest', '--execute', '--topic', 'kg-reset:1', '--group', 'kg-resetting'])
    expect(rows(latest, 'GROUP').map((r) => r.slice(0, 4))).toEqual([['kg-resetting', 'kg-reset', '1', '4']])
    expect(await committed('kg-resetting', 'kg-reset')).toEqual([0, 4])

    const deletedOffsets = await groupsTool(['--delete-offsets', '--group', 'kg-resetting', '--topic', 'kg-other'])
    expect(rows(deletedOffsets, 'TOPIC').map((r) => r.slice(0, 3))).toEqual([['kg-other', '0', 'Successful']])
    expect(await committed('kg-resetting', 'kg-other')).toEqual([-1])
    expect(await committed('kg-resetting', 'kg-reset')).toEqual([0, 4])

    const deleted = await groupsTool(['--delete', '--group', 'kg-resetting'])
    expect(deleted.join('\n')).toContain("Deletion of requested consumer groups ('kg-resetting') was successful.")
    expect(await groupsTool(['--list'])).not.toContain('kg-resetting')
    expect(await committed('kg-resetting', 'kg-reset')).toEqual([-1, -1])
    const gone = await runKafkaTool(GROUP_COMMAND, ['--bootstrap-server', bootstrap, '--describe', '--group', 'kg-resetting'], '', TOOL_TIMEOUT_MS)
    // Kafka 4's answer for a group it does not know (DescribeGroups v6: GROUP_ID_NOT_FOUND), and its tool's (which still exits 0).
    expect(gone.stderr).toMatch(/GroupIdNotFoundException: .*kg-resetting/)
  }, 10 * TOOL_TIMEOUT_MS)

  it('refuses to delete the offsets of a topic the group\'s members consume (GROUP_SUBSCRIBED_TO_TOPIC)', async () => {
    await topicWith('kg-busy', 1, 1)
    const member = await memberOf('kg-busy-g', 'kg-busy', 1)
    await member.commitOffsets([{ topic: 'kg-busy', partition: 0, offset: 1 }])
    const answer = await raw.call('OffsetDelete', 0, { groupId: 'kg-busy-g', topics: [{ name: 'kg-busy', partitions: [{ partitionIndex: 0 }] }] })
    expect([answer.errorCode, answer.topics[0]?.partitions[0]?.errorCode]).toEqual([0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC])
    expect(await committed('kg-busy-g', 'kg-busy')).toEqual([1])
    await leave(member)
  })
})

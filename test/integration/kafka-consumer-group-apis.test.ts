// ConsumerGroupHeartbeat and ConsumerGroupDescribe (KIP-848) field by field against a broker
// process's Kafka listener, with the broker's generated codecs (a real client hides these
// answers): v0's broker-made member id and v1's client-made one; assignments and owned partitions
// by topic id; two members splitting partitions only as the first revokes; Kafka's own refusals
// (INVALID_REQUEST with Kafka's messages, UNSUPPORTED_ASSIGNOR, FENCED_MEMBER_EPOCH,
// UNKNOWN_MEMBER_ID); a subscription by RE2 regex (a bad one: INVALID_REGULAR_EXPRESSION); leaving with epoch -1; ConsumerGroupDescribe of a consumer group (members,
// current and target assignment by id and name), of an unknown group and of a classic group
// (GROUP_ID_NOT_FOUND, "Group X is not a consumer group.", so Kafka's admin falls back to DescribeGroups);
// a group named twice answered once, and more ids than requestItemsMax closing the connection.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KAFKA_APIS } from '../../packages/broker/src/kafka/generated/apis.js'
import { defaultConsumerGroupDescribeRequest, readConsumerGroupDescribeResponse, writeConsumerGroupDescribeRequest } from '../../packages/broker/src/kafka/generated/consumer-group-describe.js'
import { defaultConsumerGroupHeartbeatRequest, readConsumerGroupHeartbeatResponse, writeConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from '../../packages/broker/src/kafka/generated/consumer-group-heartbeat.js'
import { defaultJoinGroupRequest, readJoinGroupResponse, writeJoinGroupRequest } from '../../packages/broker/src/kafka/generated/join-group.js'
import { defaultMetadataRequest, readMetadataResponse, writeMetadataRequest } from '../../packages/broker/src/kafka/generated/metadata.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { kafkaPortOf } from '../support/kafka-protocol.js'
import { kafkaRequest } from '../support/kafka-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const INVALID_REQUEST = 42
const UNKNOWN_MEMBER_ID = 25
const FENCED_MEMBER_EPOCH = 110
const UNSUPPORTED_ASSIGNOR = 112
const GROUP_ID_NOT_FOUND = 69
const INVALID_REGULAR_EXPRESSION = 128
const TOPIC = 'kip848-fields'
/** The broker's default requestItemsMax (gateway/limits.ts). */
const REQUEST_ITEMS_MAX = 10_000

let broker: BrokerProcess
let port: number
let topicId: string

beforeAll(async () => {
  broker = await startBrokerProcess()
  port = await kafkaPortOf(broker)
  const created = await runCli(['topics', 'create', '--topic', TOPIC, '--partitions', '4'], { env: { FAECIE_BROKER: broker.url } })
  expect(created.code, created.stderr).toBe(0)
  const metadata = await kafkaRequest(port, KAFKA_APIS.Metadata, 12,
    (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [{ topicId: new Uint8Array(16), name: TOPIC }] }), readMetadataResponse)
  topicId = hex(metadata.topics[0]!.topicId)
}, 60_000)

afterAll(async () => {
  await broker?.stop()
})

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const idBytes = (): Uint8Array => Uint8Array.from(Buffer.from(topicId, 'hex'))

function heartbeat(request: Partial<ConsumerGroupHeartbeatRequest>, version = 1): Promise<ConsumerGroupHeartbeatResponse> {
  return kafkaRequest(port, KAFKA_APIS.ConsumerGroupHeartbeat, version,
    (w) => writeConsumerGroupHeartbeatRequest(w, version, { ...defaultConsumerGroupHeartbeatRequest(), ...request }), readConsumerGroupHeartbeatResponse)
}

function describeGroups(groupIds: string[]) {
  return kafkaRequest(port, KAFKA_APIS.ConsumerGroupDescribe, 1,
    (w) => writeConsumerGroupDescribeRequest(w, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds }), readConsumerGroupDescribeResponse)
}

/** The answer's assignment as [topic id hex, sorted partitions]. */
const assigned = (r: ConsumerGroupHeartbeatResponse): Array<[string, number[]]> | null =>
  r.assignment === null ? null : r.assignment.topicPartitions.map((t) => [hex(t.topicId), [...t.partitions].sort()])

const joinOf = (groupId: string, memberId: string): Partial<ConsumerGroupHeartbeatRequest> =>
  ({ groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [TOPIC], topicPartitions: [] })

describe('ConsumerGroupHeartbeat', () => {
  it('joins with the client\'s member id (v1) or one the broker makes (v0), hands partitions by topic id, and splits them as members revoke', async () => {
    const groupId = 'kip848-split'
    const first = randomUUID()
    const joined = await heartbeat(joinOf(groupId, first))
    expect(joined).toMatchObject({ errorCode: 0, errorMessage: null, memberId: first, memberEpoch: 1 })
    expect(joined.heartbeatIntervalMs).toBeGreaterThan(0)
    expect(assigned(joined)).toEqual([[topicId, [0, 1, 2, 3]]])
    const owned = [{ topicId: idBytes(), partitions: [0, 1, 2, 3] }]
    // Nothing changed: no assignment in the answer (null: unchanged).
    expect(await heartbeat({ groupId, memberId: first, memberEpoch: 1, topicPartitions: owned })).toMatchObject({ errorCode: 0, memberEpoch: 1, assignment: null })

    const second = await heartbeat(joinOf(groupId, ''), 0)
    expect(second.errorCode).toBe(0)
    expect(second.memberId).toMatch(/.+/)
    // The second gets nothing until the first revokes what it loses.
    expect(assigned(second)).toEqual([])
    const revoke = await heartbeat({ groupId, memberId: first, memberEpoch: 1, topicPartitions: owned })
    const kept = assigned(revoke)![0]![1]
    expect(kept.length).toBe(2)
    const keptEpoch = await heartbeat({ groupId, memberId: first, memberEpoch: revoke.memberEpoch, topicPartitions: [{ topicId: idBytes(), partitions: kept }] })
    expect(keptEpoch.errorCode).toBe(0)
    const given = await waitFor('the second member to get the revoked partitions', async () => {
      const answer = await heartbeat({ groupId, memberId: second.memberId!, memberEpoch: second.memberEpoch, topicPartitions: [] })
      return answer.assignment !== null && answer.assignment.topicPartitions.length > 0 ? answer : undefined
    })
    expect(assigned(given)![0]![1]).toEqual([0, 1, 2, 3].filter((p) => !kept.includes(p)))

    const described = (await describeGroups([groupId])).groups[0]!
    expect(described).toMatchObject({ errorCode: 0, groupId, assignorName: 'uniform', groupEpoch: 2 })
    expect(described.members.map((m) => m.memberId).sort()).toEqual([first, second.memberId].sort())
    const member = described.members.find((m) => m.memberId === first)!
    expect(member).toMatchObject({ clientId: 'faecie-test', memberType: 1, subscribedTopicNames: [TOPIC], instanceId: null })
    expect(member.targetAssignment.topicPartitions.map((t) => [hex(t.topicId), t.topicName, [...t.partitions].sort()])).toEqual([[topicId, TOPIC, kept]])

    // Leaving (-1): the other member gets every partition once it heartbeats.
    expect(await heartbeat({ groupId, memberId: first, memberEpoch: -1 })).toMatchObject({ errorCode: 0, memberId: first, memberEpoch: -1 })
    const all = await heartbeat({ groupId, memberId: second.memberId!, memberEpoch: given.memberEpoch, topicPartitions: given.assignment!.topicPartitions })
    expect(assigned(all)).toEqual([[topicId, [0, 1, 2, 3]]])
  })

  it("refuses what Kafka refuses, with Kafka's codes and messages", async () => {
    const groupId = 'kip848-refusals'
    const refused = async (request: Partial<ConsumerGroupHeartbeatRequest>, version = 1) => {
      const answer = await heartbeat(request, version)
      return [answer.errorCode, answer.errorMessage]
    }
    expect(await refused({ ...joinOf(groupId, ''), memberId: '' })).toEqual([INVALID_REQUEST, "MemberId can't be empty."])
    expect(await refused({ ...joinOf(groupId, randomUUID()), rebalanceTimeoutMs: -1 })).toEqual([INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.'])
    expect(await refused({ ...joinOf(groupId, randomUUID()), topicPartitions: null })).toEqual([INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.'])
    expect(await refused({ ...joinOf(groupId, randomUUID()), subscribedTopicNames: null }))
      .toEqual([INVALID_REQUEST, 'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.'])
    expect(await refused({ ...joinOf(groupId, randomUUID()), instanceId: '' })).toEqual([INVALID_REQUEST, "InstanceId can't be empty."])
    expect(await refused({ groupId, memberId: randomUUID(), memberEpoch: -2 })).toEqual([INVALID_REQUEST, "InstanceId can't be null."])
    expect(await refused({ groupId, memberId: randomUUID(), memberEpoch: -3 })).toEqual([INVALID_REQUEST, 'MemberEpoch is invalid.'])
    const [code, message] = await refused({ ...joinOf(groupId, randomUUID()), serverAssignor: 'sticky' })
    expect(code).toBe(UNSUPPORTED_ASSIGNOR)
    expect(message).toContain('sticky')
    expect((await refused({ groupId, memberId: randomUUID(), memberEpoch: 3 }))[0]).toBe(UNKNOWN_MEMBER_ID)

    const member = randomUUID()
    const joined = await heartbeat(joinOf(groupId, member))
    expect(joined.errorCode).toBe(0)
    const [fenced, why] = await refused({ groupId, memberId: member, memberEpoch: joined.memberEpoch + 5 })
    expect(fenced).toBe(FENCED_MEMBER_EPOCH)
    expect(why).toContain(member)
    // A fenced member joins again with its own id and epoch 0, as Kafka's clients do.
    expect(await heartbeat(joinOf(groupId, member))).toMatchObject({ errorCode: 0, memberId: member })
  })

  it('subscribes by an RE2 regex (v1), names ignored beside it; a bad regex is INVALID_REGULAR_EXPRESSION', async () => {
    const groupId = 'kip848-regex'
    const member = randomUUID()
    const joined = await heartbeat({ ...joinOf(groupId, member), subscribedTopicNames: [], subscribedTopicRegex: 'kip848-f.*' })
    expect(joined).toMatchObject({ errorCode: 0, memberId: member })
    expect(assigned(joined)).toEqual([[topicId, [0, 1, 2, 3]]])
    const described = (await describeGroups([groupId])).groups[0]!
    expect(described.members.map((m) => [m.subscribedTopicRegex, m.subscribedTopicNames])).toEqual([['kip848-f.*', []]])
    const bad = await heartbeat({ ...joinOf(groupId, randomUUID()), subscribedTopicNames: null, subscribedTopicRegex: '(' })
    expect(bad.errorCode).toBe(INVALID_REGULAR_EXPRESSION)
  })
})

describe('ConsumerGroupDescribe', () => {
  it('answers GROUP_ID_NOT_FOUND for an unknown group, and for a classic group says it is not a consumer group', async () => {
    const classic = 'kip848-classic'
    // A JoinGroup (v3: no member id required) makes a classic group; its answer waits for the rebalance.
    const joining = kafkaRequest(port, KAFKA_APIS.JoinGroup, 3, (w) => writeJoinGroupRequest(w, 3, {
      ...defaultJoinGroupRequest(), groupId: classic, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }],
    }), readJoinGroupResponse)
    const described = await waitFor('the classic group to exist', async () => {
      const answer = (await describeGroups([classic, 'kip848-nobody'])).groups
      return answer[0]!.errorMessage?.includes('not a consumer group') === true ? answer : undefined
    })
    expect(described.map((g) => [g.groupId, g.errorCode])).toEqual([[classic, GROUP_ID_NOT_FOUND], ['kip848-nobody', GROUP_ID_NOT_FOUND]])
    expect(described[0]!.errorMessage).toBe(`Group ${classic} is not a consumer group.`)
    expect((await joining).errorCode).toBe(0)
  })

  it('answers a group named twice once; more ids than requestItemsMax (10,000 by default) close the connection before any work', async () => {
    const twice = (await describeGroups(['kip848-twice', 'kip848-other', 'kip848-twice'])).groups
    expect(twice.map((g) => [g.groupId, g.errorCode])).toEqual([['kip848-twice', GROUP_ID_NOT_FOUND], ['kip848-other', GROUP_ID_NOT_FOUND]])
    await expect(describeGroups(Array.from({ length: REQUEST_ITEMS_MAX + 1 }, () => ''))).rejects.toThrow('closed the connection')
    // The broker is still there for the next client.
    expect((await describeGroups(['kip848-after'])).groups.map((g) => g.errorCode)).toEqual([GROUP_ID_NOT_FOUND])
  })
})

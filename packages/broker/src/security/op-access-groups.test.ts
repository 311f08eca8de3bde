// The group and cluster ops' ACL checks, through the real handlers and a real GatewaySecurity
// (--auth scram) over ACLs set directly (op-access-test-gateway.ts): Read on a group to be a member
// and commit, Describe to look at it, Delete to delete it; per-topic refusals inside offset commits
// and fetches; listGroups filtered; the cluster ops; initProducerId with Write on some topic
// (Kafka's authorizeByResourceType); and that without --auth everything is allowed.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { openGatewaySecurity } from './gateway-security.js'
import { mayWriteSomeTopic } from './op-access.js'
import { AclTestGateway, CLIENT_ADDRESS } from './op-access-test-gateway.js'

const ALICE = 'User:alice'
const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED
const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED
const CLUSTER_DENIED = ErrorCode.CLUSTER_AUTHORIZATION_FAILED

const commit = (groupId: string, ...topics: string[]) => ({ groupId, topics: topics.map((topic) => ({ topic, partitions: [{ partition: 0, offset: 5 }] })) })

describe('group membership and offsets', () => {
  it('heartbeat and leaveGroup need Read on the group; nothing reaches the coordinator when refused', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    const join = { groupId: 'billing', memberId: '', memberEpoch: 0, subscribedTopicNames: ['orders'] }
    await expect(t.run(ALICE, 'heartbeat', join)).rejects.toMatchObject({ code: GROUP_DENIED })
    t.allow(ALICE, 'Describe', 'group', 'billing')
    await expect(t.run(ALICE, 'heartbeat', join)).rejects.toMatchObject({ code: GROUP_DENIED })
    await expect(t.run(ALICE, 'leaveGroup', { groupId: 'billing', memberId: 'm1' })).rejects.toMatchObject({ code: GROUP_DENIED })
    expect(t.groupCalls).toEqual([])
    expect(t.denials()).toContain('User:alice Read group:billing')
  })

  it('heartbeat also needs Describe on each subscribed topic, and names the ones refused', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    t.allow(ALICE, 'Read', 'group', 'bill', 'prefixed')
    t.allow(ALICE, 'Read', 'topic', 'orders')
    const join = { groupId: 'billing', memberId: '', memberEpoch: 0, subscribedTopicNames: ['orders', 'payments'] }
    await expect(t.run(ALICE, 'heartbeat', join)).rejects.toMatchObject({ code: TOPIC_DENIED, message: expect.stringContaining('payments') })
    expect(t.groupCalls).toEqual([])
    await expect(t.run(ALICE, 'heartbeat', { ...join, subscribedTopicNames: ['orders'] })).resolves.toMatchObject({ memberId: 'm1' })
    await expect(t.run(ALICE, 'leaveGroup', { groupId: 'billing', memberId: 'm1' })).resolves.toMatchObject({ memberEpoch: -1 })
  })

  it('commitOffsets: Read on the group, and Read on each topic (refused ones per partition, the others committed)', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    await expect(t.run(ALICE, 'commitOffsets', commit('billing', 'orders'))).rejects.toMatchObject({ code: GROUP_DENIED })
    t.allow(ALICE, 'Read', 'group', 'billing')
    t.allow(ALICE, 'Read', 'topic', 'orders')
    const answer = await t.run(ALICE, 'commitOffsets', commit('billing', 'orders', 'payments'))
    expect(answer.topics.map((r) => [r.topic, r.partitions[0]!.error?.code ?? 0])).toEqual([['orders', 0], ['payments', TOPIC_DENIED]])
    expect(t.groupCalls.map((c) => [c.op, (c.request.topics as Array<{ topic: string }>).map((x) => x.topic)])).toEqual([['commitOffsets', ['orders']]])
    const none = await t.run(ALICE, 'alterGroupOffsets', commit('billing', 'payments'))
    expect(none.topics.map((r) => [r.topic, r.partitions[0]!.error?.code])).toEqual([['payments', TOPIC_DENIED]])
    expect(t.groupCalls).toHaveLength(1)
  })

  it('fetchOffsets: Describe on the group; named topics refused answer the error, unnamed ones refused are left out', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    t.allow(ALICE, 'Describe', 'group', 'billing')
    t.allow(ALICE, 'Describe', 'topic', 'orders')
    const all = await t.run(ALICE, 'fetchOffsets', { groupId: 'billing' })
    expect(all.topics.map((r) => r.topic)).toEqual(['orders'])
    const named = await t.run(ALICE, 'fetchOffsets', { groupId: 'billing', topics: [{ topic: 'orders', partitions: [0] }, { topic: 'payments', partitions: [0, 1] }] })
    expect(named.topics.map((r) => [r.topic, r.error?.code ?? 0, r.partitions.map((p) => p.error?.code ?? p.offset)])).toEqual([
      ['orders', 0, [9]], ['payments', TOPIC_DENIED, [TOPIC_DENIED, TOPIC_DENIED]],
    ])
    await expect(t.run('User:bob', 'fetchOffsets', { groupId: 'billing' })).rejects.toMatchObject({ code: GROUP_DENIED })
  })
})

describe('group administration', () => {
  it('describeGroups answers GROUP_AUTHORIZATION_FAILED in place of a group without Describe', async () => {
    const t = new AclTestGateway({ topics: [] })
    t.allow(ALICE, 'Describe', 'group', 'a')
    const answer = await t.run(ALICE, 'describeGroups', { groupIds: ['a', 'b'] })
    expect(answer.groups.map((g) => [g.groupId, g.state, g.error?.code ?? 0])).toEqual([['a', 'Stable', 0], ['b', 'Dead', GROUP_DENIED]])
    expect(t.groupCalls.map((c) => c.request.groupIds)).toEqual([['a']])
  })

  it('listGroups lists the groups the principal may Describe; Describe on the cluster lists all', async () => {
    const t = new AclTestGateway({ topics: [], groups: ['team-a.x', 'team-a.y', 'team-b.z'] })
    t.allow(ALICE, 'Read', 'group', 'team-a.', 'prefixed')
    t.deny(ALICE, 'Describe', 'group', 'team-a.y')
    expect((await t.run(ALICE, 'listGroups', {})).groups.map((g) => g.groupId)).toEqual(['team-a.x'])
    t.allow('User:ops', 'Describe', 'cluster')
    expect((await t.run('User:ops', 'listGroups', {})).groups.map((g) => g.groupId)).toEqual(['team-a.x', 'team-a.y', 'team-b.z'])
  })

  it('deleteGroup needs Delete; findCoordinator needs Describe', async () => {
    const t = new AclTestGateway({ topics: [] })
    t.allow(ALICE, 'Read', 'group', 'billing')
    await expect(t.run(ALICE, 'deleteGroup', { groupId: 'billing' })).rejects.toMatchObject({ code: GROUP_DENIED })
    await expect(t.run(ALICE, 'findCoordinator', { key: 'billing' })).resolves.toMatchObject({ brokerId: 1 })
    await expect(t.run(ALICE, 'findCoordinator', { key: 'other' })).rejects.toMatchObject({ code: GROUP_DENIED })
    t.allow(ALICE, 'Delete', 'group', '*')
    await expect(t.run(ALICE, 'deleteGroup', { groupId: 'billing' })).resolves.toEqual({ groupId: 'billing' })
  })
})

describe('cluster ops', () => {
  it('stats and listPartitionReassignments need Describe on the cluster; repair, moves and elections need Alter', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    t.allow(ALICE, 'Describe', 'cluster')
    await expect(t.run(ALICE, 'stats', {})).resolves.toMatchObject({ brokerId: 1, topics: 1 })
    await expect(t.run(ALICE, 'listPartitionReassignments', {})).resolves.toMatchObject({ reassignments: [] })
    await expect(t.run(ALICE, 'repairPartition', { topic: 'orders', partition: 0, acceptDataLoss: true })).rejects.toMatchObject({ code: CLUSTER_DENIED })
    await expect(t.run(ALICE, 'electLeaders', { electionType: 'preferred' })).rejects.toMatchObject({ code: CLUSTER_DENIED })
    await expect(t.run(ALICE, 'alterPartitionReassignments', { partitions: [{ topic: 'orders', partition: 0, replicas: [1] }] }))
      .rejects.toMatchObject({ code: CLUSTER_DENIED })
    await expect(t.run('User:bob', 'stats', {})).rejects.toMatchObject({ code: CLUSTER_DENIED, message: expect.stringContaining('User:bob') })
    t.allow(ALICE, 'Alter', 'cluster')
    await expect(t.run(ALICE, 'repairPartition', { topic: 'orders', partition: 0, acceptDataLoss: true })).resolves.toMatchObject({ offsetsSkipped: 1 })
  })

  it('describeCluster shows the brokers to anyone logged in', async () => {
    const t = new AclTestGateway({ topics: [] })
    await expect(t.run(ALICE, 'describeCluster', {})).resolves.toMatchObject({ brokers: [{ brokerId: 1 }] })
  })

  it('replicaFetch is refused to a client session, even a super user\'s', async () => {
    const t = new AclTestGateway({ topics: ['orders'], superUsers: ['User:root'] })
    const request = { brokerId: 2, maxWaitMs: 0, minBytes: 0, maxBytes: 1024, partitions: [] }
    await expect(t.run(ALICE, 'replicaFetch', request)).rejects.toMatchObject({ code: CLUSTER_DENIED })
    expect(t.denials()).toEqual(['User:alice ClusterAction cluster:kafka-cluster'])
    await expect(t.run('User:root', 'replicaFetch', request)).rejects.toMatchObject({ code: CLUSTER_DENIED })
  })
})

describe('initProducerId: Write on some topic (Kafka 3+), or ClusterAction', () => {
  it('is refused with no Write anywhere, and given with a Write ACL on any topic', async () => {
    const t = new AclTestGateway({ topics: [] })
    t.allow(ALICE, 'Read', 'topic', '*')
    await expect(t.run(ALICE, 'initProducerId', {})).rejects.toMatchObject({ code: CLUSTER_DENIED })
    t.allow(ALICE, 'Write', 'topic', 'orders')
    await expect(t.run(ALICE, 'initProducerId', {})).resolves.toEqual({ producerId: 7, producerEpoch: 0 })
    t.allow('User:broker-tool', 'ClusterAction', 'cluster')
    await expect(t.run('User:broker-tool', 'initProducerId', {})).resolves.toMatchObject({ producerId: 7 })
  })

  it('follows Kafka\'s authorizeByResourceType: a Deny of the same name or a covering prefix cancels an Allow; "*" decides', () => {
    const t = new AclTestGateway({ topics: [] })
    const security = t.gateway.security
    const alice = { principal: ALICE, clientAddress: CLIENT_ADDRESS }
    t.allow(ALICE, 'Write', 'topic', 'orders')
    t.deny(ALICE, 'Write', 'topic', 'orders')
    expect(mayWriteSomeTopic(security, alice)).toBe(false)
    t.allow(ALICE, 'All', 'topic', 'team-a.logs', 'prefixed')
    t.deny('User:*', 'Write', 'topic', 'team-a.', 'prefixed')
    expect(mayWriteSomeTopic(security, alice)).toBe(false)
    t.allow(ALICE, 'Write', 'topic', 'team-b.', 'prefixed')
    expect(mayWriteSomeTopic(security, alice)).toBe(true)
    t.deny(ALICE, 'All', 'topic', '*')
    expect(mayWriteSomeTopic(security, alice)).toBe(false)
    expect(mayWriteSomeTopic(security, { principal: 'User:carol', clientAddress: CLIENT_ADDRESS })).toBe(false)
    t.allow('User:carol', 'Write', 'topic', '*')
    expect(mayWriteSomeTopic(security, { principal: 'User:carol', clientAddress: CLIENT_ADDRESS })).toBe(true)
    expect(mayWriteSomeTopic(security, { principal: 'User:carol', clientAddress: CLIENT_ADDRESS, peerBrokerId: 2 })).toBe(true)
  })
})

describe('without --auth scram', () => {
  it('every op is allowed with no ACL at all', async () => {
    const t = new AclTestGateway({ topics: ['orders'], groups: ['g'] })
    ;(t.gateway as { security: unknown }).security = openGatewaySecurity(silentLogger())
    await expect(t.run('User:ANONYMOUS', 'produce', { acks: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, records: new Uint8Array(8) }] }] }))
      .resolves.toMatchObject({ topics: [{ partitions: [{ baseOffset: 0 }] }] })
    await expect(t.run('User:ANONYMOUS', 'metadata', {})).resolves.toMatchObject({ topics: [{ topic: 'orders' }] })
    await expect(t.run('User:ANONYMOUS', 'commitOffsets', commit('g', 'orders'))).resolves.toMatchObject({ topics: [{ topic: 'orders' }] })
    await expect(t.run('User:ANONYMOUS', 'listGroups', {})).resolves.toMatchObject({ groups: [{ groupId: 'g' }] })
    await expect(t.run('User:ANONYMOUS', 'initProducerId', {})).resolves.toMatchObject({ producerId: 7 })
    await expect(t.run('User:ANONYMOUS', 'stats', {})).resolves.toMatchObject({ brokerId: 1 })
    expect(t.audit).toEqual([])
  })
})

// The topic ops' ACL checks, through the real handlers and a real GatewaySecurity (--auth scram)
// over ACLs set directly (op-access-test-gateway.ts): Kafka's operation per op, per-topic refusals
// with nothing written or read, deny over allow, prefixed and wildcard names, super users, the
// implied Describe, topics hidden from metadata, and an audit line for each refusal.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { waitFor } from '../../../../test/support/wait-for.js'
import { SessionSubscriptions } from '../gateway/subscriptions.js'
import { AclTestGateway } from './op-access-test-gateway.js'

const ALICE = 'User:alice'
const records = new Uint8Array(8)

function produceTo(...topics: string[]) {
  return { acks: -1 as const, topics: topics.map((topic) => ({ topic, partitions: [{ partition: 0, records }, { partition: 1, records }] })) }
}

function errorCodes(answer: { topics: Array<{ topic: string; partitions: Array<{ error?: { code: number } }> }> }): Record<string, number[]> {
  return Object.fromEntries(answer.topics.map((t) => [t.topic, t.partitions.map((p) => p.error?.code ?? 0)]))
}

const DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED

describe('produce: Write on each topic', () => {
  it('writes the allowed topic; the refused one answers TOPIC_AUTHORIZATION_FAILED per partition and nothing of it is written', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    t.allow(ALICE, 'Write', 'topic', 'orders')
    const answer = await t.run(ALICE, 'produce', produceTo('orders', 'payments'))
    expect(errorCodes(answer)).toEqual({ orders: [0, 0], payments: [DENIED, DENIED] })
    expect(t.produced).toEqual(['orders-0', 'orders-1'])
    const refusal = answer.topics[1]!.partitions[0]!.error!
    expect(refusal.message).toContain('User:alice')
    expect(refusal.message).toContain('Write')
    expect(t.denials()).toEqual(['User:alice Write topic:payments'])
  })

  it('a Deny wins over an Allow of All, whatever the order they came in', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    t.deny(ALICE, 'Write', 'topic', 'orders')
    t.allow(ALICE, 'All', 'topic', '*')
    expect(errorCodes(await t.run(ALICE, 'produce', produceTo('orders')))).toEqual({ orders: [DENIED, DENIED] })
    expect(t.produced).toEqual([])
  })

  it('a prefixed Allow covers the topics starting with it, and User:* covers every principal', async () => {
    const t = new AclTestGateway({ topics: ['team-a.events', 'team-b.events', 'shared'] })
    t.allow(ALICE, 'Write', 'topic', 'team-a.', 'prefixed')
    t.allow('User:*', 'Write', 'topic', 'shared')
    const answer = await t.run(ALICE, 'produce', produceTo('team-a.events', 'team-b.events', 'shared'))
    expect(errorCodes(answer)).toEqual({ 'team-a.events': [0, 0], 'team-b.events': [DENIED, DENIED], shared: [0, 0] })
  })

  it('an ACL for another host does not apply', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    t.acl('Allow', ALICE, 'Write', 'topic', 'orders', 'literal', '192.168.1.1')
    expect(errorCodes(await t.run(ALICE, 'produce', produceTo('orders')))).toEqual({ orders: [DENIED, DENIED] })
  })

  it('a super user needs no ACL, and no Deny stops it', async () => {
    const t = new AclTestGateway({ topics: ['orders'], superUsers: ['User:root'] })
    t.deny('User:*', 'All', 'topic', '*')
    expect(errorCodes(await t.run('User:root', 'produce', produceTo('orders')))).toEqual({ orders: [0, 0] })
  })

  it('auto-creation needs Create on the cluster or the topic; without it nothing is created nor written', async () => {
    const t = new AclTestGateway({ topics: [], autoCreateTopics: true })
    t.allow(ALICE, 'Write', 'topic', 'new-', 'prefixed')
    t.allow(ALICE, 'Create', 'topic', 'new-ok')
    const answer = await t.run(ALICE, 'produce', produceTo('new-ok', 'new-refused'))
    expect(errorCodes(answer)).toEqual({ 'new-ok': [0, 0], 'new-refused': [DENIED, DENIED] })
    expect(answer.topics[1]!.partitions[0]!.error!.message).toContain('Create')
    expect(t.ensured).toEqual(['new-ok'])
    expect(t.produced).toEqual(['new-ok-0', 'new-ok-1'])
    t.allow('User:bob', 'Write', 'topic', '*')
    t.allow('User:bob', 'Create', 'cluster')
    expect(errorCodes(await t.run('User:bob', 'produce', produceTo('new-by-bob')))).toEqual({ 'new-by-bob': [0, 0] })
  })

  it('a refused topic that does not exist is refused, not reported missing (nor created)', async () => {
    const t = new AclTestGateway({ topics: [], autoCreateTopics: true })
    expect(errorCodes(await t.run(ALICE, 'produce', produceTo('secret')))).toEqual({ secret: [DENIED, DENIED] })
    expect(t.ensured).toEqual([])
  })
})

describe('fetch, subscribe: Read; listOffsets: Describe', () => {
  it('fetch reads only the topics the principal may Read; Write alone gives Describe, not Read', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    t.allow(ALICE, 'Read', 'topic', 'orders')
    t.allow(ALICE, 'Write', 'topic', 'payments')
    const answer = await t.run(ALICE, 'fetch', { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [
      { topic: 'orders', partitions: [{ partition: 0, offset: 0 }] }, { topic: 'payments', partitions: [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }] },
    ] })
    expect(errorCodes(answer)).toEqual({ orders: [0], payments: [DENIED, DENIED] })
    expect(t.read).toEqual(['orders-0'])
    expect(t.denials()).toEqual(['User:alice Read topic:payments'])
  })

  it('subscribe needs Read on the topic', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    await expect(t.run(ALICE, 'subscribe', { topic: 'orders', partition: 0, offset: 0, creditBytes: 1024 }))
      .rejects.toMatchObject({ code: DENIED })
    expect(t.subscribed).toEqual([])
    t.allow(ALICE, 'Read', 'topic', 'ord', 'prefixed')
    await expect(t.run(ALICE, 'subscribe', { topic: 'orders', partition: 0, offset: 0, creditBytes: 1024 })).resolves.toEqual({ sub: 1 })
    expect(t.subscribed).toEqual(['orders-0'])
  })

  it('a running subscription ends with TOPIC_AUTHORIZATION_FAILED once its Read is taken away', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    t.allow(ALICE, 'Read', 'topic', 'orders')
    const pushes: Array<Record<string, unknown>> = []
    const subscriptions = new SessionSubscriptions(t.gateway, t.session(ALICE), { push: (frame) => pushes.push(frame), congested: () => false })
    const sub = await subscriptions.subscribe('orders', 0, 0, 1024)
    await waitFor('the subscription\'s first read', () => t.read.length > 0)
    expect(pushes).toEqual([])
    t.state.removeAcls({ principal: ALICE })
    // Credit wakes it (once its first read is over): its next look finds the Read gone.
    await waitFor('the refusal pushed', () => { subscriptions.credit(sub, 1); return pushes.length > 0 })
    expect(pushes).toEqual([{ sub, error: expect.objectContaining({ code: DENIED }) }])
    expect(subscriptions.size).toBe(0)
    expect(t.denials()).toEqual(['User:alice Read topic:orders'])
  })

  it('listOffsets needs Describe, which Read implies', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    t.allow(ALICE, 'Read', 'topic', 'orders')
    const answer = await t.run(ALICE, 'listOffsets', { topics: [
      { topic: 'orders', partitions: [{ partition: 0, timestamp: -1 }] }, { topic: 'payments', partitions: [{ partition: 0, timestamp: -1 }] },
    ] })
    expect(errorCodes(answer)).toEqual({ orders: [0], payments: [DENIED] })
    expect(t.partitionCalls.map((c) => `${c.op} ${c.topic}`)).toEqual(['listOffsets orders'])
  })
})

describe('metadata and describeTopics: Describe', () => {
  it('metadata without names hides the topics the principal may not Describe', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments', 'audit'] })
    t.allow(ALICE, 'Describe', 'topic', 'orders')
    t.allow(ALICE, 'Read', 'topic', 'audit')
    const answer = await t.run(ALICE, 'metadata', {})
    expect(answer.topics.map((m) => m.topic)).toEqual(['audit', 'orders'])
    expect(t.denials()).toEqual([])
  })

  it('metadata naming a topic without Describe answers TOPIC_AUTHORIZATION_FAILED for it, whether it exists or not', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments'] })
    t.allow(ALICE, 'Describe', 'topic', 'orders')
    const answer = await t.run(ALICE, 'metadata', { topics: ['orders', 'payments', 'nowhere'] })
    expect(answer.topics.map((m) => [m.topic, m.error?.code ?? 0, m.partitions.length])).toEqual([
      ['orders', 0, 2], ['payments', DENIED, 0], ['nowhere', DENIED, 0],
    ])
  })

  it('metadata auto-creates a topic only with Create on the cluster or the topic', async () => {
    const t = new AclTestGateway({ topics: [], autoCreateTopics: true })
    t.allow(ALICE, 'Describe', 'topic', '*')
    const refused = await t.run(ALICE, 'metadata', { topics: ['fresh'] })
    expect(refused.topics[0]!.error?.code).toBe(DENIED)
    expect(t.ensured).toEqual([])
    t.allow(ALICE, 'Create', 'cluster')
    const created = await t.run(ALICE, 'metadata', { topics: ['fresh'] })
    expect(created.topics[0]!.error).toBeUndefined()
    expect(t.ensured).toEqual(['fresh'])
  })

  it('describeTopics refuses a topic without Describe, and shows its config only with DescribeConfigs', async () => {
    const t = new AclTestGateway({ topics: ['orders', 'payments', 'audit'] })
    t.allow(ALICE, 'Read', 'topic', 'orders')
    t.allow(ALICE, 'AlterConfigs', 'topic', 'audit')
    t.allow(ALICE, 'Describe', 'topic', 'audit')
    const answer = await t.run(ALICE, 'describeTopics', { topics: ['orders', 'payments', 'audit'] })
    expect(answer.topics.map((d) => [d.topic, d.error?.code ?? 0, d.config !== undefined, d.partitions?.length ?? 0])).toEqual([
      ['orders', 0, false, 2], ['payments', DENIED, false, 0], ['audit', 0, true, 2],
    ])
  })
})

describe('topic administration', () => {
  it('createTopics: Create on the topic or the cluster, refused per topic', async () => {
    const t = new AclTestGateway({ topics: [] })
    t.allow(ALICE, 'Create', 'topic', 'mine-', 'prefixed')
    const answer = await t.run(ALICE, 'createTopics', { topics: [{ topic: 'mine-1' }, { topic: 'yours' }] })
    expect(answer.topics.map((r) => [r.topic, r.error?.code ?? 0])).toEqual([['mine-1', 0], ['yours', DENIED]])
    expect(t.created).toEqual(['mine-1'])
  })

  it('deleteTopics: Delete on each topic; deleteRecords: Delete per partition', async () => {
    const t = new AclTestGateway({ topics: ['a', 'b'] })
    t.allow(ALICE, 'Delete', 'topic', 'a')
    const records = await t.run(ALICE, 'deleteRecords', { topics: [{ topic: 'a', partitions: [{ partition: 0, offset: -1 }] },
      { topic: 'b', partitions: [{ partition: 0, offset: -1 }, { partition: 1, offset: -1 }] }] })
    expect(errorCodes(records)).toEqual({ a: [0], b: [DENIED, DENIED] })
    const deleted = await t.run(ALICE, 'deleteTopics', { topics: ['a', 'b'] })
    expect(deleted.topics.map((r) => [r.topic, r.error?.code ?? 0])).toEqual([['a', 0], ['b', DENIED]])
    expect(t.deleted).toEqual(['a'])
  })

  it('alterTopicConfig needs AlterConfigs; createPartitions needs Alter', async () => {
    const t = new AclTestGateway({ topics: ['orders'] })
    t.allow(ALICE, 'Alter', 'topic', 'orders')
    await expect(t.run(ALICE, 'alterTopicConfig', { topic: 'orders', config: { 'retention.ms': '1000' } })).rejects.toSatisfy(
      (err: unknown) => err instanceof FaecieError && err.code === DENIED && err.message.includes('AlterConfigs'))
    await expect(t.run(ALICE, 'createPartitions', { topic: 'orders', count: 3 })).resolves.toEqual({ topic: 'orders', count: 3 })
    t.allow(ALICE, 'AlterConfigs', 'topic', 'orders')
    await expect(t.run(ALICE, 'alterTopicConfig', { topic: 'orders', config: {} })).resolves.toMatchObject({ topic: 'orders' })
    expect(t.denials()).toEqual(['User:alice AlterConfigs topic:orders'])
  })
})

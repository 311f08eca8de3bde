// ACLs end to end (issue 19): a real broker process with --auth scram and a bootstrap super user,
// users and ACLs made with the client's admin (upsertUser, createAcls), and clients logged in as
// those users. A principal without Write cannot produce (a clear error naming it and the operation,
// and nothing written), one without Read cannot consume nor join a group, a prefixed ACL covers the
// topics it starts, a Deny wins over an Allow, a super user needs no ACL, and metadata hides the
// topics a principal may not describe. docs/acl-ops.md lists the operation each op needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, type AclBinding } from '@faecie/protocol'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { readMessages } from '../support/client-read.js'
import { writeTempFile } from '../support/temp-dir.js'

const ADMIN_PASSWORD = 'admin-secret-19'
const PASSWORDS = { alice: 'alice-secret-19', bob: 'bob-secret-19' } as const

let broker: BrokerProcess
let root: Admin

/** A client logged in as `username` (SCRAM-SHA-256); each part made of it connects, and is disconnected, on its own. */
function clientOf(username: string, password: string): Faecie {
  return new Faecie({ brokers: [broker.url], clientId: `acls-${username}`, sasl: { mechanism: 'scram-sha-256', username, password } })
}

const alice = (): Faecie => clientOf('alice', PASSWORDS.alice)
const bob = (): Faecie => clientOf('bob', PASSWORDS.bob)

function acl(principal: string, operation: AclBinding['operation'], resourceType: AclBinding['resourceType'], resourceName: string,
  options: { patternType?: AclBinding['patternType']; permission?: AclBinding['permission'] } = {}): AclBinding {
  return { principal, host: '*', resourceType, resourceName, patternType: options.patternType ?? 'literal', operation, permission: options.permission ?? 'Allow' }
}

beforeAll(async () => {
  const passwordFile = writeTempFile('acls-bootstrap', 'password', ADMIN_PASSWORD)
  broker = await startBrokerProcess({ args: ['--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', passwordFile] })
  root = clientOf('admin', ADMIN_PASSWORD).admin()
  await root.upsertUser({ user: 'alice', password: PASSWORDS.alice, mechanism: 'SCRAM-SHA-256' })
  await root.upsertUser({ user: 'bob', password: PASSWORDS.bob, mechanism: 'SCRAM-SHA-256' })
  await root.createTopics({ topics: ['orders', 'payments', 'team-a.events', 'team-a.secret', 'team-b.events'].map((topic) => ({ topic, numPartitions: 1 })) })
  await root.createAcls({ acls: [
    acl('User:alice', 'Write', 'topic', 'orders'),
    acl('User:alice', 'Describe', 'topic', 'payments'),
    acl('User:bob', 'Read', 'topic', 'team-a.', { patternType: 'prefixed' }),
    acl('User:bob', 'Read', 'group', 'team-a-', { patternType: 'prefixed' }),
    acl('User:bob', 'Read', 'topic', 'team-a.secret', { permission: 'Deny' }),
  ] })
  const producer = clientOf('admin', ADMIN_PASSWORD).producer()
  for (const topic of ['team-a.events', 'team-a.secret', 'team-b.events']) await producer.send({ topic, messages: [{ value: `first of ${topic}` }] })
  await producer.disconnect()
})

afterAll(async () => {
  await root?.disconnect()
  await broker?.stop()
})

const highWatermark = async (topic: string): Promise<number> => (await root.fetchTopicOffsets(topic))[0]!.high

describe('Write', () => {
  it('a principal with Write produces; without it the produce is refused naming principal and operation, and nothing is written', async () => {
    const producer = alice().producer()
    try {
      await producer.send({ topic: 'orders', messages: [{ value: 'allowed' }] })
      expect(await highWatermark('orders')).toBe(1)
      const refused = producer.send({ topic: 'payments', messages: [{ value: 'refused' }] })
      await expect(refused).rejects.toMatchObject({ code: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
      await expect(refused).rejects.toThrow(/User:alice.*Write/)
      expect(await highWatermark('payments')).toBe(0)
    } finally {
      await producer.disconnect()
    }
  })

  it('a principal without Create cannot make a topic', async () => {
    const admin = alice().admin()
    try {
      await expect(admin.createTopics({ topics: [{ topic: 'alice-made' }] })).rejects.toMatchObject({ code: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
      expect(await root.listTopics()).not.toContain('alice-made')
    } finally {
      await admin.disconnect()
    }
  })
})

describe('Read', () => {
  it('a prefixed Allow lets a principal read the topics it starts, and no other', async () => {
    const faecie = bob()
    const [message] = await readMessages(faecie, 'team-a.events', 1)
    expect(new TextDecoder().decode(message!.value!)).toBe('first of team-a.events')
    await expect(readMessages(faecie, 'team-b.events', 1)).rejects.toMatchObject({ code: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
  })

  it('a Deny wins over the prefixed Allow; a super user needs no ACL at all', async () => {
    await expect(readMessages(bob(), 'team-a.secret', 1)).rejects.toMatchObject({ code: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
    const [message] = await readMessages(clientOf('admin', ADMIN_PASSWORD), 'team-a.secret', 1)
    expect(new TextDecoder().decode(message!.value!)).toBe('first of team-a.secret')
  })

  it('a principal without Read on the group cannot join it', async () => {
    const consumer = bob().consumer({ groupId: 'other-group', autoOffsetReset: 'earliest' })
    try {
      const crashed = new Promise<unknown>((resolve) => consumer.on('crash', resolve))
      await consumer.subscribe({ topics: ['team-a.events'] })
      expect(await crashed).toMatchObject({ code: ErrorCode.GROUP_AUTHORIZATION_FAILED })
    } finally {
      await consumer.disconnect()
    }
  })

  it('with Read on the group and the topic, a member joins and gets the partition', async () => {
    const consumer = bob().consumer({ groupId: 'team-a-readers', autoOffsetReset: 'earliest' })
    try {
      await consumer.subscribe({ topics: ['team-a.events'] })
      for await (const message of consumer.stream()) {
        expect(message.topic).toBe('team-a.events')
        break
      }
    } finally {
      await consumer.disconnect()
    }
  })
})

describe('Describe', () => {
  it('metadata lists only the topics the principal may describe; naming another is refused', async () => {
    const admin = bob().admin()
    try {
      expect((await admin.listTopics()).sort()).toEqual(['team-a.events', 'team-a.secret'])
      await expect(admin.describeTopics({ topics: ['orders'] })).rejects.toMatchObject({ code: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
      expect((await root.listTopics()).sort()).toEqual(['orders', 'payments', 'team-a.events', 'team-a.secret', 'team-b.events'])
    } finally {
      await admin.disconnect()
    }
  })
})

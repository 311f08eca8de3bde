// Users and ACLs of a cluster live in etcd (cluster/security-etcd.ts): made through one broker, every
// broker describes them (each watches etcd), a restarted broker reads them again, and a deletion
// through another broker reaches the first. The brokers run without --auth, so no login is needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, type AclBinding } from '../../packages/protocol/src/index.js'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'

let cluster: TestCluster
const admins: Admin[] = []

beforeAll(async () => {
  cluster = await startCluster({ brokers: 2 })
}, 15 * 60_000)

afterAll(async () => {
  for (const a of admins.splice(0)) await a.disconnect().catch(() => {})
  await cluster?.close()
})

/** An admin that talks to this broker only. */
function adminAt(brokerId: number): Admin {
  const admin = new Faecie({ brokers: [cluster.url(brokerId)], clientId: 'security-etcd', retry: { retries: 2 } }).admin()
  admins.push(admin)
  return admin
}

const acl: AclBinding = { principal: 'User:alice', host: '*', resourceType: 'topic', resourceName: 'orders', patternType: 'literal', operation: 'Read',
  permission: 'Allow' }

describe('users and ACLs in etcd', () => {
  it('are seen by every broker, survive a restart, and are deleted through any broker', async () => {
    const one = adminAt(1)
    await one.upsertUser({ user: 'alice', password: 'alice-secret' })
    await one.upsertUser({ user: 'a/b,c=d', password: 'odd-name', mechanism: 'SCRAM-SHA-256' })
    await one.createAcls({ acls: [acl] })
    expect((await one.describeUsers()).map((u) => u.user)).toEqual(['a/b,c=d', 'alice'])
    expect(await one.describeAcls()).toEqual([acl])

    const two = adminAt(2)
    await waitFor('broker 2 sees the users and the ACL', async () =>
      (await two.describeUsers()).length === 2 && (await two.describeAcls()).length === 1)

    await cluster.restart(2)
    const twoAgain = adminAt(2)
    expect((await twoAgain.describeUsers()).map((u) => u.user)).toEqual(['a/b,c=d', 'alice'])
    expect(await twoAgain.deleteAcls({ filters: [{ principal: 'User:alice' }] })).toEqual([acl])
    await twoAgain.deleteUser({ user: 'alice' })
    expect(await twoAgain.describeAcls()).toEqual([])

    await waitFor('broker 1 sees the deletions', async () =>
      (await one.describeAcls()).length === 0 && (await one.describeUsers({ users: ['alice'] }))[0]?.error?.code === ErrorCode.RESOURCE_NOT_FOUND)
    expect((await one.describeUsers()).map((u) => u.user)).toEqual(['a/b,c=d'])
  })
})

// Users and ACLs kept by a real broker process (issue 19): made through the admin client, replayed
// from the metadata log after a restart, described (never a key or a salt) and deleted; the bootstrap
// user lives in memory only and cannot be overwritten; a principal without Alter on the cluster
// cannot make users or ACLs (CLUSTER_AUTHORIZATION_FAILED).
//
// The tests that log in (the `sasl` client option, built by the login part of issue 19) skip
// themselves on a tree where logging in is not built yet: the broker then sees every client as
// User:ANONYMOUS.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, type TestContext } from 'vitest'
import { ErrorCode, type AclBinding } from '../../packages/protocol/src/index.js'
import { Faecie, type Admin, type FaecieConfig } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { makeTempDir } from '../support/temp-dir.js'

const brokers: BrokerProcess[] = []
const admins: Admin[] = []

afterEach(async () => {
  for (const a of admins.splice(0)) await a.disconnect().catch(() => {})
  for (const b of brokers.splice(0)) await b.stop()
})

async function start(args: string[] = []): Promise<BrokerProcess> {
  const broker = await startBrokerProcess({ args })
  brokers.push(broker)
  return broker
}

function adminOf(broker: BrokerProcess, login?: { username: string; password: string }): Admin {
  // `sasl` is the login part's client option (issue 19); cast so that this file reads on either tree.
  const config = { brokers: [broker.url], clientId: 'security-store', retry: { retries: 2 },
    ...(login === undefined ? {} : { sasl: { mechanism: 'scram-sha-256', ...login } }) } as FaecieConfig
  const admin = new Faecie(config).admin()
  admins.push(admin)
  return admin
}

async function codeOf(work: Promise<unknown>): Promise<number | undefined> {
  try {
    await work
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

const acl = (principal: string, resourceName: string, operation: AclBinding['operation'], patternType: AclBinding['patternType'] = 'literal'): AclBinding =>
  ({ principal, host: '*', resourceType: 'topic', resourceName, patternType, operation, permission: 'Allow' })

describe('users and ACLs in the metadata log', () => {
  it('are made, described without keys, deleted, and replayed after a restart', async () => {
    const broker = await start()
    let admin = adminOf(broker)
    await admin.upsertUser({ user: 'alice', password: 'alice-secret' })
    await admin.upsertUser({ user: 'alice', password: 'alice-secret', mechanism: 'scram-sha-256', iterations: 8192 })
    await admin.upsertUser({ user: 'bob', password: 'bob-secret', mechanism: 'SCRAM-SHA-256' })
    await admin.upsertUser({ user: 'carol', password: 'carol-secret' })
    await admin.createAcls({ acls: [acl('User:alice', 'orders', 'Read'), acl('User:alice', 'pay', 'Write', 'prefixed'), acl('User:bob', '*', 'Describe')] })
    await admin.createAcls({ acls: [acl('User:alice', 'orders', 'Read')] })
    const users = await admin.describeUsers()
    expect(users).toEqual([
      { user: 'alice', mechanisms: expect.arrayContaining([{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }, { mechanism: 'SCRAM-SHA-256', iterations: 8192 }]) },
      { user: 'bob', mechanisms: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
      { user: 'carol', mechanisms: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
    ])
    expect(JSON.stringify(users)).not.toMatch(/salt|storedKey|serverKey/)
    expect(await admin.describeAcls({ principal: 'User:alice' })).toHaveLength(2)

    expect(await admin.deleteAcls({ filters: [{ resourceName: 'orders' }, { principal: 'User:nobody' }] })).toEqual([acl('User:alice', 'orders', 'Read')])
    await admin.deleteUser({ user: 'alice', mechanism: 'SCRAM-SHA-256' })
    await admin.deleteUser({ user: 'bob' })
    expect(await codeOf(admin.deleteUser({ user: 'bob', mechanism: 'SCRAM-SHA-256' }))).toBe(ErrorCode.RESOURCE_NOT_FOUND)
    const before = { users: await admin.describeUsers(), acls: await admin.describeAcls() }

    await broker.restart()
    admin = adminOf(broker)
    expect(await admin.describeUsers()).toEqual(before.users)
    expect(await admin.describeAcls()).toEqual(before.acls)
    expect(before.users.map((u) => u.user)).toEqual(['alice', 'carol'])
    expect(before.users[0]).toEqual({ user: 'alice', mechanisms: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }] })
    expect((await admin.describeUsers({ users: ['bob'] }))[0]?.error?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
    expect(before.acls.map((b) => b.resourceName).sort()).toEqual(['*', 'pay'])
  })

  it('refuse a principal without Alter on the cluster', async () => {
    const dir = makeTempDir('security-store')
    const passwordFile = join(dir, 'admin-password')
    writeFileSync(passwordFile, 'admin-secret\n')
    const broker = await start(['--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', passwordFile])
    const anonymous = adminOf(broker)
    // Without a login: refused (AUTHENTICATION_REQUIRED where logins are enforced, else as User:ANONYMOUS).
    const refused = [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.AUTHENTICATION_REQUIRED]
    expect(refused).toContain(await codeOf(anonymous.createAcls({ acls: [acl('User:eve', '*', 'All')] })))
    expect(refused).toContain(await codeOf(anonymous.upsertUser({ user: 'eve', password: 'eve-secret' })))
    expect(refused).toContain(await codeOf(anonymous.describeUsers()))
  })
})

describe('users and ACLs with logins (needs the login part of issue 19)', () => {
  /** The admin, logged in; skips the test where logins are not built on this tree. */
  async function loggedInAdmin(ctx: TestContext, broker: BrokerProcess, password: string) {
    const admin = adminOf(broker, { username: 'admin', password })
    try {
      await admin.describeUsers()
    } catch (err) {
      if (String((err as Error).message).includes('ANONYMOUS') || (err as { code?: number }).code === ErrorCode.SECURITY_DISABLED) ctx.skip()
      throw err
    }
    return admin
  }

  it('keeps the bootstrap user in memory; a user without Alter cannot make users or ACLs', async (ctx) => {
    const dir = makeTempDir('security-store')
    const passwordFile = join(dir, 'admin-password')
    writeFileSync(passwordFile, 'admin-secret\n')
    const broker = await start(['--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', passwordFile])
    let admin = await loggedInAdmin(ctx, broker, 'admin-secret')
    expect((await admin.describeUsers()).map((u) => u.user)).toEqual(['admin'])
    expect(await codeOf(admin.upsertUser({ user: 'admin', password: 'other' }))).toBe(ErrorCode.POLICY_VIOLATION)
    await admin.upsertUser({ user: 'alice', password: 'alice-secret', mechanism: 'scram-sha-256' })
    await admin.createAcls({ acls: [acl('User:alice', 'orders', 'Read')] })

    await broker.restart()
    admin = await loggedInAdmin(ctx, broker, 'admin-secret')
    expect((await admin.describeUsers()).map((u) => u.user)).toEqual(['admin', 'alice'])
    const alice = adminOf(broker, { username: 'alice', password: 'alice-secret' })
    expect(await codeOf(alice.createAcls({ acls: [acl('User:alice', '*', 'All')] }))).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    expect(await codeOf(alice.upsertUser({ user: 'mallory', password: 'mallory-secret' }))).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    expect(await codeOf(alice.deleteUser({ user: 'admin', mechanism: 'SCRAM-SHA-256' }))).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    expect(await admin.describeAcls()).toEqual([acl('User:alice', 'orders', 'Read')])
  })
})

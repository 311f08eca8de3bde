// The user and ACL op handlers against a real GatewaySecurity (--auth scram, bootstrap user admin)
// and an in-memory store with the metadata log's rules: Kafka's cluster Alter/Describe checks, keys
// derived from the salted password (the same as from the password), the bootstrap user refused,
// name limits, per-item answers, descriptions without keys, and SECURITY_DISABLED without a store.
import { describe, expect, it } from 'vitest'
import {
  CLUSTER_RESOURCE_NAME, ErrorCode, FaecieError, saltedPassword, scramCredential, type AclBinding, type OpName, type OpRequest, type OpResponse,
} from '@faecie/protocol'
import { silentLogger } from '../../log.js'
import { GatewaySecurity } from '../../security/gateway-security.js'
import { parseSecurityFlags } from '../../server/security-config.js'
import { MetadataState } from '../../coordinator/metadata-state.js'
import { applySecurityRecords, attachSecurityStore, type SecurityStore } from '../../coordinator/security-store.js'
import { planAclCreations, planAclDeletions, planUserChanges } from '../../coordinator/security-writes.js'
import type { SecurityRecord } from '../../coordinator/records.js'
import { NO_RESPONSE, type Gateway, type OpHandler, type SessionHandle } from '../context.js'
import { createAcls, deleteAcls, describeAcls } from './acls.js'
import { alterUsers, describeUsers } from './users.js'

const limits = { usersMax: 100, aclsMax: 100 }

function setUp(withStore = true): { gateway: Gateway } {
  const config = parseSecurityFlags({ auth: 'scram', 'bootstrap-user': 'admin' }, { limits: { userNameCharsMax: 16 } }, (m) => new Error(m))
  const security = new GatewaySecurity(config, silentLogger())
  const mirror = new MetadataState()
  const reserved = new Set(['admin'])
  const commit = (records: SecurityRecord[]): void => {
    for (const r of records) mirror.apply(r)
    applySecurityRecords(security.state, records, reserved)
  }
  const store: SecurityStore = {
    alterUsers: async (u, d) => { const plan = planUserChanges(mirror, u, d, limits); commit(plan.records); return plan.results },
    createAcls: async (acls) => { const plan = planAclCreations(mirror, acls, limits); commit(plan.records); return plan.results },
    deleteAcls: async (filters) => { const plan = planAclDeletions(mirror, filters); commit(plan.records); return plan.results },
  }
  if (withStore) attachSecurityStore(security.state, store, reserved)
  return { gateway: { security, cluster: undefined, logger: silentLogger() } as unknown as Gateway }
}

const as = (user: string): SessionHandle => ({ principal: `User:${user}`, clientAddress: '127.0.0.1', authenticated: true } as unknown as SessionHandle)

async function run<Op extends OpName>(handler: OpHandler<Op>, gateway: Gateway, user: string, request: OpRequest<Op>): Promise<OpResponse<Op>> {
  const answer = await handler(request, { gateway, session: as(user), hold: () => {} })
  if (answer === NO_RESPONSE) throw new Error('no response')
  return answer
}

async function codeOf(work: Promise<unknown>): Promise<number | undefined> {
  try {
    await work
  } catch (err) {
    return (err as FaecieError).code
  }
  return undefined
}

const salt = new Uint8Array(32).fill(5)
async function upsertion(user: string, password = 'secret') {
  return { user, mechanism: 'SCRAM-SHA-256' as const, iterations: 4096, salt, saltedPassword: await saltedPassword('SCRAM-SHA-256', password, salt, 4096) }
}
const clusterAcl = (operation: AclBinding['operation']): AclBinding => ({ principal: 'User:alice', host: '*', resourceType: 'cluster',
  resourceName: CLUSTER_RESOURCE_NAME, patternType: 'literal', operation, permission: 'Allow' })

describe('user and ACL ops', () => {
  it('store the credential the password gives, refuse the bootstrap user and long names, and describe without keys', async () => {
    const { gateway } = setUp()
    const answer = await run(alterUsers, gateway, 'admin', {
      upsertions: [await upsertion('alice'), await upsertion('admin'), await upsertion('x'.repeat(17))],
      deletions: [{ user: 'admin', mechanism: 'SCRAM-SHA-512' }, { user: 'bob', mechanism: 'SCRAM-SHA-256' }],
    })
    expect(answer.results.map((r) => [r.user.slice(0, 5), r.error?.code ?? 0])).toEqual([['alice', 0], ['admin', ErrorCode.POLICY_VIOLATION],
      ['xxxxx', ErrorCode.INVALID_REQUEST], ['admin', ErrorCode.POLICY_VIOLATION], ['bob', ErrorCode.RESOURCE_NOT_FOUND]])
    const expected = await scramCredential('SCRAM-SHA-256', 'secret', salt, 4096)
    expect(gateway.security.state.credential('alice', 'SCRAM-SHA-256')).toEqual(expected)
    const described = await run(describeUsers, gateway, 'admin', { users: ['alice', 'nobody'] })
    expect(described.users[0]).toEqual({ user: 'alice', mechanisms: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] })
    expect(described.users[1]?.error?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
  })

  it('need Alter on the cluster to change and Describe to read (Kafka\'s rules)', async () => {
    const { gateway } = setUp()
    const denied = ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    expect(await codeOf(run(alterUsers, gateway, 'alice', { upsertions: [await upsertion('mallory')], deletions: [] }))).toBe(denied)
    expect(await codeOf(run(createAcls, gateway, 'alice', { acls: [clusterAcl('All')] }))).toBe(denied)
    expect(await codeOf(run(deleteAcls, gateway, 'alice', { filters: [{}] }))).toBe(denied)
    expect(await codeOf(run(describeUsers, gateway, 'alice', {}))).toBe(denied)
    expect(await codeOf(run(describeAcls, gateway, 'alice', { filter: {} }))).toBe(denied)
    expect(gateway.security.state.userCount).toBe(0)

    await run(createAcls, gateway, 'admin', { acls: [clusterAcl('Describe')] })
    expect(await run(describeAcls, gateway, 'alice', { filter: {} })).toEqual({ acls: [clusterAcl('Describe')] })
    expect(await codeOf(run(createAcls, gateway, 'alice', { acls: [clusterAcl('All')] }))).toBe(denied)
    await run(createAcls, gateway, 'admin', { acls: [clusterAcl('Alter')] })
    expect(await run(alterUsers, gateway, 'alice', { upsertions: [await upsertion('bob')], deletions: [] })).toEqual({ results: [{ user: 'bob' }] })
    expect(await run(deleteAcls, gateway, 'alice', { filters: [{ operation: 'Describe' }] })).toEqual({ results: [{ deleted: [clusterAcl('Describe')] }] })
  })

  it('answer SECURITY_DISABLED where nothing stores users', async () => {
    const { gateway } = setUp(false)
    expect(await codeOf(run(createAcls, gateway, 'admin', { acls: [clusterAcl('All')] }))).toBe(ErrorCode.SECURITY_DISABLED)
    expect(await codeOf(run(alterUsers, gateway, 'admin', { upsertions: [await upsertion('bob')], deletions: [] }))).toBe(ErrorCode.SECURITY_DISABLED)
  })
})

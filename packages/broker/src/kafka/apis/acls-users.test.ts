// The Kafka ACL and SCRAM-user admin APIs mapped onto the gateway's ops, with the op handlers stood
// in for (the real ones keep the ACLs and users in the cluster metadata): Kafka's int8 codes to
// faecie's names and back, a binding faecie cannot hold refused on its own, MATCH filters resolved
// here, the op's refusal of a whole request as every item's error, duplicates as Kafka answers them.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCode, FaecieError, type AclBinding } from '@faecie/protocol'
import type { Gateway } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { silentLogger } from '../../log.js'
import { createAcls, deleteAcls, describeAcls } from './acls.js'
import type { KafkaApiContext } from './context.js'
import { alterUserScramCredentials, describeUserScramCredentials } from './users.js'

const gateway = { limits: { requestItemsMax: 100 } } as unknown as Gateway
const ctx = { gateway, op: { gateway, session: {} }, logger: silentLogger() } as unknown as KafkaApiContext

const TOPIC = 2
const GROUP = 3
const LITERAL = 3
const PREFIXED = 4
const READ = 3
const WRITE = 4
const ALLOW = 3
const DENY = 2

const binding = (over: Partial<AclBinding>): AclBinding => ({ principal: 'User:alice', host: '*', resourceType: 'topic', resourceName: 'orders',
  patternType: 'literal', operation: 'Read', permission: 'Allow', ...over })

afterEach(() => { vi.restoreAllMocks() })

describe('CreateAcls', () => {
  it("maps Kafka's codes, refuses what faecie cannot hold on its own, and answers in order", async () => {
    const op = vi.spyOn(OP_HANDLERS, 'createAcls').mockResolvedValue({ results: [{}, { error: { code: ErrorCode.INVALID_REQUEST, message: 'dup' } }] })
    const answer = await createAcls.handle({ creations: [
      { resourceType: TOPIC, resourceName: 'orders', resourcePatternType: PREFIXED, principal: 'User:alice', host: '*', operation: WRITE, permissionType: DENY },
      { resourceType: 5, resourceName: 'tx', resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation: WRITE, permissionType: ALLOW },
      { resourceType: GROUP, resourceName: 'g', resourcePatternType: LITERAL, principal: 'User:bob', host: '10.0.0.1', operation: READ, permissionType: ALLOW },
    ] }, 3, ctx) as { results: Array<{ errorCode: number; errorMessage: string | null }> }
    expect(op.mock.calls[0]![0]).toEqual({ acls: [
      binding({ resourceName: 'orders', patternType: 'prefixed', operation: 'Write', permission: 'Deny' }),
      binding({ principal: 'User:bob', host: '10.0.0.1', resourceType: 'group', resourceName: 'g' }),
    ] })
    expect(answer.results.map((r) => r.errorCode)).toEqual([0, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST])
    expect(answer.results[1]!.errorMessage).toContain('TRANSACTIONAL_ID')
    expect(answer.results[2]!.errorMessage).toBe('dup')
  })

  it("answers the op's refusal of the whole request (no authorizer, not allowed) on every binding", async () => {
    vi.spyOn(OP_HANDLERS, 'createAcls').mockRejectedValue(new FaecieError(ErrorCode.SECURITY_DISABLED, 'no ACLs without --auth scram'))
    const answer = await createAcls.handle({ creations: [
      { resourceType: TOPIC, resourceName: 'a', resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW },
      { resourceType: TOPIC, resourceName: 'b', resourcePatternType: LITERAL, principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW },
    ] }, 1, ctx) as { results: Array<{ errorCode: number }> }
    expect(answer.results.map((r) => r.errorCode)).toEqual([ErrorCode.SECURITY_DISABLED, ErrorCode.SECURITY_DISABLED])
  })
})

describe('DescribeAcls', () => {
  const ANY = 1
  const MATCH = 2
  it('leaves ANY fields out of the filter and groups the answer by resource pattern', async () => {
    const op = vi.spyOn(OP_HANDLERS, 'describeAcls').mockResolvedValue({ acls: [binding({}), binding({ principal: 'User:bob', operation: 'Write' }),
      binding({ resourceType: 'group', resourceName: 'g' })] })
    const answer = await describeAcls.handle({ resourceTypeFilter: ANY, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: null,
      hostFilter: null, operation: ANY, permissionType: ANY }, 3, ctx) as { errorCode: number; resources: Array<{ resourceType: number; resourceName: string; acls: unknown[] }> }
    expect(op.mock.calls[0]![0]).toEqual({ filter: {} })
    expect(answer.errorCode).toBe(0)
    expect(answer.resources).toEqual([
      { resourceType: TOPIC, resourceName: 'orders', patternType: LITERAL, acls: [{ principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW },
        { principal: 'User:bob', host: '*', operation: WRITE, permissionType: ALLOW }] },
      { resourceType: GROUP, resourceName: 'g', patternType: LITERAL, acls: [{ principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW }] },
    ])
  })

  it('resolves MATCH here: literal of the name or "*", and prefixes of it', async () => {
    const op = vi.spyOn(OP_HANDLERS, 'describeAcls').mockResolvedValue({ acls: [binding({}), binding({ resourceName: '*' }),
      binding({ resourceName: 'ord', patternType: 'prefixed' }), binding({ resourceName: 'orders-eu' }), binding({ resourceName: 'x', patternType: 'prefixed' })] })
    const answer = await describeAcls.handle({ resourceTypeFilter: TOPIC, resourceNameFilter: 'orders', patternTypeFilter: MATCH, principalFilter: null,
      hostFilter: null, operation: ANY, permissionType: ANY }, 3, ctx) as { resources: Array<{ resourceName: string }> }
    expect(op.mock.calls[0]![0]).toEqual({ filter: { resourceType: 'topic' } })
    expect(answer.resources.map((r) => r.resourceName)).toEqual(['orders', '*', 'ord'])
  })

  it('matches nothing for a resource type faecie has no ACLs of, without asking; a refusal is the answer\'s error', async () => {
    const op = vi.spyOn(OP_HANDLERS, 'describeAcls').mockRejectedValue(new FaecieError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'no'))
    const none = await describeAcls.handle({ resourceTypeFilter: 5, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: null,
      hostFilter: null, operation: ANY, permissionType: ANY }, 3, ctx) as { errorCode: number; resources: unknown[] }
    expect(none).toMatchObject({ errorCode: 0, resources: [] })
    expect(op).not.toHaveBeenCalled()
    const refused = await describeAcls.handle({ resourceTypeFilter: ANY, resourceNameFilter: null, patternTypeFilter: ANY, principalFilter: null,
      hostFilter: null, operation: ANY, permissionType: ANY }, 3, ctx) as { errorCode: number }
    expect(refused.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
  })
})

describe('DeleteAcls', () => {
  it('deletes per filter; a MATCH filter deletes exactly the bindings that apply', async () => {
    const applying = [binding({}), binding({ resourceName: 'ord', patternType: 'prefixed' })]
    vi.spyOn(OP_HANDLERS, 'describeAcls').mockResolvedValue({ acls: [...applying, binding({ resourceName: 'other' })] })
    const deleted = vi.spyOn(OP_HANDLERS, 'deleteAcls').mockImplementation(async (request) => ({
      results: request.filters.map((f) => ({ deleted: [binding(f)] })),
    }))
    const answer = await deleteAcls.handle({ filters: [
      { resourceTypeFilter: TOPIC, resourceNameFilter: 'orders', patternTypeFilter: LITERAL, principalFilter: 'User:alice', hostFilter: null, operation: 1, permissionType: 1 },
      { resourceTypeFilter: TOPIC, resourceNameFilter: 'orders', patternTypeFilter: 2, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 },
    ] }, 3, ctx) as { filterResults: Array<{ errorCode: number; matchingAcls: Array<{ resourceName: string; patternType: number }> }> }
    expect(deleted.mock.calls[0]![0]).toEqual({ filters: [{ resourceType: 'topic', resourceName: 'orders', patternType: 'literal', principal: 'User:alice' }] })
    expect(deleted.mock.calls[1]![0]).toEqual({ filters: applying })
    expect(answer.filterResults[1]!.matchingAcls.map((a) => [a.resourceName, a.patternType])).toEqual([['orders', LITERAL], ['ord', PREFIXED]])
  })
})

describe('DescribeUserScramCredentials', () => {
  it('describes every user for null, names mechanisms by code, and answers a user named twice DUPLICATE_RESOURCE', async () => {
    const op = vi.spyOn(OP_HANDLERS, 'describeUsers').mockImplementation(async (request) => ({
      users: (request.users ?? ['alice']).map((user) => ({ user, mechanisms: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 8192 }] })),
    }))
    const all = await describeUserScramCredentials.handle({ users: null }, 0, ctx) as { results: Array<{ user: string; credentialInfos: unknown[] }> }
    expect(op.mock.calls[0]![0]).toEqual({})
    expect(all.results).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] }])
    const named = await describeUserScramCredentials.handle({ users: [{ name: 'bob' }, { name: 'carol' }, { name: 'bob' }] }, 0, ctx) as { results: Array<{ user: string; errorCode: number }> }
    expect(op.mock.calls[1]![0]).toEqual({ users: ['carol'] })
    expect(named.results.map((r) => [r.user, r.errorCode])).toEqual([['carol', 0], ['bob', ErrorCode.DUPLICATE_RESOURCE]])
  })
})

describe('AlterUserScramCredentials', () => {
  it('sends salted credentials by mechanism name; one result per user: its first error', async () => {
    const salt = Uint8Array.from([1, 2, 3])
    const salted = Uint8Array.from([4, 5, 6])
    const op = vi.spyOn(OP_HANDLERS, 'alterUsers').mockImplementation(async (request) => ({
      results: [...request.upsertions, ...request.deletions].map((u) => (u.user === 'bob' ? { user: u.user, error: { code: ErrorCode.RESOURCE_NOT_FOUND, message: 'no bob' } } : { user: u.user })),
    }))
    const answer = await alterUserScramCredentials.handle({
      upsertions: [{ name: 'alice', mechanism: 1, iterations: 8192, salt, saltedPassword: salted }, { name: 'carol', mechanism: 9, iterations: 4096, salt, saltedPassword: salted },
        { name: 'dave', mechanism: 2, iterations: 4096, salt, saltedPassword: salted }],
      deletions: [{ name: 'bob', mechanism: 2 }, { name: 'dave', mechanism: 2 }],
    }, 0, ctx) as { results: Array<{ user: string; errorCode: number }> }
    expect(op.mock.calls[0]![0]).toEqual({ upsertions: [{ user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 8192, salt, saltedPassword: salted }],
      deletions: [{ user: 'bob', mechanism: 'SCRAM-SHA-512' }] })
    expect(answer.results.map((r) => [r.user, r.errorCode])).toEqual([['alice', 0], ['carol', ErrorCode.UNSUPPORTED_SASL_MECHANISM],
      ['dave', ErrorCode.DUPLICATE_RESOURCE], ['bob', ErrorCode.RESOURCE_NOT_FOUND]])
  })
})

// The validators of the security ops (src/ops/acls.ts, users.ts): what they refuse, naming the field.
// The well-formed requests are in ops.test.ts's VALID.
import { describe, expect, it } from 'vitest'
import {
  ACLS_PER_REQUEST_MAX, ErrorCode, OPS, parseOpRequest, parseRequestEnvelope, decodeFrame, encodeFrame, USERS_PER_REQUEST_MAX,
  type OpName,
} from '../src/index.js'

function parse(op: OpName, fields: Record<string, unknown>) {
  const frame = parseRequestEnvelope(decodeFrame(encodeFrame({ id: 7, op, ...fields })), { knownOps: OPS })
  if (!frame.ok) throw frame.error
  return parseOpRequest(op, frame.value)
}

function refusal(op: OpName, fields: Record<string, unknown>): string {
  const parsed = parse(op, fields)
  if (parsed.ok) throw new Error(`expected ${op} ${JSON.stringify(fields)} to be refused`)
  expect(parsed.error.code).toBe(ErrorCode.INVALID_REQUEST)
  return parsed.error.message
}

const acl = { principal: 'User:alice', host: '*', resourceType: 'topic', resourceName: 'orders', patternType: 'literal', operation: 'Write', permission: 'Allow' }
const upsert = { user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 8192, salt: new Uint8Array(16), saltedPassword: new Uint8Array(64) }

describe('ACL ops refuse bad fields', () => {
  it('createAcls', () => {
    expect(refusal('createAcls', { acls: [] })).toContain('acls')
    expect(refusal('createAcls', { acls: [{ ...acl, operation: 'Fly' }] })).toContain('acls[0].operation')
    expect(refusal('createAcls', { acls: [acl, { ...acl, principal: 'Group:x' }] })).toContain('acls[1]')
    expect(refusal('createAcls', { acls: [{ ...acl, resourceType: 'cluster' }] })).toContain('kafka-cluster')
    expect(refusal('createAcls', { acls: [{ ...acl, patternType: 'prefixed', resourceName: '*' }] })).toContain('wildcard')
    expect(refusal('createAcls', { acls: [{ ...acl, resourceName: 'x'.repeat(1025) }] })).toContain('acls[0].resourceName')
    expect(refusal('createAcls', { acls: Array.from({ length: ACLS_PER_REQUEST_MAX + 1 }, () => acl) })).toContain(`at most ${ACLS_PER_REQUEST_MAX}`)
    const { permission: _, ...withoutPermission } = acl
    expect(refusal('createAcls', { acls: [withoutPermission] })).toContain('acls[0].permission')
  })

  it('describeAcls and deleteAcls', () => {
    expect(parse('describeAcls', {})).toEqual({ ok: true, value: { filter: {} } })
    expect(refusal('describeAcls', { filter: { permission: 'Maybe' } })).toContain('filter.permission')
    expect(refusal('describeAcls', { filter: { principal: 'alice' } })).toContain('filter.principal')
    expect(refusal('deleteAcls', { filters: [] })).toContain('filters')
    expect(refusal('deleteAcls', { filters: [{}, { resourceType: 'broker' }] })).toContain('filters[1].resourceType')
  })
})

describe('user ops refuse bad fields', () => {
  it('alterUsers', () => {
    expect(parse('alterUsers', { upsertions: [upsert] })).toEqual({ ok: true, value: { upsertions: [upsert], deletions: [] } })
    expect(refusal('alterUsers', {})).toContain('at least one')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, mechanism: 'PLAIN' }] })).toContain('upsertions[0].mechanism')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, iterations: 4095 }] })).toContain('upsertions[0].iterations')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, iterations: 16385 }] })).toContain('upsertions[0].iterations')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, salt: new Uint8Array(15) }] })).toContain('upsertions[0].salt')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, salt: new Uint8Array(65) }] })).toContain('upsertions[0].salt')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, saltedPassword: new Uint8Array(32) }] })).toContain('64 bytes')
    expect(refusal('alterUsers', { upsertions: [{ ...upsert, user: 'a'.repeat(1025) }] })).toContain('upsertions[0].user')
    expect(refusal('alterUsers', { deletions: [{ user: 'bob' }] })).toContain('deletions[0].mechanism')
    const many = Array.from({ length: USERS_PER_REQUEST_MAX }, () => ({ user: 'bob', mechanism: 'SCRAM-SHA-256' }))
    expect(refusal('alterUsers', { upsertions: [upsert], deletions: many })).toContain(`at most ${USERS_PER_REQUEST_MAX}`)
  })

  it('describeUsers', () => {
    expect(parse('describeUsers', {})).toEqual({ ok: true, value: {} })
    expect(refusal('describeUsers', { users: [''] })).toContain('users[0]')
    expect(refusal('describeUsers', { users: Array.from({ length: USERS_PER_REQUEST_MAX + 1 }, (_, i) => `u${i}`) })).toContain('users')
  })
})

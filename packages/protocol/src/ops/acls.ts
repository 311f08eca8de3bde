// Ops `createAcls`, `describeAcls`, `deleteAcls`: the ACLs of Kafka's model (../acl.ts), as
// kafka-acls.sh manages them. Creating and deleting need Alter on the cluster, describing needs
// Describe on it. A filter's fields left out match anything. Answers per binding or filter, so one
// bad binding does not fail the others.
import {
  ACL_OPERATIONS, ACL_PATTERN_TYPES, ACL_PERMISSIONS, ACL_RESOURCE_TYPES, aclBindingProblem, principalProblem, type AclBinding, type AclFilter,
} from '../acl.js'
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { type FieldReader, invalidField, parseOp } from './fields.js'

export interface CreateAclsRequest {
  acls: AclBinding[]
}

export interface CreateAclsResponse {
  /** One per binding, in order: no error, or why it was refused. */
  results: { error?: WireError }[]
}

export interface DescribeAclsRequest {
  filter: AclFilter
}

export interface DescribeAclsResponse {
  acls: AclBinding[]
}

export interface DeleteAclsRequest {
  filters: AclFilter[]
}

export interface DeleteAclsResponse {
  /** One per filter, in order: the bindings it deleted, or why it failed. */
  results: { deleted: AclBinding[]; error?: WireError }[]
}

/** Most bindings or filters in one request. */
export const ACLS_PER_REQUEST_MAX = 1000

/** Longest principal, host or resource name of an ACL (a topic name is at most 249; a user name far less). */
export const ACL_NAME_CHARS_MAX = 1024

const ENUMS = {
  resourceType: ACL_RESOURCE_TYPES,
  patternType: ACL_PATTERN_TYPES,
  operation: ACL_OPERATIONS,
  permission: ACL_PERMISSIONS,
} as const
const NAMES = ['principal', 'host', 'resourceName'] as const

function name(f: FieldReader, path: string, key: (typeof NAMES)[number]): string {
  const value = f.str(key)
  if (value.length > ACL_NAME_CHARS_MAX) throw invalidField(`${path}.${key}`, `at most ${ACL_NAME_CHARS_MAX} characters`, value)
  return value
}

function enumValue<K extends keyof typeof ENUMS>(f: FieldReader, path: string, key: K): (typeof ENUMS)[K][number] {
  const value = f.str(key)
  if (!(ENUMS[key] as readonly string[]).includes(value)) throw invalidField(`${path}.${key}`, `one of ${ENUMS[key].join(', ')}`, value)
  return value as (typeof ENUMS)[K][number]
}

function binding(f: FieldReader, path: string): AclBinding {
  const b: AclBinding = {
    principal: name(f, path, 'principal'), host: name(f, path, 'host'), resourceType: enumValue(f, path, 'resourceType'),
    resourceName: name(f, path, 'resourceName'), patternType: enumValue(f, path, 'patternType'), operation: enumValue(f, path, 'operation'),
    permission: enumValue(f, path, 'permission'),
  }
  const problem = aclBindingProblem(b)
  if (problem !== undefined) throw invalidField(path, `a well-formed ACL (${problem})`, 'one that is not')
  return b
}

function filter(f: FieldReader, path: string): AclFilter {
  const out: AclFilter = {}
  for (const key of NAMES) if (f.has(key)) out[key] = name(f, path, key)
  for (const key of Object.keys(ENUMS) as (keyof typeof ENUMS)[]) if (f.has(key)) (out as Record<string, string>)[key] = enumValue(f, path, key)
  if (out.principal !== undefined) {
    const problem = principalProblem(out.principal)
    if (problem !== undefined) throw invalidField(`${path}.principal`, problem, out.principal)
  }
  return out
}

function checkCount(key: string, count: number): void {
  if (count > ACLS_PER_REQUEST_MAX) throw invalidField(key, `at most ${ACLS_PER_REQUEST_MAX} items`, `${count} items`)
}

export function parseCreateAclsRequest(frame: RequestFrame): Parsed<CreateAclsRequest> {
  return parseOp(frame, (f) => {
    const acls = f.maps('acls', (item, i) => binding(item, `acls[${i}]`))
    checkCount('acls', acls.length)
    return { acls }
  })
}

/** `filter` absent: every ACL. */
export function parseDescribeAclsRequest(frame: RequestFrame): Parsed<DescribeAclsRequest> {
  return parseOp(frame, (f) => ({ filter: f.has('filter') ? f.nested('filter', (item) => filter(item, 'filter')) : {} }))
}

export function parseDeleteAclsRequest(frame: RequestFrame): Parsed<DeleteAclsRequest> {
  return parseOp(frame, (f) => {
    const filters = f.maps('filters', (item, i) => filter(item, `filters[${i}]`))
    checkCount('filters', filters.length)
    return { filters }
  })
}

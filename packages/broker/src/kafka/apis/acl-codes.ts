// Kafka's int8 codes of the ACL model (org.apache.kafka.common.resource.ResourceType / PatternType,
// acl.AclOperation / AclPermissionType) and SCRAM mechanisms (ScramMechanism), to faecie's names
// (@faecie/protocol acl.ts) and back, and Kafka's filter semantics that faecie's AclFilter lacks:
//
//   resource type  1 ANY  2 TOPIC  3 GROUP  4 CLUSTER  (5 TRANSACTIONAL_ID, 6 DELEGATION_TOKEN, 7 USER: none in faecie)
//   pattern type   1 ANY  2 MATCH  3 LITERAL  4 PREFIXED
//   operation      1 ANY  2 ALL  3 READ  4 WRITE  5 CREATE  6 DELETE  7 ALTER  8 DESCRIBE  9 CLUSTER_ACTION
//                  10 DESCRIBE_CONFIGS  11 ALTER_CONFIGS  (12 IDEMPOTENT_WRITE and later: none in faecie)
//   permission     1 ANY  2 DENY  3 ALLOW
//   mechanism      1 SCRAM-SHA-256  2 SCRAM-SHA-512
// A filter field ANY matches anything (left out of the AclFilter); MATCH matches the ACLs that apply
// to the named resource: literal ones of that name or "*", prefixed ones the name starts with.
import type { ScramMechanism } from '@faecie/protocol'
import {
  ACL_WILDCARD, type AclBinding, type AclFilter, type AclOperation, type AclPatternType, type AclPermission, type AclResourceType,
} from '@faecie/protocol'

const ANY = 1
export const MATCH = 2

export const RESOURCE_TYPE_CODES: ReadonlyMap<AclResourceType, number> = new Map([['topic', 2], ['group', 3], ['cluster', 4]])
export const PATTERN_TYPE_CODES: ReadonlyMap<AclPatternType, number> = new Map([['literal', 3], ['prefixed', 4]])
export const OPERATION_CODES: ReadonlyMap<AclOperation, number> = new Map([['All', 2], ['Read', 3], ['Write', 4], ['Create', 5],
  ['Delete', 6], ['Alter', 7], ['Describe', 8], ['ClusterAction', 9], ['DescribeConfigs', 10], ['AlterConfigs', 11]])
export const PERMISSION_CODES: ReadonlyMap<AclPermission, number> = new Map([['Deny', 2], ['Allow', 3]])
export const MECHANISM_CODES: ReadonlyMap<ScramMechanism, number> = new Map([['SCRAM-SHA-256', 1], ['SCRAM-SHA-512', 2]])

const RESOURCE_TYPE_NAMES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER']
const OPERATION_NAMES = ['UNKNOWN', 'ANY', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT']

function nameOf<T>(codes: ReadonlyMap<T, number>, code: number): T | undefined {
  for (const [name, c] of codes) if (c === code) return name
  return undefined
}

export function mechanismName(code: number): ScramMechanism | undefined {
  return nameOf(MECHANISM_CODES, code)
}

/** The fields of a Kafka ACL binding or filter, as the generated codecs name them. */
export interface KafkaAclFields {
  resourceType: number
  resourceName: string | null
  patternType: number
  principal: string | null
  host: string | null
  operation: number
  permissionType: number
}

/** A binding to create, or why it cannot be (Kafka answers INVALID_REQUEST with the reason). */
export function bindingFromKafka(k: KafkaAclFields): AclBinding | string {
  const resourceType = nameOf(RESOURCE_TYPE_CODES, k.resourceType)
  const patternType = nameOf(PATTERN_TYPE_CODES, k.patternType)
  const operation = nameOf(OPERATION_CODES, k.operation)
  const permission = nameOf(PERMISSION_CODES, k.permissionType)
  if (resourceType === undefined) return `faecie has no ACLs on resource type ${RESOURCE_TYPE_NAMES[k.resourceType] ?? k.resourceType} (only TOPIC, GROUP, CLUSTER).`
  if (patternType === undefined) return `An ACL's pattern type must be LITERAL or PREFIXED, not ${k.patternType}.`
  if (operation === undefined) return `faecie has no operation ${OPERATION_NAMES[k.operation] ?? k.operation} (Write on a topic also allows idempotent produce).`
  if (permission === undefined) return `An ACL's permission must be ALLOW or DENY, not ${k.permissionType}.`
  if (k.resourceName === null || k.principal === null || k.host === null) return 'An ACL names its resource, principal and host.'
  return { principal: k.principal, host: k.host, resourceType, resourceName: k.resourceName, patternType, operation, permission }
}

export function bindingToKafka(b: AclBinding): KafkaAclFields {
  return {
    resourceType: RESOURCE_TYPE_CODES.get(b.resourceType)!, resourceName: b.resourceName, patternType: PATTERN_TYPE_CODES.get(b.patternType)!,
    principal: b.principal, host: b.host, operation: OPERATION_CODES.get(b.operation)!, permissionType: PERMISSION_CODES.get(b.permission)!,
  }
}

/**
 * A Kafka filter as faecie's AclFilter plus, for MATCH, the resource name to match locally; 'none'
 * when it can match nothing faecie holds (a resource type or operation faecie has no ACLs of);
 * the problem when it is malformed (UNKNOWN codes).
 */
export type KafkaFilter = { filter: AclFilter; match?: string } | 'none' | { problem: string }

export function filterFromKafka(k: KafkaAclFields): KafkaFilter {
  const filter: AclFilter = {}
  if (k.resourceType === 0 || k.patternType === 0 || k.operation === 0 || k.permissionType === 0) return { problem: 'An ACL filter has an UNKNOWN field.' }
  if (k.resourceType !== ANY) {
    const t = nameOf(RESOURCE_TYPE_CODES, k.resourceType)
    if (t === undefined) return 'none'
    filter.resourceType = t
  }
  if (k.operation !== ANY) {
    const o = nameOf(OPERATION_CODES, k.operation)
    if (o === undefined) return 'none'
    filter.operation = o
  }
  if (k.permissionType !== ANY) {
    const p = nameOf(PERMISSION_CODES, k.permissionType)
    if (p === undefined) return { problem: `An ACL filter's permission must be ANY, ALLOW or DENY, not ${k.permissionType}.` }
    filter.permission = p
  }
  if (k.principal !== null) filter.principal = k.principal
  if (k.host !== null) filter.host = k.host
  if (k.patternType === MATCH) return k.resourceName === null ? { filter } : { filter, match: k.resourceName }
  if (k.patternType !== ANY) {
    const p = nameOf(PATTERN_TYPE_CODES, k.patternType)
    if (p === undefined) return { problem: `An ACL filter's pattern type must be ANY, MATCH, LITERAL or PREFIXED, not ${k.patternType}.` }
    filter.patternType = p
  }
  if (k.resourceName !== null) filter.resourceName = k.resourceName
  return { filter }
}

/** Whether a binding applies to the resource named (Kafka's MATCH pattern filter). */
export function appliesTo(binding: AclBinding, name: string): boolean {
  if (binding.patternType === 'prefixed') return name.startsWith(binding.resourceName)
  return binding.resourceName === name || binding.resourceName === ACL_WILDCARD
}

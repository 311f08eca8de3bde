// Access control lists in Apache Kafka's model, as faecie's ops, CLI and client speak of them:
// principal x resource (topic, group, cluster; a literal name or a prefix) x operation x Allow/Deny.
// The broker decides (packages/broker/src/security/security-state.ts): deny wins over allow, super
// users may do everything, and Read, Write, Delete and Alter imply Describe (as in Kafka; also
// AlterConfigs implies DescribeConfigs). Pure data and checks: this file runs in browsers.
//
// A principal is "User:<name>" (Kafka's KafkaPrincipal string); "User:*" matches every user.
// A host is "*" (any address) or one IP address, as in Kafka.

export const ACL_RESOURCE_TYPES = ['topic', 'group', 'cluster'] as const
export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number]

export const ACL_PATTERN_TYPES = ['literal', 'prefixed'] as const
export type AclPatternType = (typeof ACL_PATTERN_TYPES)[number]

export const ACL_OPERATIONS = ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'DescribeConfigs',
  'AlterConfigs', 'ClusterAction'] as const
export type AclOperation = (typeof ACL_OPERATIONS)[number]

export const ACL_PERMISSIONS = ['Allow', 'Deny'] as const
export type AclPermission = (typeof ACL_PERMISSIONS)[number]

/** The one name of the cluster resource (Kafka's "kafka-cluster"). */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster'
/** A literal resource name matching every resource of its type. */
export const ACL_WILDCARD = '*'

/** One ACL: what Kafka calls an AclBinding. */
export interface AclBinding {
  /** "User:alice", or "User:*" for every user. */
  principal: string
  /** "*" or an IP address. */
  host: string
  resourceType: AclResourceType
  /** A topic or group name, a prefix of one, "*" (literal: any), or CLUSTER_RESOURCE_NAME. */
  resourceName: string
  patternType: AclPatternType
  operation: AclOperation
  permission: AclPermission
}

/** What `describeAcls` / `deleteAcls` match: every field left out matches anything. */
export type AclFilter = Partial<AclBinding>

/** The operations an ACL for `operation` also allows (Kafka's implied operations), itself included. */
export function impliedOperations(operation: AclOperation): readonly AclOperation[] {
  switch (operation) {
    case 'All': return ACL_OPERATIONS
    case 'Read': case 'Write': case 'Delete': case 'Alter': return [operation, 'Describe']
    case 'AlterConfigs': return ['AlterConfigs', 'DescribeConfigs']
    default: return [operation]
  }
}

/** A "User:name" principal string, checked; the problem in words otherwise. */
export function principalProblem(principal: string): string | undefined {
  const colon = principal.indexOf(':')
  if (colon <= 0) return `A principal is TYPE:NAME, such as User:alice; got ${JSON.stringify(principal)}.`
  if (principal.slice(0, colon) !== 'User') return `The only principal type is User; got ${JSON.stringify(principal.slice(0, colon))}.`
  if (principal.length === colon + 1) return 'A principal names a user after "User:".'
  return undefined
}

/** Whether a binding is well formed (names, enums, the cluster's one name); the problem in words otherwise. */
export function aclBindingProblem(binding: AclBinding): string | undefined {
  const principal = principalProblem(binding.principal)
  if (principal !== undefined) return principal
  if (!(ACL_RESOURCE_TYPES as readonly string[]).includes(binding.resourceType)) return `Unknown resource type ${JSON.stringify(binding.resourceType)}.`
  if (!(ACL_PATTERN_TYPES as readonly string[]).includes(binding.patternType)) return `Unknown pattern type ${JSON.stringify(binding.patternType)}.`
  if (!(ACL_OPERATIONS as readonly string[]).includes(binding.operation)) return `Unknown operation ${JSON.stringify(binding.operation)}.`
  if (!(ACL_PERMISSIONS as readonly string[]).includes(binding.permission)) return `Unknown permission ${JSON.stringify(binding.permission)}.`
  if (binding.resourceName.length === 0) return 'An ACL names a resource.'
  if (binding.host.length === 0) return 'An ACL names a host ("*" for any).'
  if (binding.resourceType === 'cluster' && binding.resourceName !== CLUSTER_RESOURCE_NAME) {
    return `The cluster resource is named ${CLUSTER_RESOURCE_NAME}.`
  }
  if (binding.patternType === 'prefixed' && binding.resourceName === ACL_WILDCARD) return 'A prefixed ACL cannot use the wildcard "*".'
  return undefined
}

/** Whether a filter matches a binding (fields left out match anything). */
export function aclFilterMatches(filter: AclFilter, binding: AclBinding): boolean {
  return (Object.keys(filter) as (keyof AclBinding)[]).every((key) => filter[key] === undefined || filter[key] === binding[key])
}

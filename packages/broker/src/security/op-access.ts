// The ACL checks the op handlers (gateway/ops/*.ts) share, all through gateway.security
// (gateway-security.ts: it audits every refusal and lets everything through without --auth scram).
// Which op needs which operation on which resource follows Kafka's table "Operations and resources
// on Kafka APIs"; docs/acl-ops.md lists them op by op.
//
// Refusals are per resource, as Kafka answers them: a topic refused in a produce, fetch or offset
// commit fails only that topic's partitions; a refusal of the group or the cluster fails the request.
// Each distinct topic is checked (and audited) once per request, however many partitions name it.
import {
  ACL_WILDCARD, CLUSTER_RESOURCE_NAME, type AclOperation, type CommitOffsetsResponse, type CommitOffsetsTopicSpec, type FaecieError,
  type FetchOffsetsRequest, type FetchOffsetsResponse,
} from '@faecie/protocol'
import type { GatewaySecurity, SecuritySubject } from './gateway-security.js'

/** Throws CLUSTER_AUTHORIZATION_FAILED (audited) unless the subject may do `operation` on the cluster. */
export function checkCluster(security: GatewaySecurity, subject: SecuritySubject, operation: AclOperation): void {
  security.check(subject, operation, 'cluster', CLUSTER_RESOURCE_NAME)
}

/** Throws GROUP_AUTHORIZATION_FAILED (audited) unless the subject may do `operation` on the group. */
export function checkGroup(security: GatewaySecurity, subject: SecuritySubject, operation: AclOperation, groupId: string): void {
  security.check(subject, operation, 'group', groupId)
}

/** The refusal of each distinct topic the subject may not do `operation` on (audited once each); allowed topics are absent. */
export function topicRefusals(security: GatewaySecurity, subject: SecuritySubject, operation: AclOperation,
  topics: Iterable<string>): Map<string, FaecieError> {
  const refused = new Map<string, FaecieError>()
  const seen = new Set<string>()
  for (const topic of topics) {
    if (seen.has(topic)) continue
    seen.add(topic)
    const refusal = security.refusal(subject, operation, 'topic', topic)
    if (refusal !== undefined) refused.set(topic, refusal)
  }
  return refused
}

/**
 * Kafka's check for making a topic, explicitly or by auto-creation (KIP-277): Create on the cluster
 * (not audited when refused: it is only the first way in), or else Create on the topic. The refusal
 * is TOPIC_AUTHORIZATION_FAILED, as Kafka's since 2.0.
 */
export function createRefusal(security: GatewaySecurity, subject: SecuritySubject, topic: string): FaecieError | undefined {
  if (security.allowed(subject, 'Create', 'cluster', CLUSTER_RESOURCE_NAME)) return undefined
  return security.refusal(subject, 'Create', 'topic', topic)
}

/**
 * Whether the subject may write at least one topic: Kafka's authorizeByResourceType(WRITE, TOPIC)
 * (KIP-679), which since Kafka 3.0 lets an idempotent producer have a producer id without
 * IdempotentWrite on the cluster. True when some Allow of Write (or All) for the principal (or
 * User:*) from its host names a topic pattern that no Deny of the same dominates: a literal Deny of
 * the same name, or a prefixed Deny that is a prefix of it; a literal Deny of "*" denies all.
 */
export function mayWriteSomeTopic(security: GatewaySecurity, subject: SecuritySubject): boolean {
  const open = security.decide(subject, 'Write', 'topic', ACL_WILDCARD)
  if (open.allowed && open.reason !== 'acl') return true // no --auth, a super user or a peer broker
  const applying = security.state.acls({ resourceType: 'topic' }).filter((acl) =>
    (acl.principal === subject.principal || acl.principal === 'User:*') &&
    (acl.host === '*' || acl.host === subject.clientAddress) &&
    (acl.operation === 'Write' || acl.operation === 'All'))
  const deniedLiterals = new Set<string>()
  const deniedPrefixes: string[] = []
  for (const acl of applying) {
    if (acl.permission !== 'Deny') continue
    if (acl.patternType === 'literal' && acl.resourceName === ACL_WILDCARD) return false
    if (acl.patternType === 'literal') deniedLiterals.add(acl.resourceName)
    else deniedPrefixes.push(acl.resourceName)
  }
  return applying.some((acl) => acl.permission === 'Allow' && (
    (acl.patternType === 'literal' && acl.resourceName === ACL_WILDCARD) ||
    (!(acl.patternType === 'literal' && deniedLiterals.has(acl.resourceName)) &&
      !deniedPrefixes.some((prefix) => acl.resourceName.startsWith(prefix)))))
}

/**
 * An offset commit (commitOffsets, alterGroupOffsets: Read on each topic, as Kafka's OffsetCommit)
 * with the topics the subject may not `operation` answered TOPIC_AUTHORIZATION_FAILED per partition
 * and the others committed; nothing asked of the coordinator when every topic is refused.
 */
export async function commitAllowedTopics<R extends { topics: CommitOffsetsTopicSpec[] }>(security: GatewaySecurity,
  subject: SecuritySubject, operation: AclOperation, request: R, commit: (request: R) => Promise<CommitOffsetsResponse>): Promise<CommitOffsetsResponse> {
  const refused = topicRefusals(security, subject, operation, request.topics.map((t) => t.topic))
  if (refused.size === 0) return commit(request)
  const allowed = request.topics.filter((t) => !refused.has(t.topic))
  const answer = allowed.length > 0 ? await commit({ ...request, topics: allowed }) : { topics: [] }
  const denied = request.topics.flatMap((t) => {
    const error = refused.get(t.topic)?.toWire()
    return error === undefined ? [] : [{ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, error })) }]
  })
  return { topics: [...answer.topics, ...denied] }
}

/**
 * An offset fetch (Describe on each topic, as Kafka's OffsetFetch): without a topic list, the topics
 * the subject may not Describe are left out of the answer; named ones answer TOPIC_AUTHORIZATION_FAILED
 * (on the topic and on each partition named), the others what the coordinator has.
 */
export async function fetchAllowedOffsets(security: GatewaySecurity, subject: SecuritySubject, request: FetchOffsetsRequest,
  fetch: (request: FetchOffsetsRequest) => Promise<FetchOffsetsResponse>): Promise<FetchOffsetsResponse> {
  if (request.topics === undefined) {
    const answer = await fetch(request)
    return { ...answer, topics: answer.topics.filter((t) => security.allowed(subject, 'Describe', 'topic', t.topic)) }
  }
  const refused = topicRefusals(security, subject, 'Describe', request.topics.map((t) => t.topic))
  if (refused.size === 0) return fetch(request)
  const allowed = request.topics.filter((t) => !refused.has(t.topic))
  const answer = allowed.length > 0 ? await fetch({ ...request, topics: allowed }) : { groupId: request.groupId, topics: [] }
  const denied = request.topics.flatMap((t) => {
    const error = refused.get(t.topic)?.toWire()
    if (error === undefined) return []
    const partitions = (t.partitions ?? []).map((partition) => ({ partition, offset: -1, metadata: '', commitTimestamp: -1, error }))
    return [{ topic: t.topic, partitions, error }]
  })
  return { ...answer, topics: [...answer.topics, ...denied] }
}

// The coordinator's decisions on users and ACLs: from a request (already validated by the protocol's
// parser and the gateway handler) and the current metadata state, the records to append and the
// answer of each item. Pure: the actor appends the records (one fsync for the request), applies them
// and posts them to the main thread. Items are decided in order against the state as the earlier
// items of the same request leave it, so the limits hold for the whole request:
//   - upsertions are decided before deletions; a user is made by its first credential; one past
//     `usersMax` stored users is refused;
//   - deleting a credential that is not there answers RESOURCE_NOT_FOUND (Kafka's answer);
//   - a (user, mechanism) named twice in one request answers DUPLICATE_RESOURCE for each (Kafka's);
//   - an ACL already there is a success (creating is idempotent, as in Kafka); one past `aclsMax` is refused;
//   - a deletion filter answers the bindings it removed (none is not an error).
import { aclFilterMatches, ErrorCode, type AclBinding, type AclFilter, type ScramMechanism } from '@faecie/protocol'
import { bindingKey, plainBinding, type MetadataState } from './metadata-state.js'
import type { ScramCredentialRecord, SecurityRecord } from './records.js'

/** A credential to store: the record's fields without the envelope (bytes in base64). */
export type CredentialUpsert = Omit<ScramCredentialRecord, 'v' | 'type'>

export interface CredentialDeletion {
  user: string
  mechanism: ScramMechanism
}

/** A refusal of one item, as it crosses the thread (a FaecieError's code and message). */
export interface ItemError {
  code: number
  message: string
}

export interface SecurityLimitsForWrites {
  usersMax: number
  aclsMax: number
}

export interface Plan<R> {
  records: SecurityRecord[]
  results: R[]
}

/** One result per upsertion, then one per deletion, in order (null: done). */
export function planUserChanges(state: MetadataState, upsertions: readonly CredentialUpsert[], deletions: readonly CredentialDeletion[],
  limits: SecurityLimitsForWrites): Plan<ItemError | null> {
  const pairs = new Map<string, number>()
  const pairOf = (user: string, mechanism: string): string => JSON.stringify([user, mechanism])
  for (const item of [...upsertions, ...deletions]) pairs.set(pairOf(item.user, item.mechanism), (pairs.get(pairOf(item.user, item.mechanism)) ?? 0) + 1)
  const duplicate = (user: string, mechanism: string): ItemError | undefined => (pairs.get(pairOf(user, mechanism))! > 1
    ? { code: ErrorCode.DUPLICATE_RESOURCE, message: `User ${user} and mechanism ${mechanism} appear more than once in the request.` }
    : undefined)
  // The mechanisms of each user touched, as the request leaves them.
  const mechanismsOf = new Map<string, Set<string>>()
  const mechanisms = (user: string): Set<string> => {
    let set = mechanismsOf.get(user)
    if (set === undefined) mechanismsOf.set(user, set = new Set(state.credentials.get(user)?.keys() ?? []))
    return set
  }
  let userCount = state.credentials.size
  const records: SecurityRecord[] = []
  const results: (ItemError | null)[] = []
  for (const u of upsertions) {
    const refused = duplicate(u.user, u.mechanism)
    const held = mechanisms(u.user)
    if (refused !== undefined) {
      results.push(refused)
    } else if (held.size === 0 && userCount >= limits.usersMax) {
      results.push({ code: ErrorCode.POLICY_VIOLATION, message: `The broker holds ${userCount} users, its limit (security.limits.usersMax): user ${u.user} was not made.` })
    } else {
      if (held.size === 0) userCount++
      held.add(u.mechanism)
      records.push({ v: 1, type: 'scramCredential', user: u.user, mechanism: u.mechanism, salt: u.salt, iterations: u.iterations,
        storedKey: u.storedKey, serverKey: u.serverKey })
      results.push(null)
    }
  }
  for (const d of deletions) {
    const refused = duplicate(d.user, d.mechanism)
    const held = mechanisms(d.user)
    if (refused !== undefined) {
      results.push(refused)
    } else if (!held.has(d.mechanism)) {
      results.push({ code: ErrorCode.RESOURCE_NOT_FOUND, message: `User ${d.user} has no ${d.mechanism} credential.` })
    } else {
      held.delete(d.mechanism)
      if (held.size === 0) userCount--
      records.push({ v: 1, type: 'scramCredentialDeleted', user: d.user, mechanism: d.mechanism })
      results.push(null)
    }
  }
  return { records, results }
}

/** One result per binding, in order (null: there now). */
export function planAclCreations(state: MetadataState, bindings: readonly AclBinding[], limits: SecurityLimitsForWrites): Plan<ItemError | null> {
  const added = new Set<string>()
  const records: SecurityRecord[] = []
  const results: (ItemError | null)[] = []
  for (const binding of bindings) {
    const key = bindingKey(binding)
    if (state.acls.has(key) || added.has(key)) {
      results.push(null)
    } else if (state.acls.size + added.size >= limits.aclsMax) {
      results.push({ code: ErrorCode.POLICY_VIOLATION, message: `The broker holds ${state.acls.size + added.size} ACLs, its limit (security.limits.aclsMax).` })
    } else {
      added.add(key)
      records.push({ v: 1, type: 'acl', binding: plainBinding(binding) })
      results.push(null)
    }
  }
  return { records, results }
}

/** The bindings each filter removes, in order (a binding two filters match is removed by the first). */
export function planAclDeletions(state: MetadataState, filters: readonly AclFilter[]): Plan<AclBinding[]> {
  const removed = new Set<string>()
  const records: SecurityRecord[] = []
  const results: AclBinding[][] = []
  for (const filter of filters) {
    const deleted: AclBinding[] = []
    for (const [key, binding] of state.acls) {
      if (removed.has(key) || !aclFilterMatches(filter, binding)) continue
      removed.add(key)
      deleted.push(binding)
      records.push({ v: 1, type: 'aclDeleted', binding })
    }
    results.push(deleted)
  }
  return { records, results }
}

// Who exists and who may do what, in memory: SCRAM credentials by user and mechanism, and the ACLs,
// with Kafka's authorizer's rules (StandardAuthorizer):
//   - a super user may do everything;
//   - an ACL applies when its principal is the request's or "User:*", its host the client's address
//     or "*", and its resource the request's: a literal name equal to it, the literal "*", or a
//     prefix of it (prefixed);
//   - any applying Deny for the operation (or for All) denies, whatever allows;
//   - otherwise an applying Allow for the operation, for All, or for an operation implying it (Read,
//     Write, Delete and Alter imply Describe; AlterConfigs implies DescribeConfigs) allows;
//   - nothing applying: denied (Kafka's allow.everyone.if.no.acl.found=false).
// Pure: no I/O, no clock. The persistence (the metadata log of a single broker, etcd in a cluster)
// replays its records into one of these; the gateway reads it synchronously on every request.
import { strict as assert } from 'node:assert'
import {
  ACL_WILDCARD, aclBindingProblem, aclFilterMatches, impliedOperations, type AclBinding, type AclFilter, type AclOperation,
  type AclResourceType, type ScramCredential, type ScramMechanism,
} from '@faecie/protocol'
import { clientAddressOf } from './client-address.js'

export type AuthorizeDecision =
  | { allowed: true; reason: 'superUser' | 'acl' | 'authorizationOff' }
  | { allowed: false; reason: 'deniedByAcl' | 'noAclAllows'; acl?: AclBinding }

/** The request an authorization answers. */
export interface AccessRequest {
  principal: string
  /** The client's IP address as the broker sees it. */
  host: string
  operation: AclOperation
  resourceType: AclResourceType
  resourceName: string
}

/** The one key of a binding (for de-duplication). */
export function aclKey(b: AclBinding): string {
  return JSON.stringify([b.principal, b.host, b.resourceType, b.resourceName, b.patternType, b.operation, b.permission])
}

export class SecurityState {
  readonly #credentials = new Map<string, Map<ScramMechanism, ScramCredential>>()
  readonly #acls = new Map<string, AclBinding>()

  /** Users with at least one credential, sorted. */
  users(): { name: string; mechanisms: { mechanism: ScramMechanism; iterations: number }[] }[] {
    return [...this.#credentials.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, byMechanism]) => ({
      name, mechanisms: [...byMechanism.values()].map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })),
    }))
  }

  get userCount(): number {
    return this.#credentials.size
  }

  credential(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.#credentials.get(user)?.get(mechanism)
  }

  setCredential(user: string, credential: ScramCredential): void {
    assert(user.length > 0, 'a user has a name')
    let byMechanism = this.#credentials.get(user)
    if (byMechanism === undefined) this.#credentials.set(user, byMechanism = new Map())
    byMechanism.set(credential.mechanism, credential)
  }

  /** Deletes one mechanism's credential, or all of the user's; whether anything was there. */
  deleteCredential(user: string, mechanism?: ScramMechanism): boolean {
    const byMechanism = this.#credentials.get(user)
    if (byMechanism === undefined) return false
    if (mechanism === undefined) return this.#credentials.delete(user)
    const had = byMechanism.delete(mechanism)
    if (byMechanism.size === 0) this.#credentials.delete(user)
    return had
  }

  acls(filter: AclFilter = {}): AclBinding[] {
    return [...this.#acls.values()].filter((b) => aclFilterMatches(filter, b))
  }

  get aclCount(): number {
    return this.#acls.size
  }

  /** Adds a binding (a well-formed one: checked); false when it was there already. */
  addAcl(binding: AclBinding): boolean {
    const problem = aclBindingProblem(binding)
    assert(problem === undefined, `a stored ACL is well formed: ${problem}`)
    const key = aclKey(binding)
    if (this.#acls.has(key)) return false
    this.#acls.set(key, { ...binding })
    return true
  }

  /** Removes the bindings the filter matches; returns them. */
  removeAcls(filter: AclFilter): AclBinding[] {
    const removed = this.acls(filter)
    for (const b of removed) this.#acls.delete(aclKey(b))
    return removed
  }

  /** Kafka's decision for one request (the rules at the top of this file). */
  authorize(request: AccessRequest, superUsers: readonly string[]): AuthorizeDecision {
    if (superUsers.includes(request.principal)) return { allowed: true, reason: 'superUser' }
    let allow = false
    for (const acl of this.#acls.values()) {
      if (!applies(acl, request)) continue
      if (acl.permission === 'Deny') {
        if (acl.operation === request.operation || acl.operation === 'All') return { allowed: false, reason: 'deniedByAcl', acl }
      } else if (impliedOperations(acl.operation).includes(request.operation)) {
        allow = true
      }
    }
    return allow ? { allowed: true, reason: 'acl' } : { allowed: false, reason: 'noAclAllows' }
  }
}

function applies(acl: AclBinding, request: AccessRequest): boolean {
  if (acl.resourceType !== request.resourceType) return false
  if (acl.principal !== request.principal && acl.principal !== 'User:*') return false
  if (acl.host !== '*' && clientAddressOf(acl.host) !== clientAddressOf(request.host)) return false
  if (acl.patternType === 'prefixed') return request.resourceName.startsWith(acl.resourceName)
  return acl.resourceName === request.resourceName || acl.resourceName === ACL_WILDCARD
}

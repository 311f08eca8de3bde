// Where the gateway's users and ACLs are stored, and how stored changes reach the gateway's
// SecurityState (THE object `gateway.security.state`, read synchronously by every request).
//
// A single broker stores them in the metadata log (CoordinatorClient is the store); the coordinator
// posts every change, and a snapshot at each (re)start, which `applySecurityRecords` and
// `replaceStoredSecurity` apply here, on the main thread. A cluster stores them in etcd
// (cluster/security-etcd.ts), watched into the state the same way. The ops (gateway/ops/users.ts,
// acls.ts) find the store of their gateway's state with `securityStore(state)`; a gateway without
// one (tests' fake gateways) answers SECURITY_DISABLED.
//
// Reserved users (the bootstrap user, security/bootstrap.ts) live only in memory: a stored user of
// the same name never replaces it while the broker runs with --bootstrap-user of that name (its
// records are kept in the log, and apply again once the broker runs without it), and the ops
// refuse to change it.
import { base64Decode, type AclBinding, type AclFilter } from '@faecie/protocol'
import type { SecurityState } from '../security/security-state.js'
import type { SecurityRecord } from './records.js'
import type { CredentialDeletion, CredentialUpsert, ItemError } from './security-writes.js'

/** The writer of users and ACLs (the coordinator, for a single broker). */
export interface SecurityStore {
  /** One answer per upsertion then per deletion: null done, or the refusal. */
  alterUsers(upsertions: CredentialUpsert[], deletions: CredentialDeletion[]): Promise<(ItemError | null)[]>
  createAcls(acls: AclBinding[]): Promise<(ItemError | null)[]>
  /** The bindings each filter removed. */
  deleteAcls(filters: AclFilter[]): Promise<AclBinding[][]>
}

/** The store of a state, with the users the store may not touch. */
interface Attached {
  store: SecurityStore
  reservedUsers: ReadonlySet<string>
}

const stores = new WeakMap<SecurityState, Attached>()

export function attachSecurityStore(state: SecurityState, store: SecurityStore, reservedUsers: Iterable<string>): void {
  stores.set(state, { store, reservedUsers: new Set(reservedUsers) })
}

/** The store that writes this state's users and ACLs, and its reserved users; undefined when there is none. */
export function securityStore(state: SecurityState): Attached | undefined {
  return stores.get(state)
}

/** Applies stored changes in order; records of a reserved user are skipped (it stays as it is in memory). */
export function applySecurityRecords(state: SecurityState, records: readonly SecurityRecord[], reservedUsers: ReadonlySet<string>): void {
  for (const record of records) {
    switch (record.type) {
      case 'scramCredential':
        if (reservedUsers.has(record.user)) break
        state.setCredential(record.user, {
          mechanism: record.mechanism, iterations: record.iterations,
          salt: base64Decode(record.salt), storedKey: base64Decode(record.storedKey), serverKey: base64Decode(record.serverKey),
        })
        break
      case 'scramCredentialDeleted':
        if (!reservedUsers.has(record.user)) state.deleteCredential(record.user, record.mechanism)
        break
      case 'acl':
        state.addAcl(record.binding)
        break
      case 'aclDeleted':
        state.removeAcls(record.binding)
        break
    }
  }
}

/**
 * Makes the state hold exactly the stored users and ACLs of `snapshot` (and the reserved users as
 * they are): at start and after the coordinator's thread restarted and replayed the log. One
 * synchronous pass on the main thread, so no request sees it half done.
 */
export function replaceStoredSecurity(state: SecurityState, snapshot: readonly SecurityRecord[], reservedUsers: ReadonlySet<string>): void {
  for (const { name } of state.users()) if (!reservedUsers.has(name)) state.deleteCredential(name)
  state.removeAcls({})
  applySecurityRecords(state, snapshot, reservedUsers)
}

// Users and ACLs of a cluster (--cluster), kept in etcd so that every broker authenticates and
// authorizes alike (issue 19). Keys (keys.ts layout; values JSON):
//
//   /faecie/<cluster>/security/users/<encodeURIComponent(user)>/<mechanism>
//        {"salt": b64, "iterations": 4096, "storedKey": b64, "serverKey": b64}   never a password
//   /faecie/<cluster>/security/acls/<hex SHA-256 of the binding's key>
//        {"principal", "host", "resourceType", "resourceName", "patternType", "operation", "permission"}
//
// Each broker reads the prefix at start, then watches it from the next revision and applies every
// change to its gateway's SecurityState (as security records: coordinator/security-store.ts, which
// keeps reserved users, the bootstrap user, as they are in memory) and to a mirror of its own, which
// the writes are decided against (coordinator/security-writes.ts: the same rules and limits as the
// metadata log of a single broker). A write is answered once this broker's watch has applied it, so
// the state is current when the op resolves. Writes of one broker go one at a time; two brokers
// writing at once may pass usersMax or aclsMax by a little (the limits are bounds on memory, not
// quotas). A value faecie cannot read is logged and left out, never a crash.
import { createHash } from 'node:crypto'
import type { Etcd3, IKeyValue, Watcher } from 'etcd3'
import { isScramMechanism, type AclBinding, type AclFilter } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { SecurityState } from '../security/security-state.js'
import { bindingKey, MetadataState, plainBinding } from '../coordinator/metadata-state.js'
import { decodeSecurityValue, type SecurityRecord } from '../coordinator/records.js'
import { applySecurityRecords, attachSecurityStore, type SecurityStore } from '../coordinator/security-store.js'
import {
  planAclCreations, planAclDeletions, planUserChanges, type CredentialDeletion, type CredentialUpsert, type ItemError, type SecurityLimitsForWrites,
} from '../coordinator/security-writes.js'
import type { ClusterKeys } from './keys.js'
import { revision } from './metadata-store.js'

export class EtcdSecurityStore implements SecurityStore {
  readonly #mirror = new MetadataState()
  /** The binding of each ACL key (a key names its binding only by a hash). */
  readonly #aclsByKey = new Map<string, AclBinding>()
  readonly #waiters: { revision: number; resolve: () => void }[] = []
  #applied = 0
  #writes: Promise<unknown> = Promise.resolve()
  #watcher: Watcher | undefined

  private constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly state: SecurityState,
    private readonly reserved: ReadonlySet<string>,
    private readonly limits: SecurityLimitsForWrites,
    private readonly logger: Logger,
  ) {}

  /** Reads the users and ACLs, watches them into `state`, and becomes its store. */
  static async start(options: { client: Etcd3; keys: ClusterKeys; state: SecurityState; reservedUsers: readonly string[];
    limits: SecurityLimitsForWrites; logger: Logger }): Promise<EtcdSecurityStore> {
    const prefix = `${options.keys.prefix}security/`
    const store = new EtcdSecurityStore(options.client, prefix, options.state, new Set(options.reservedUsers), options.limits, options.logger)
    const snapshot = await options.client.getAll().prefix(prefix).exec()
    for (const kv of snapshot.kvs) store.#apply('put', kv)
    store.#applied = revision(snapshot.header.revision)
    const watcher = await options.client.watch().prefix(prefix).startRevision(String(store.#applied + 1)).create()
    watcher.on('put', (kv) => store.#apply('put', kv))
    watcher.on('delete', (kv) => store.#apply('delete', kv))
    watcher.on('error', (err) => options.logger.warn({ err }, 'security watch failed'))
    store.#watcher = watcher
    attachSecurityStore(options.state, store, options.reservedUsers)
    options.logger.info({ users: store.#mirror.credentials.size, acls: store.#mirror.acls.size }, 'users and ACLs read from etcd')
    return store
  }

  alterUsers(upsertions: CredentialUpsert[], deletions: CredentialDeletion[]): Promise<(ItemError | null)[]> {
    return this.#serially(async () => {
      const plan = planUserChanges(this.#mirror, upsertions, deletions, this.limits)
      await this.#write(plan.records)
      return plan.results
    })
  }

  createAcls(acls: AclBinding[]): Promise<(ItemError | null)[]> {
    return this.#serially(async () => {
      const plan = planAclCreations(this.#mirror, acls, this.limits)
      await this.#write(plan.records)
      return plan.results
    })
  }

  deleteAcls(filters: AclFilter[]): Promise<AclBinding[][]> {
    return this.#serially(async () => {
      const plan = planAclDeletions(this.#mirror, filters)
      await this.#write(plan.records)
      return plan.results
    })
  }

  async close(): Promise<void> {
    await this.#watcher?.cancel()
    for (const waiter of this.#waiters.splice(0)) waiter.resolve()
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#writes.then(work, work)
    this.#writes = next.catch(() => undefined)
    return next
  }

  /** Writes the records' keys, then waits until the watch has applied the last write here. */
  async #write(records: readonly SecurityRecord[]): Promise<void> {
    let last = 0
    for (const record of records) {
      const key = this.#keyOf(record)
      const response = record.type === 'scramCredential'
        ? await this.client.put(key).value(JSON.stringify({ salt: record.salt, iterations: record.iterations, storedKey: record.storedKey, serverKey: record.serverKey }))
        : record.type === 'acl' ? await this.client.put(key).value(JSON.stringify(plainBinding(record.binding)))
          : await this.client.delete().key(key)
      last = Math.max(last, revision(response.header.revision))
    }
    if (last > this.#applied) await new Promise<void>((resolve) => this.#waiters.push({ revision: last, resolve }))
  }

  #keyOf(record: SecurityRecord): string {
    if (record.type === 'scramCredential' || record.type === 'scramCredentialDeleted') {
      return `${this.prefix}users/${encodeURIComponent(record.user)}/${record.mechanism}`
    }
    return `${this.prefix}acls/${createHash('sha256').update(bindingKey(record.binding)).digest('hex')}`
  }

  #apply(change: 'put' | 'delete', kv: IKeyValue): void {
    const record = this.#recordOf(change, kv)
    if (record !== undefined) {
      this.#mirror.apply(record)
      applySecurityRecords(this.state, [record], this.reserved)
    }
    this.#applied = Math.max(this.#applied, revision(kv.mod_revision))
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i]!.revision <= this.#applied) this.#waiters.splice(i, 1)[0]!.resolve()
    }
  }

  /** The security record a key's change stands for; undefined (logged) for a key or value faecie cannot read. */
  #recordOf(change: 'put' | 'delete', kv: IKeyValue): SecurityRecord | undefined {
    const key = kv.key.toString()
    const [kind, a, b, ...rest] = key.slice(this.prefix.length).split('/')
    try {
      if (kind === 'users' && a !== undefined && b !== undefined && rest.length === 0 && isScramMechanism(b)) {
        const user = decodeURIComponent(a)
        if (change === 'delete') return { v: 1, type: 'scramCredentialDeleted', user, mechanism: b }
        return decodeSecurityValue({ ...(JSON.parse(kv.value.toString()) as object), v: 1, type: 'scramCredential', user, mechanism: b })
      }
      if (kind === 'acls' && a !== undefined && b === undefined) {
        if (change === 'delete') {
          const binding = this.#aclsByKey.get(key)
          this.#aclsByKey.delete(key)
          return binding === undefined ? undefined : { v: 1, type: 'aclDeleted', binding }
        }
        const record = decodeSecurityValue({ v: 1, type: 'acl', binding: JSON.parse(kv.value.toString()) as unknown })
        if (record.type === 'acl') {
          this.#aclsByKey.set(key, plainBinding(record.binding))
          return { v: 1, type: 'acl', binding: plainBinding(record.binding) }
        }
      }
    } catch {
      // Fall through: logged below.
    }
    if (change === 'put') this.logger.warn({ key }, 'a security key faecie cannot read: left out')
    return undefined
  }
}

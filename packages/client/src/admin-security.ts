// The admin's users and ACLs (admin.ts delegates here), as Kafka's admin client manages SCRAM
// credentials (alterUserScramCredentials / describeUserScramCredentials) and ACLs (createAcls /
// describeAcls / deleteAcls). The password never leaves this process: `upsertUser` draws a random
// 32-byte salt and sends PBKDF2(password, salt, iterations), the SaltedPassword of RFC 5802, from
// which the broker derives and stores StoredKey and ServerKey. One mechanism per call, as Kafka's
// tools take one (default SCRAM-SHA-512; call again for SCRAM-SHA-256). The broker answers per item;
// a refused item becomes a thrown FaecieError naming it. WebCrypto only: runs in browsers too.
import {
  ErrorCode, FaecieError, isScramMechanism, saltedPassword, SCRAM_ITERATIONS_MIN, type AclBinding, type AclFilter, type ScramMechanism,
  type WireError,
} from '@faecie/protocol'
import type { Cluster } from './cluster.js'

/** The mechanism of `upsertUser` when none is named. */
export const DEFAULT_SCRAM_MECHANISM: ScramMechanism = 'SCRAM-SHA-512'
/** Iterations of a new credential when none are given (Kafka's tools' default). */
export const DEFAULT_SCRAM_ITERATIONS = SCRAM_ITERATIONS_MIN
/** Bytes of random salt per credential. */
export const SCRAM_SALT_BYTES = 32

export interface UserDescription {
  user: string
  /** The mechanisms the user has a credential for, with their iteration counts (never keys or salts). */
  mechanisms: { mechanism: string; iterations: number }[]
  /** Set when a user named in describeUsers does not exist (RESOURCE_NOT_FOUND). */
  error?: FaecieError
}

export interface UpsertUserOptions {
  user: string
  password: string
  /** SCRAM-SHA-256 or SCRAM-SHA-512 (either case); default SCRAM-SHA-512. */
  mechanism?: string
  /** 4096-16384; default 4096. */
  iterations?: number
}

/** 'scram-sha-256' or 'SCRAM-SHA-256' to the protocol's name; anything else is INVALID_REQUEST. */
export function scramMechanismName(mechanism: string): ScramMechanism {
  const upper = mechanism.toUpperCase()
  if (!isScramMechanism(upper)) throw new FaecieError(ErrorCode.INVALID_REQUEST, `Unknown SCRAM mechanism ${mechanism}: SCRAM-SHA-256 or SCRAM-SHA-512.`)
  return upper
}

function itemError(what: string, error: WireError): FaecieError {
  const message = error.message.includes(what) ? error.message : `${what}: ${error.message}`
  return new FaecieError(error.code, message, { errorName: error.name, retriable: error.retriable })
}

function describeBinding(b: AclBinding): string {
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.patternType === 'prefixed' ? `${b.resourceName}*` : b.resourceName}` +
    (b.host === '*' ? '' : ` from ${b.host}`)
}

export class SecurityAdmin {
  constructor(private readonly cluster: Cluster) {}

  /** Makes the user, or sets its password for this mechanism. */
  async upsertUser(options: UpsertUserOptions): Promise<void> {
    const mechanism = scramMechanismName(options.mechanism ?? DEFAULT_SCRAM_MECHANISM)
    const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS
    if (options.user.length === 0) throw new FaecieError(ErrorCode.INVALID_REQUEST, 'A user has a name.')
    if (options.password.length === 0) throw new FaecieError(ErrorCode.INVALID_REQUEST, `User ${options.user}: the password is empty.`)
    const salt = new Uint8Array(SCRAM_SALT_BYTES)
    globalThis.crypto.getRandomValues(salt)
    const salted = await saltedPassword(mechanism, options.password, salt, iterations)
    const response = await this.cluster.request('alterUsers', {
      upsertions: [{ user: options.user, mechanism, iterations, salt, saltedPassword: salted }], deletions: [],
    })
    const error = response.results[0]?.error
    if (error !== undefined) throw itemError(`User ${options.user}`, error)
  }

  /** Deletes the user's credential for `mechanism`, or every credential it has (the user is then gone). */
  async deleteUser(options: { user: string; mechanism?: string }): Promise<void> {
    let mechanisms: ScramMechanism[]
    if (options.mechanism !== undefined) {
      mechanisms = [scramMechanismName(options.mechanism)]
    } else {
      const [described] = await this.describeUsers({ users: [options.user] })
      if (described?.error !== undefined) throw described.error
      mechanisms = (described?.mechanisms ?? []).map((m) => m.mechanism).filter(isScramMechanism)
    }
    const response = await this.cluster.request('alterUsers', { upsertions: [], deletions: mechanisms.map((mechanism) => ({ user: options.user, mechanism })) })
    const error = response.results.find((r) => r.error !== undefined)?.error
    if (error !== undefined) throw itemError(`User ${options.user}`, error)
  }

  /** The named users (each one missing carries a RESOURCE_NOT_FOUND error), or every user. */
  async describeUsers(options: { users?: string[] } = {}): Promise<UserDescription[]> {
    const response = await this.cluster.request('describeUsers', options.users === undefined ? {} : { users: options.users })
    return response.users.map((u) => ({
      user: u.user, mechanisms: u.mechanisms.map((m) => ({ mechanism: m.mechanism, iterations: m.iterations })),
      ...(u.error === undefined ? {} : { error: itemError(`User ${u.user}`, u.error) }),
    }))
  }

  /** Adds the bindings (one that exists is not an error); throws the first refusal, naming its binding. */
  async createAcls(options: { acls: AclBinding[] }): Promise<void> {
    if (options.acls.length === 0) return
    const response = await this.cluster.request('createAcls', { acls: options.acls })
    response.results.forEach((r, i) => {
      if (r.error !== undefined) throw itemError(`ACL ${describeBinding(options.acls[i]!)}`, r.error)
    })
  }

  /** The bindings the filter matches (every field left out matches anything); all without one. */
  async describeAcls(filter: AclFilter = {}): Promise<AclBinding[]> {
    const response = await this.cluster.request('describeAcls', { filter })
    return response.acls
  }

  /** Deletes the bindings any of the filters match; resolves with them. */
  async deleteAcls(options: { filters: AclFilter[] }): Promise<AclBinding[]> {
    if (options.filters.length === 0) return []
    const response = await this.cluster.request('deleteAcls', { filters: options.filters })
    const deleted: AclBinding[] = []
    for (const r of response.results) {
      if (r.error !== undefined) throw itemError('deleteAcls', r.error)
      deleted.push(...r.deleted)
    }
    return deleted
  }
}

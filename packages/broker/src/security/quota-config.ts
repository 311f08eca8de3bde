// The client quotas of --config's "security": { "quotas": {...} } (issue 19; Kafka's KIP-13 and
// KIP-55 quotas, as static configuration), and which of them applies to a request. Shape:
//
//   "quotas": {
//     "default":   { "produceBytesPerSec": 5000000, "fetchBytesPerSec": 10000000, "requestsPerSec": 1000 },
//     "users":     { "alice": { "produceBytesPerSec": 1000000, "clientIds": { "bench": { ... } } } },
//     "clientIds": { "bench": { "fetchBytesPerSec": 2000000 } }
//   }
//
// Each quota type (produce bytes, fetch bytes, requests) is resolved on its own, most specific first,
// as Kafka resolves /config/users/<user>/clients/<client-id> > /config/users/<user> >
// /config/clients/<client-id> > the defaults:
//   users.U.clientIds.C   shared by the connections of user U with client id C
//   users.U               shared by every connection of user U
//   clientIds.C           shared by every connection with client id C (whoever logs in)
//   default               each logged-in user has its own rate at this quota (Kafka's users/<default>:
//                         a client id is the client's to choose, so a new one buys no fresh quota);
//                         without a login, each client id (Kafka's clients/<default>)
// A type no level sets is not limited. Users are the names of "User:<name>" principals; without
// --auth scram every client is User:ANONYMOUS, so client ids (and the default) are what tell them apart.
//
// Requests per second stand in for Kafka's request_percentage (KIP-124, the share of a handler
// thread's time): faecie's handlers are mostly waits on partition threads, fsyncs and long polls,
// not time the main thread spends, so their duration would charge a client for the broker's disk;
// a count of requests is what a client controls and what the main thread's per-request work follows.
//
// Dynamic quotas (kafka-configs --alter --entity-type users|clients, AlterClientQuotas) are not
// served yet: quotas change with the config file and a restart.
import { ANONYMOUS_PRINCIPAL } from './principals.js'

export type QuotaType = 'produce' | 'fetch' | 'request'

export const QUOTA_TYPES: readonly QuotaType[] = ['produce', 'fetch', 'request']

export interface QuotaValues {
  produceBytesPerSec?: number
  fetchBytesPerSec?: number
  requestsPerSec?: number
}

export interface UserQuotas extends QuotaValues {
  clientIds: Record<string, QuotaValues>
}

export interface QuotaConfig {
  default: QuotaValues
  users: Record<string, UserQuotas>
  clientIds: Record<string, QuotaValues>
}

export const NO_QUOTAS: QuotaConfig = { default: {}, users: {}, clientIds: {} }

const FIELD_OF: Record<QuotaType, keyof QuotaValues> = {
  produce: 'produceBytesPerSec',
  fetch: 'fetchBytesPerSec',
  request: 'requestsPerSec',
}

/** The quota that applies and the key of the rate it is measured on (shared by all who resolve to it). */
export interface ResolvedQuota {
  /** Bytes or requests per second. */
  bound: number
  /** e.g. "user=alice,client-id=bench", "user=alice", "client-id=bench" (for logs). */
  entity: string
  /** The rate's key: unique per level, user and client id whatever characters the names hold. */
  key: string
}

/** True when any level sets any quota: a broker without quotas does no accounting at all. */
export function hasQuotas(config: QuotaConfig): boolean {
  const any = (v: QuotaValues): boolean => QUOTA_TYPES.some((t) => v[FIELD_OF[t]] !== undefined)
  return any(config.default) || Object.values(config.clientIds).some(any) ||
    Object.values(config.users).some((u) => any(u) || Object.values(u.clientIds).some(any))
}

/** The most specific quota of `type` for a principal and client id, or undefined: not limited. */
export function resolveQuota(config: QuotaConfig, type: QuotaType, principal: string, clientId: string): ResolvedQuota | undefined {
  const field = FIELD_OF[type]
  const user = principal.startsWith('User:') ? principal.slice('User:'.length) : principal
  const userQuotas = Object.hasOwn(config.users, user) ? config.users[user] : undefined
  const perClient = userQuotas !== undefined && Object.hasOwn(userQuotas.clientIds, clientId) ? userQuotas.clientIds[clientId] : undefined
  const userClient = perClient?.[field]
  const quota = (bound: number, level: string, u: string | undefined, c: string | undefined): ResolvedQuota => ({
    bound,
    entity: [u === undefined ? '' : `user=${u}`, c === undefined ? '' : `client-id=${c}`].filter((s) => s !== '').join(','),
    key: JSON.stringify([type, level, u, c]),
  })
  if (userClient !== undefined) return quota(userClient, 'user-client', user, clientId)
  const userOnly = userQuotas?.[field]
  if (userOnly !== undefined) return quota(userOnly, 'user', user, undefined)
  const client = Object.hasOwn(config.clientIds, clientId) ? config.clientIds[clientId]![field] : undefined
  if (client !== undefined) return quota(client, 'client', undefined, clientId)
  const fallback = config.default[field]
  // Kafka's <default> entity: per user once logged in (a client id is the client's to choose, so
  // changing it must not buy a fresh quota), per client id for anonymous sessions (no --auth).
  if (fallback !== undefined) return principal === ANONYMOUS_PRINCIPAL ? quota(fallback, 'default', undefined, clientId) : quota(fallback, 'default', user, undefined)
  return undefined
}

/** Parses security.quotas; `fail` makes a usage error naming the bad path. */
export function parseQuotaConfig(raw: unknown, fail: (message: string) => Error): QuotaConfig {
  if (raw === undefined) return NO_QUOTAS
  const object = (value: unknown, path: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${path} must be a JSON object`)
    return value as Record<string, unknown>
  }
  const values = (value: unknown, path: string, extra: readonly string[] = []): QuotaValues => {
    const o = object(value, path)
    const out: QuotaValues = {}
    for (const [key, v] of Object.entries(o)) {
      if (extra.includes(key)) continue
      if (!(Object.values(FIELD_OF) as string[]).includes(key)) {
        throw fail(`${path}.${key} is not a quota (produceBytesPerSec, fetchBytesPerSec, requestsPerSec${extra.map((e) => `, ${e}`).join('')})`)
      }
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw fail(`${path}.${key} must be a positive number`)
      out[key as keyof QuotaValues] = v
    }
    return out
  }
  const named = <T>(value: unknown, path: string, each: (v: unknown, p: string) => T): Record<string, T> => {
    const out: Record<string, T> = Object.create(null) as Record<string, T>
    for (const [name, v] of Object.entries(object(value ?? {}, path))) {
      if (name.length === 0) throw fail(`${path} has an empty name`)
      out[name] = each(v, `${path}.${name}`)
    }
    return out
  }
  const top = object(raw, 'security.quotas')
  for (const key of Object.keys(top)) {
    if (!['default', 'users', 'clientIds'].includes(key)) throw fail(`security.quotas.${key} is not a setting (default, users, clientIds)`)
  }
  return {
    default: values(top.default ?? {}, 'security.quotas.default'),
    users: named(top.users, 'security.quotas.users', (v, p) => ({
      ...values(v, p, ['clientIds']),
      clientIds: named((v as { clientIds?: unknown }).clientIds, `${p}.clientIds`, (c, cp) => values(c, cp)),
    })),
    clientIds: named(top.clientIds, 'security.quotas.clientIds', (v, p) => values(v, p)),
  }
}

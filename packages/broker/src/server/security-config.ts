// The security flags of `faecie broker` (issue 19), parsed beside the others (config.ts), and every
// security limit in one place. Without `--auth scram` the broker authenticates no one and allows
// every op (today's loopback default); with it, every listener (WebSocket, HTTP, Kafka) requires a
// SCRAM login and every request is checked against the ACLs (security/security-state.ts).
//
//   --auth none|scram                  default none
//   --sasl-mechanisms LIST             default SCRAM-SHA-256,SCRAM-SHA-512
//   --super-users LIST                 principals that may do everything, e.g. User:admin
//   --bootstrap-user NAME              a super user whose credential is derived at start from
//   --bootstrap-password-file FILE     the first line of FILE (or env FAECIE_BOOTSTRAP_PASSWORD);
//                                      never stored: the way in before any user exists
//   --tls-cert FILE --tls-key FILE     wss/https and TLS on the Kafka listener (PEM); reloaded on SIGHUP
//   --tls-ca FILE                      CA for client certificates
//   --tls-client-auth none|request|require   default none (request/require need --tls-ca); a verified
//                                      client certificate's CN is the principal User:<CN>
//   --insecure                         allow a non-loopback --host without --auth scram
//
// In --config: "security": { "auth", "saslMechanisms", "superUsers", "bootstrapUser",
// "bootstrapPasswordFile", "tlsCert", "tlsKey", "tlsCa", "tlsClientAuth", "insecure", "limits": {...},
// "quotas": {...} } (client quotas: security/quota-config.ts).
import { NO_QUOTAS, parseQuotaConfig, type QuotaConfig } from '../security/quota-config.js'
import { isScramMechanism, SCRAM_ITERATIONS_MIN, type ScramMechanism, principalProblem } from '@faecie/protocol'

export type AuthMode = 'none' | 'scram'
export type TlsClientAuth = 'none' | 'request' | 'require'

export interface TlsConfig {
  certFile: string
  keyFile: string
  caFile: string | undefined
  clientAuth: TlsClientAuth
}

/** Every bound of authentication and auditing. */
export interface SecurityLimits {
  /** Iterations of credentials made by `faecie users` and the bootstrap user. */
  scramIterations: number
  /** A session must finish its login within this long of hello, or is closed. */
  authenticateTimeoutMs: number
  /** The first failed login from an address is answered after this long; each next one doubles it... */
  loginFailureDelayMs: number
  /** ...up to this. */
  loginFailureDelayMsMax: number
  /** A source address's failures are forgotten this long after its last one. */
  loginFailureMemoryMs: number
  /** Source addresses whose failures are remembered at once (the oldest forgotten first). */
  loginFailureAddressesMax: number
  /** Audit lines (failed logins, denied requests) per second at most; the rest are counted and summarised. */
  auditLinesPerSecondMax: number
  /** Users and ACLs the metadata may hold. */
  usersMax: number
  aclsMax: number
  /** Longest user name. */
  userNameCharsMax: number
  /** HTTP bearer tokens held at once (all users); one more: 429 TOO_MANY_SESSIONS (http/auth-routes.ts). */
  httpTokensMax: number
  /** Tokens of one user; one more revokes that user's oldest. */
  httpTokensPerUserMax: number
  /** A token's lifetime when the request asks for none... */
  httpTokenLifetimeMs: number
  /** ...and the longest one a request may ask for. */
  httpTokenLifetimeMsMax: number
  /** Successful Basic password checks remembered (so each request does not run PBKDF2 again)... */
  httpPasswordCacheEntriesMax: number
  /** ...for this long each. */
  httpPasswordCacheTtlMs: number
  /** Basic password checks (PBKDF2) running at once; one more: 429 TOO_MANY_IN_FLIGHT. */
  httpPasswordChecksInFlightMax: number
  /** HTTP logins (Basic or the token route) from one address at once, throttle waits included; one more: 429, audited. */
  httpPasswordChecksPerAddressMax: number
  /** Client quotas (security/quotas.ts): one sample's span, samples kept (Kafka's 1 s x 11)... */
  quotaWindowMs: number
  quotaWindows: number
  /** ...the longest throttle one request earns, and the entities whose rates are kept at once. */
  quotaThrottleTimeMsMax: number
  quotaEntitiesMax: number
}

export const DEFAULT_SECURITY_LIMITS: SecurityLimits = {
  scramIterations: SCRAM_ITERATIONS_MIN,
  authenticateTimeoutMs: 10_000,
  loginFailureDelayMs: 100,
  loginFailureDelayMsMax: 5_000,
  loginFailureMemoryMs: 60_000,
  loginFailureAddressesMax: 10_000,
  auditLinesPerSecondMax: 20,
  usersMax: 10_000,
  aclsMax: 100_000,
  userNameCharsMax: 255,
  httpTokensMax: 10_000,
  httpTokensPerUserMax: 100,
  httpTokenLifetimeMs: 3_600_000,
  httpTokenLifetimeMsMax: 86_400_000,
  httpPasswordCacheEntriesMax: 1_000,
  httpPasswordCacheTtlMs: 60_000,
  httpPasswordChecksInFlightMax: 8,
  httpPasswordChecksPerAddressMax: 2,
  quotaWindowMs: 1000,
  quotaWindows: 11,
  quotaThrottleTimeMsMax: 10_000,
  quotaEntitiesMax: 10_000,
}

export interface SecurityConfig {
  auth: AuthMode
  saslMechanisms: ScramMechanism[]
  superUsers: string[]
  bootstrapUser: { name: string; passwordFile: string | undefined } | undefined
  tls: TlsConfig | undefined
  insecure: boolean
  limits: SecurityLimits
  /** Client quotas per user and client id (none by default). */
  quotas: QuotaConfig
}

export const SECURITY_FLAG_OPTIONS = {
  auth: { type: 'string' },
  'sasl-mechanisms': { type: 'string' },
  'super-users': { type: 'string' },
  'bootstrap-user': { type: 'string' },
  'bootstrap-password-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-client-auth': { type: 'string' },
  insecure: { type: 'boolean' },
} as const

export const SECURITY_USAGE = `Security (docs/security.md):
  --auth none|scram         require SCRAM logins and enforce ACLs on every listener (default none)
  --sasl-mechanisms LIST    SCRAM-SHA-256,SCRAM-SHA-512 (default both)
  --super-users LIST        principals allowed everything, e.g. User:admin
  --bootstrap-user NAME     a super user whose password is the first line of
  --bootstrap-password-file FILE (or env FAECIE_BOOTSTRAP_PASSWORD); never stored
  --tls-cert FILE --tls-key FILE   serve wss/https and Kafka over TLS (PEM; reloaded on SIGHUP)
  --tls-ca FILE             CA of client certificates; --tls-client-auth none|request|require
  --insecure                allow a non-loopback --host without --auth scram`

type Flags = { [K in keyof typeof SECURITY_FLAG_OPTIONS]?: (typeof SECURITY_FLAG_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string }

/** The security settings from the flags and the --config file's "security" object; `fail` makes a usage error. */
export function parseSecurityFlags(flags: Flags, file: Record<string, unknown>, fail: (message: string) => Error): SecurityConfig {
  const pick = (flag: string | boolean | undefined, key: string): unknown => flag ?? file[key]
  const str = (value: unknown, what: string): string | undefined => {
    if (value === undefined) return undefined
    if (typeof value !== 'string' || value.length === 0) throw fail(`${what} must be a non-empty string`)
    return value
  }
  const list = (value: unknown, what: string): string[] | undefined => {
    if (value === undefined) return undefined
    const items = typeof value === 'string' ? value.split(',') : value
    if (!Array.isArray(items) || !items.every((i) => typeof i === 'string')) throw fail(`${what} must be a comma-separated list`)
    return items.map((i: string) => i.trim()).filter((i) => i.length > 0)
  }
  const auth = str(pick(flags.auth, 'auth'), '--auth') ?? 'none'
  if (auth !== 'none' && auth !== 'scram') throw fail(`--auth must be none or scram, not ${JSON.stringify(auth)}`)
  const mechanisms = list(pick(flags['sasl-mechanisms'], 'saslMechanisms'), '--sasl-mechanisms') ?? ['SCRAM-SHA-256', 'SCRAM-SHA-512']
  for (const m of mechanisms) if (!isScramMechanism(m)) throw fail(`--sasl-mechanisms: unknown mechanism ${m} (SCRAM-SHA-256, SCRAM-SHA-512)`)
  if (mechanisms.length === 0) throw fail('--sasl-mechanisms names no mechanism')
  const superUsers = list(pick(flags['super-users'], 'superUsers'), '--super-users') ?? []
  for (const p of superUsers) {
    const problem = principalProblem(p)
    if (problem !== undefined) throw fail(`--super-users: ${problem}`)
  }
  const bootstrapName = str(pick(flags['bootstrap-user'], 'bootstrapUser'), '--bootstrap-user')
  const passwordFile = str(pick(flags['bootstrap-password-file'], 'bootstrapPasswordFile'), '--bootstrap-password-file')
  if (passwordFile !== undefined && bootstrapName === undefined) throw fail('--bootstrap-password-file needs --bootstrap-user')
  if (bootstrapName !== undefined && auth !== 'scram') throw fail('--bootstrap-user needs --auth scram')
  const certFile = str(pick(flags['tls-cert'], 'tlsCert'), '--tls-cert')
  const keyFile = str(pick(flags['tls-key'], 'tlsKey'), '--tls-key')
  const caFile = str(pick(flags['tls-ca'], 'tlsCa'), '--tls-ca')
  const clientAuth = str(pick(flags['tls-client-auth'], 'tlsClientAuth'), '--tls-client-auth') ?? 'none'
  if (clientAuth !== 'none' && clientAuth !== 'request' && clientAuth !== 'require') throw fail('--tls-client-auth must be none, request or require')
  if ((certFile === undefined) !== (keyFile === undefined)) throw fail('--tls-cert and --tls-key go together')
  if (certFile === undefined && (caFile !== undefined || clientAuth !== 'none')) throw fail('--tls-ca and --tls-client-auth need --tls-cert and --tls-key')
  if (clientAuth !== 'none' && caFile === undefined) throw fail('--tls-client-auth request|require needs --tls-ca')
  const insecure = pick(flags.insecure, 'insecure')
  if (insecure !== undefined && typeof insecure !== 'boolean') throw fail('insecure must be true or false')
  const limits = { ...DEFAULT_SECURITY_LIMITS }
  const givenLimits = file.limits ?? {}
  if (typeof givenLimits !== 'object' || givenLimits === null || Array.isArray(givenLimits)) throw fail('security.limits must be a JSON object')
  for (const [key, value] of Object.entries(givenLimits)) {
    if (!(key in limits)) throw fail(`security.limits.${key} is not a setting (known: ${Object.keys(limits).join(', ')})`)
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw fail(`security.limits.${key} must be a positive integer`)
    ;(limits as Record<string, number>)[key] = value
  }
  if (limits.scramIterations < SCRAM_ITERATIONS_MIN) throw fail(`security.limits.scramIterations must be at least ${SCRAM_ITERATIONS_MIN}`)
  if (limits.httpTokenLifetimeMs > limits.httpTokenLifetimeMsMax) throw fail('security.limits.httpTokenLifetimeMs must not exceed httpTokenLifetimeMsMax')
  if (limits.httpTokensPerUserMax > limits.httpTokensMax) throw fail('security.limits.httpTokensPerUserMax must not exceed httpTokensMax')
  if (limits.quotaWindows < 2) throw fail('security.limits.quotaWindows must be at least 2')
  return {
    auth,
    saslMechanisms: mechanisms as ScramMechanism[],
    superUsers: bootstrapName === undefined || superUsers.includes(`User:${bootstrapName}`) ? superUsers : [...superUsers, `User:${bootstrapName}`],
    bootstrapUser: bootstrapName === undefined ? undefined : { name: bootstrapName, passwordFile },
    tls: certFile === undefined || keyFile === undefined ? undefined : { certFile, keyFile, caFile, clientAuth },
    insecure: insecure === true,
    limits,
    quotas: parseQuotaConfig(file.quotas, fail),
  }
}

/** Today's loopback default: no authentication, no ACLs, no TLS (tests' fake gateways use it too). */
export const OPEN_SECURITY_CONFIG: SecurityConfig = {
  auth: 'none', saslMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'], superUsers: [], bootstrapUser: undefined, tls: undefined,
  insecure: false, limits: DEFAULT_SECURITY_LIMITS, quotas: NO_QUOTAS,
}

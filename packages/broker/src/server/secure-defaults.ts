// Secure defaults (issue 19): a broker that other machines can reach must authenticate. Binding
// anything but loopback (127.0.0.0/8, ::1, localhost) without `--auth scram` is refused at start
// (a UsageError: exit code 2, the reason on stderr) unless `--insecure` says it is meant. What is
// allowed but weak is logged as a warning at start: SCRAM without TLS on a non-loopback host
// (passwords are SCRAM-protected, the data is not), and an --insecure open broker.
//
// In a cluster, credentials and ACLs live in etcd (cluster/security-etcd.ts): with `--auth scram`,
// every etcd endpoint must be https:// and the broker must authenticate to etcd (--etcd-user, or a
// client certificate for etcd's --client-cert-auth), else the start is refused the same way; with
// --insecure it starts, warning that anyone reaching etcd can read the credentials and rewrite ACLs.
import { BlockList, isIP } from 'node:net'
import type { ClusterConfig } from './cluster-config.js'
import { UsageError } from './config.js'
import type { SecurityConfig } from './security-config.js'

/** What the checks read of the broker's config. */
export interface BindSecurity {
  host: string
  security: Pick<SecurityConfig, 'auth' | 'tls' | 'insecure'>
  /** Cluster mode: how etcd is reached (undefined: a single broker). */
  cluster?: Pick<ClusterConfig, 'etcdEndpoints' | 'etcdAccess'> | undefined
}

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6')

/** True for an address only this machine can reach: 127.0.0.0/8, ::1 (with or without brackets), localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase()
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true
  const family = isIP(bare)
  if (family === 0) return false
  return LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6')
}

/** Why the broker must not start as configured, or undefined when it may. */
export function insecureBindRefusal(config: BindSecurity): string | undefined {
  return openListenerRefusal(config) ?? insecureEtcdRefusal(config)
}

const ETCD_STAKES = 'users\' credentials and the ACLs are stored in etcd: whoever can read or write etcd could take them or grant themselves anything'
const ETCD_FIX = 'Use https:// etcd endpoints (--etcd-ca) and authenticate to etcd with --etcd-user and --etcd-password-file, or with ' +
  'a client certificate (--etcd-cert/--etcd-key) for etcd\'s --client-cert-auth (docs/cluster.md, "Securing etcd")'

/**
 * With --auth scram in a cluster: what is weak in how the broker reaches etcd (plain http, or no
 * authentication to it), or undefined when etcd is reached over TLS with credentials, or no check applies.
 */
export function insecureEtcdProblem(config: BindSecurity): string | undefined {
  if (config.cluster === undefined || config.security.auth !== 'scram') return undefined
  const plain = config.cluster.etcdEndpoints.filter((url) => !url.startsWith('https:'))
  if (plain.length > 0) return `plain http etcd (${plain.join(', ')})`
  const access = config.cluster.etcdAccess
  if (access?.user === undefined && access?.certFile === undefined) return 'etcd reached without authentication (no --etcd-user nor --etcd-cert)'
  return undefined
}

function insecureEtcdRefusal(config: BindSecurity): string | undefined {
  const problem = config.security.insecure ? undefined : insecureEtcdProblem(config)
  return problem === undefined ? undefined : `refusing --auth scram with ${problem}: ${ETCD_STAKES}. ${ETCD_FIX}, or pass --insecure.`
}

function openListenerRefusal(config: BindSecurity): string | undefined {
  if (isLoopbackHost(config.host) || config.security.auth === 'scram' || config.security.insecure) return undefined
  return `refusing to listen on ${config.host} without authentication: anyone who can reach the port could read, write and ` +
    'delete every topic. Use --auth scram (with --bootstrap-user and --tls-cert/--tls-key), bind 127.0.0.1, ' +
    'or pass --insecure if an open broker is really meant (a trusted network only).'
}

/** Throws the refusal as a UsageError (exit code 2, the reason on stderr). */
export function refuseInsecureBind(config: BindSecurity): void {
  const refusal = insecureBindRefusal(config)
  if (refusal !== undefined) throw new UsageError(refusal)
}

/** Warnings to log at start about a configuration allowed but weak. */
export function securityWarnings(config: BindSecurity): string[] {
  const etcd = config.security.insecure ? insecureEtcdProblem(config) : undefined
  const warnings = etcd === undefined ? [] : [`--auth scram with ${etcd}, allowed by --insecure: ${ETCD_STAKES}`]
  if (isLoopbackHost(config.host)) return warnings
  if (config.security.auth !== 'scram') {
    warnings.push(`listening on ${config.host} without authentication (--insecure): every client may do everything`)
  } else if (config.security.tls === undefined) {
    warnings.push(`listening on ${config.host} with --auth scram but without TLS: passwords are SCRAM-protected, ` +
      'but messages and bearer tokens cross the network in clear (add --tls-cert and --tls-key)')
  }
  return warnings
}

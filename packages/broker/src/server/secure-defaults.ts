// Secure defaults (issue 19): a broker that other machines can reach must authenticate. Binding
// anything but loopback (127.0.0.0/8, ::1, localhost) without `--auth scram` is refused at start
// (a UsageError: exit code 2, the reason on stderr) unless `--insecure` says it is meant. What is
// allowed but weak is logged as a warning at start: SCRAM without TLS on a non-loopback host
// (passwords are SCRAM-protected, the data is not), and an --insecure open broker.
import { BlockList, isIP } from 'node:net'
import { UsageError } from './config.js'
import type { SecurityConfig } from './security-config.js'

/** What the checks read of the broker's config. */
export interface BindSecurity {
  host: string
  security: Pick<SecurityConfig, 'auth' | 'tls' | 'insecure'>
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
  if (isLoopbackHost(config.host)) return []
  const warnings: string[] = []
  if (config.security.auth !== 'scram') {
    warnings.push(`listening on ${config.host} without authentication (--insecure): every client may do everything`)
  } else if (config.security.tls === undefined) {
    warnings.push(`listening on ${config.host} with --auth scram but without TLS: passwords are SCRAM-protected, ` +
      'but messages and bearer tokens cross the network in clear (add --tls-cert and --tls-key)')
  }
  return warnings
}

// The etcd client's credentials (issue 19), from the --etcd-* settings (server/etcd-config.ts): the
// CA and client certificate read as PEM, the password from --etcd-password-file's first line or env
// FAECIE_ETCD_PASSWORD, read once when the broker connects. A file that is missing, unreadable or not
// PEM, or a user without a password, fails the start with an EtcdUnavailableError naming the flag
// (exit code 1, like the --tls-* files); so do etcd's refusals, said in words by etcdRefusal().
import { readFileSync } from 'node:fs'
import { EtcdAuthenticationFailedError, EtcdPermissionDeniedError, type IOptions } from 'etcd3'
import type { EtcdAccessConfig } from '../server/etcd-config.js'

export const ETCD_PASSWORD_ENV = 'FAECIE_ETCD_PASSWORD'

/** The broker cannot use its cluster's etcd: unreachable, or it refused the broker's credentials. */
export class EtcdUnavailableError extends Error {}

/** The Etcd3 options besides `hosts` for `access` (none: plain and anonymous). */
export function etcdClientOptions(access: EtcdAccessConfig | undefined, env: NodeJS.ProcessEnv = process.env): Omit<IOptions, 'hosts'> {
  if (access === undefined) return {}
  const options: Omit<IOptions, 'hosts'> = {}
  if (access.caFile !== undefined || access.certFile !== undefined) {
    options.credentials = {
      // null: the system's CAs (grpc's createSsl takes null; etcd3's typing says Buffer).
      rootCertificate: (access.caFile === undefined ? null : pem(access.caFile, '--etcd-ca')) as Buffer,
      ...(access.certFile === undefined || access.keyFile === undefined ? {}
        : { certChain: pem(access.certFile, '--etcd-cert'), privateKey: pem(access.keyFile, '--etcd-key') }),
    }
  }
  if (access.user !== undefined) options.auth = { username: access.user.name, password: etcdPassword(access.user.passwordFile, env) }
  return options
}

/** The first line of `passwordFile`, else env FAECIE_ETCD_PASSWORD. */
export function etcdPassword(passwordFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let password: string | undefined
  if (passwordFile !== undefined) {
    try {
      password = readFileSync(passwordFile, 'utf8').split(/\r?\n/)[0]
    } catch (err) {
      throw new EtcdUnavailableError(`--etcd-password-file ${passwordFile}: ${(err as Error).message}`)
    }
  } else {
    password = env[ETCD_PASSWORD_ENV]
  }
  if (password === undefined || password === '') {
    throw new EtcdUnavailableError(passwordFile !== undefined ? `--etcd-password-file ${passwordFile}: its first line is empty`
      : `--etcd-user needs a password: the first line of --etcd-password-file, or env ${ETCD_PASSWORD_ENV}`)
  }
  return password
}

function pem(path: string, flag: string): Buffer {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    throw new EtcdUnavailableError(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (!bytes.toString('latin1').includes('-----BEGIN ')) throw new EtcdUnavailableError(`${flag} ${path}: not a PEM file (no -----BEGIN line)`)
  return bytes
}

/**
 * What etcd's refusal means for the operator, or undefined when `err` is no refusal of the broker's
 * credentials (etcd3 names the first two; the others are etcd's own messages).
 */
export function etcdRefusal(err: unknown, access: EtcdAccessConfig | undefined, endpoints: string[], prefix: string): string | undefined {
  const where = `etcd at ${endpoints.join(', ')}`
  const user = access?.user?.name
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof EtcdAuthenticationFailedError) {
    return `${where} refused the login of user ${JSON.stringify(user)} (--etcd-user): wrong user name or password`
  }
  if (err instanceof EtcdPermissionDeniedError) {
    return `${where}: ${user === undefined ? 'the etcd user named by the client certificate\'s CN' : `etcd user ${JSON.stringify(user)}`} ` +
      `may not read and write ${prefix}: ` +
      `grant it a role with readwrite on the prefix (etcdctl role grant-permission ROLE readwrite --prefix=true ${prefix})`
  }
  if (/user name is empty|invalid auth token/.test(message)) {
    return `${where} requires authentication: give --etcd-user with --etcd-password-file, or a client certificate (--etcd-cert/--etcd-key) ` +
      'whose CN is an etcd user'
  }
  if (/certificate|SSL routines|handshake/i.test(message)) {
    return `${where}: the TLS handshake failed: check that --etcd-ca signed etcd's certificate, and that etcd trusts --etcd-cert if it ` +
      `requires client certificates (${message.replace(/\s*Resolution note:.*$/s, '').trim()})`
  }
  if (/authentication is not enabled/.test(message)) {
    return `${where} has no authentication enabled, but --etcd-user was given: enable it (etcdctl auth enable) or drop --etcd-user`
  }
  return undefined
}

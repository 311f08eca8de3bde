// TLS material for tests, made with Debian's openssl in a temp directory: a CA, a server certificate
// for localhost/127.0.0.1 signed by it, client certificates (CN = the name given) signed by it, and
// a second, unrelated CA (for "a wrong CA is refused"). One fixture for every TLS test.
// EC P-256 keys (fast to make); certificates valid for a day; openssl is installed when missing.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureInstalled, executable } from './debian-install.js'

export interface TlsFiles {
  /** The CA's certificate (PEM): what clients trust, and what --tls-ca names for client certificates. */
  caFile: string
  /** The server's certificate and key (PEM), for --tls-cert and --tls-key. */
  certFile: string
  keyFile: string
  /** Client certificates by CN, signed by the same CA. */
  clients: Record<string, { certFile: string; keyFile: string }>
  /** A CA that signed nothing here: trusting only it must fail the handshake. */
  otherCaFile: string
}

const VALID_DAYS = '1'

let opensslPath: string | undefined

function openssl(): string {
  opensslPath ??= ensureInstalled('openssl (the TLS tests)', ['openssl'], () =>
    ['/usr/bin/openssl', '/usr/local/bin/openssl'].find(executable))
  return opensslPath
}

function run(args: string[], cwd: string): void {
  try {
    execFileSync(openssl(), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`openssl ${args.join(' ')} failed: ${(err as Error).message}\n${stderr}`)
  }
}

function makeKey(dir: string, file: string): void {
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir)
}

/** A self-signed CA `name`.crt/.key; one already in `dir` is kept (so later certificates share it). */
function makeCa(dir: string, name: string, subject: string): string {
  if (existsSync(join(dir, `${name}.crt`)) && existsSync(join(dir, `${name}.key`))) return join(dir, `${name}.crt`)
  makeKey(dir, `${name}.key`)
  run(['req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', VALID_DAYS, '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-out', `${name}.crt`], dir)
  return join(dir, `${name}.crt`)
}

/** A leaf certificate `name`.crt/.key signed by the CA `ca`, with the extensions in `ext`. */
function makeLeaf(dir: string, ca: string, name: string, cn: string, ext: string[]): { certFile: string; keyFile: string } {
  makeKey(dir, `${name}.key`)
  run(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir)
  writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`)
  run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', VALID_DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir)
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }
}

/**
 * Makes the files under `dir` (which the caller creates and removes). `serverName` (default
 * localhost) names the server certificate's files and CN; its SAN is always localhost + 127.0.0.1
 * (+ the name). Calling it again with another serverName in the same dir keeps the CAs and makes a
 * second server certificate signed by the same CA (for a reload test).
 */
export async function makeTlsFiles(dir: string, options: { clientNames?: string[]; serverName?: string } = {}): Promise<TlsFiles> {
  const serverName = options.serverName ?? 'localhost'
  const safe = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_')
  const caFile = makeCa(dir, 'ca', '/CN=faecie test CA')
  const otherCaFile = makeCa(dir, 'other-ca', '/CN=faecie other test CA')
  const altNames = ['DNS:localhost', 'IP:127.0.0.1', ...(serverName === 'localhost' ? [] : [`DNS:${serverName}`])]
  const server = makeLeaf(dir, 'ca', `server-${safe(serverName)}`, serverName, [
    `subjectAltName=${altNames.join(',')}`, 'extendedKeyUsage=serverAuth,clientAuth', 'keyUsage=critical,digitalSignature',
  ])
  const clients: TlsFiles['clients'] = {}
  for (const name of options.clientNames ?? []) {
    clients[name] = makeLeaf(dir, 'ca', `client-${safe(name)}`, name, [
      'extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature',
    ])
  }
  return { caFile, certFile: server.certFile, keyFile: server.keyFile, clients, otherCaFile }
}

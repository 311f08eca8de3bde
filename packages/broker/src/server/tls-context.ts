// TLS for the broker's listeners (issue 19): one TlsContext, made at start from --tls-cert, --tls-key
// and --tls-ca (PEM files), gives the WebSocket/HTTP port (https + wss, fastify's `https` option) and
// the Kafka listener (a tls.Server) their options, and reloads them on SIGHUP: the files are read
// again and every server registered gets `setSecureContext`, so new handshakes see the new
// certificate while open connections go on untouched. A file missing or bad at start fails the start
// (TlsFileError names the flag and the file); on a reload it is logged and the old context is kept.
//
// --tls-client-auth: none (no client certificate asked), request (asked; a verified one logs in),
// require (a handshake without a certificate signed by --tls-ca fails). A verified client
// certificate's subject CN is the principal `User:<CN>` (certificatePrincipal).
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext, TLSSocket, type SecureContextOptions, type TlsOptions } from 'node:tls'
import type { Logger } from '../log.js'
import type { TlsConfig } from './security-config.js'

/** The oldest protocol version served (TLS 1.0 and 1.1 are broken and long retired). */
const TLS_MIN_VERSION = 'TLSv1.2'

/** A TLS file that cannot be used: missing, unreadable, not PEM, or a key that is not the certificate's. */
export class TlsFileError extends Error {}

export interface TlsMaterial {
  cert: Buffer
  key: Buffer
  ca: Buffer | undefined
  /** SHA-256 fingerprint of the server certificate (logged at start and on every reload). */
  fingerprint256: string
}

/** What a reload needs of a server: https.Server and tls.Server both have it. */
export interface ReloadableServer {
  setSecureContext(options: SecureContextOptions): void
}

function readPem(path: string, flag: string): Buffer {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new TlsFileError(`${flag} ${path}: ${why}`)
  }
  if (!bytes.toString('latin1').includes('-----BEGIN ')) throw new TlsFileError(`${flag} ${path}: not a PEM file (no -----BEGIN line)`)
  return bytes
}

/** Reads and checks the files of `config`; throws TlsFileError saying which file is wrong and how. */
export function loadTlsMaterial(config: TlsConfig): TlsMaterial {
  const cert = readPem(config.certFile, '--tls-cert')
  const key = readPem(config.keyFile, '--tls-key')
  const ca = config.caFile === undefined ? undefined : readPem(config.caFile, '--tls-ca')
  let fingerprint256: string
  try {
    fingerprint256 = new X509Certificate(cert).fingerprint256
  } catch (err) {
    throw new TlsFileError(`--tls-cert ${config.certFile}: not a certificate (${(err as Error).message})`)
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca)
    } catch (err) {
      throw new TlsFileError(`--tls-ca ${config.caFile}: not a certificate (${(err as Error).message})`)
    }
  }
  try {
    createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) })
  } catch (err) {
    const message = (err as Error).message
    const which = /key values mismatch/i.test(message) ? `--tls-key ${config.keyFile} is not the key of --tls-cert ${config.certFile}`
      : `--tls-key ${config.keyFile} / --tls-cert ${config.certFile}: unusable`
    throw new TlsFileError(`${which} (${message})`)
  }
  return { cert, key, ca, fingerprint256 }
}

/** The principal a verified client certificate names (`User:<CN>`), or undefined. */
export function certificatePrincipal(socket: unknown): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined
  const cn = socket.getPeerCertificate().subject?.CN as string | string[] | undefined
  const name = Array.isArray(cn) ? cn[0] : cn
  return name === undefined || name.length === 0 ? undefined : `User:${name}`
}

export class TlsContext {
  readonly config: TlsConfig
  readonly #logger: Logger
  readonly #servers: ReloadableServer[] = []
  #material: TlsMaterial

  private constructor(config: TlsConfig, material: TlsMaterial, logger: Logger) {
    this.config = config
    this.#material = material
    this.#logger = logger
  }

  /** Reads the files (TlsFileError when one is missing or bad). */
  static load(config: TlsConfig, logger: Logger): TlsContext {
    const material = loadTlsMaterial(config)
    logger.info({ cert: config.certFile, fingerprint256: material.fingerprint256, clientAuth: config.clientAuth }, 'TLS certificate loaded')
    return new TlsContext(config, material, logger)
  }

  get fingerprint256(): string {
    return this.#material.fingerprint256
  }

  /** The options of a TLS server (tls.createServer, fastify's `https`); a handshake not done within `handshakeTimeoutMs` is dropped. */
  serverOptions(handshakeTimeoutMs: number): TlsOptions {
    const clientAuth = this.config.clientAuth
    return { ...this.#contextOptions(), minVersion: TLS_MIN_VERSION, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'require',
      handshakeTimeout: handshakeTimeoutMs }
  }

  /**
   * What this broker's own wss:// links to peers use: the CA of --tls-ca to trust (else the
   * system's), and this broker's certificate as a client certificate when peers ask for one.
   */
  clientOptions(): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    const { cert, key, ca } = this.#material
    return { ...(ca === undefined ? {} : { ca }), ...(this.config.clientAuth === 'none' ? {} : { cert, key }) }
  }

  /** Registers a server whose context a reload replaces. */
  add(server: ReloadableServer): void {
    this.#servers.push(server)
  }

  /** Reads the files again and gives every server the new context; a bad file keeps the old (logged). True when reloaded. */
  reload(): boolean {
    let material: TlsMaterial
    try {
      material = loadTlsMaterial(this.config)
    } catch (err) {
      this.#logger.error({ error: (err as Error).message, fingerprint256: this.#material.fingerprint256 },
        'TLS reload failed: keeping the certificate in use')
      return false
    }
    const previous = this.#material.fingerprint256
    this.#material = material
    for (const server of this.#servers) server.setSecureContext(this.#contextOptions())
    this.#logger.info({ cert: this.config.certFile, fingerprint256: material.fingerprint256, previous }, 'TLS certificate reloaded')
    return true
  }

  #contextOptions(): SecureContextOptions {
    const { cert, key, ca } = this.#material
    return { cert, key, minVersion: TLS_MIN_VERSION, ...(ca === undefined ? {} : { ca }) }
  }
}

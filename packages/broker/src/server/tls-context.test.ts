// TlsContext: PEM files read and checked at start (a clear TlsFileError for a missing file, a file
// that is not PEM, a key that is not the certificate's), server options per --tls-client-auth, and
// reloads that replace every registered server's context or, on a bad file, keep the old one.
import { X509Certificate } from 'node:crypto'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SecureContextOptions } from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../../../test/support/temp-dir.js'
import { makeTlsFiles, type TlsFiles } from '../../../../test/support/tls-certs.js'
import { silentLogger } from '../log.js'
import type { TlsConfig } from './security-config.js'
import { certificatePrincipal, loadTlsMaterial, TlsContext, TlsFileError } from './tls-context.js'

let dir: string
let files: TlsFiles
let second: TlsFiles

beforeAll(async () => {
  dir = makeTempDir('tls-context')
  files = await makeTlsFiles(dir, { clientNames: ['alice'] })
  second = await makeTlsFiles(dir, { serverName: 'second.localhost' })
})

const fingerprint = (path: string): string => new X509Certificate(readFileSync(path)).fingerprint256

function tlsConfig(overrides: Partial<TlsConfig> = {}): TlsConfig {
  return { certFile: files.certFile, keyFile: files.keyFile, caFile: undefined, clientAuth: 'none', ...overrides }
}

describe('loadTlsMaterial', () => {
  it('reads the certificate, key and CA and gives the certificate fingerprint', () => {
    const material = loadTlsMaterial(tlsConfig({ caFile: files.caFile }))
    expect(material.fingerprint256).toBe(fingerprint(files.certFile))
    expect(material.ca?.toString()).toContain('-----BEGIN CERTIFICATE-----')
  })

  it('names the flag and file of a missing file', () => {
    expect(() => loadTlsMaterial(tlsConfig({ certFile: join(dir, 'nope.pem') }))).toThrow(new TlsFileError(`--tls-cert ${join(dir, 'nope.pem')}: no such file`))
    expect(() => loadTlsMaterial(tlsConfig({ keyFile: join(dir, 'nope.key') }))).toThrow(/--tls-key .*nope\.key: no such file/)
    expect(() => loadTlsMaterial(tlsConfig({ caFile: join(dir, 'nope-ca.pem') }))).toThrow(/--tls-ca .*nope-ca\.pem: no such file/)
  })

  it('refuses a file that is not PEM, a PEM that is not a certificate, and a key that is not the certificate\'s', () => {
    const junk = join(dir, 'junk.pem')
    writeFileSync(junk, 'hello')
    expect(() => loadTlsMaterial(tlsConfig({ certFile: junk }))).toThrow(/--tls-cert .*junk\.pem: not a PEM file/)
    expect(() => loadTlsMaterial(tlsConfig({ certFile: files.keyFile }))).toThrow(/--tls-cert .*: not a certificate/)
    expect(() => loadTlsMaterial(tlsConfig({ keyFile: second.keyFile }))).toThrow(/--tls-key .* is not the key of --tls-cert/)
  })
})

describe('TlsContext', () => {
  it('asks for client certificates with request, and refuses handshakes without one with require', () => {
    const options = (clientAuth: TlsConfig['clientAuth']): unknown => {
      const o = TlsContext.load(tlsConfig({ caFile: files.caFile, clientAuth }), silentLogger()).serverOptions(5_000)
      return [o.requestCert, o.rejectUnauthorized, o.minVersion, o.handshakeTimeout]
    }
    expect(options('none')).toEqual([false, false, 'TLSv1.2', 5_000])
    expect(options('request')).toEqual([true, false, 'TLSv1.2', 5_000])
    expect(options('require')).toEqual([true, true, 'TLSv1.2', 5_000])
  })

  it('reloads the files into every registered server, and keeps the old context when a file is bad', () => {
    const certFile = join(dir, 'live.crt')
    const keyFile = join(dir, 'live.key')
    copyFileSync(files.certFile, certFile)
    copyFileSync(files.keyFile, keyFile)
    const context = TlsContext.load(tlsConfig({ certFile, keyFile }), silentLogger())
    const given: SecureContextOptions[][] = [[], []]
    context.add({ setSecureContext: (o) => given[0]!.push(o) })
    context.add({ setSecureContext: (o) => given[1]!.push(o) })
    expect(context.fingerprint256).toBe(fingerprint(files.certFile))

    copyFileSync(second.certFile, certFile)
    copyFileSync(second.keyFile, keyFile)
    expect(context.reload()).toBe(true)
    expect(context.fingerprint256).toBe(fingerprint(second.certFile))
    expect(given.map((g) => g.length)).toEqual([1, 1])
    expect(String(given[0]![0]!.cert)).toBe(readFileSync(second.certFile, 'utf8'))

    writeFileSync(keyFile, 'not a key')
    expect(context.reload()).toBe(false)
    expect(context.fingerprint256).toBe(fingerprint(second.certFile))
    expect(given.map((g) => g.length)).toEqual([1, 1])
  })
})

describe('certificatePrincipal', () => {
  it('is undefined for a socket that is not TLS', () => {
    expect(certificatePrincipal(undefined)).toBeUndefined()
    expect(certificatePrincipal({ authorized: true })).toBeUndefined()
  })
})

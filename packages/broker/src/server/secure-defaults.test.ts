// Secure defaults: which hosts count as loopback, the refusal to listen elsewhere without
// authentication (unless --insecure), and the warnings logged at start.
import { describe, expect, it } from 'vitest'
import { UsageError } from './config.js'
import { insecureBindRefusal, isLoopbackHost, refuseInsecureBind, securityWarnings, type BindSecurity } from './secure-defaults.js'

const TLS = { certFile: 'c.pem', keyFile: 'k.pem', caFile: undefined, clientAuth: 'none' as const }

function config(host: string, security: Partial<BindSecurity['security']> = {}): BindSecurity {
  return { host, security: { auth: 'none', tls: undefined, insecure: false, ...security } }
}

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8, ::1 (bracketed or written out), the IPv4-mapped loopback and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'app.localhost']) {
      expect(isLoopbackHost(host), host).toBe(true)
    }
  })

  it('treats wildcards, other addresses and names as reachable from elsewhere', () => {
    for (const host of ['0.0.0.0', '::', '[::]', '128.0.0.1', '10.0.0.1', '192.168.1.2', '::2', 'example.com', 'localhost.example.com', '']) {
      expect(isLoopbackHost(host), host).toBe(false)
    }
  })
})

describe('insecureBindRefusal', () => {
  it('lets loopback start without authentication', () => {
    expect(insecureBindRefusal(config('127.0.0.1'))).toBeUndefined()
    expect(insecureBindRefusal(config('localhost'))).toBeUndefined()
  })

  it('refuses a non-loopback host without --auth scram, saying why and what to do', () => {
    const refusal = insecureBindRefusal(config('0.0.0.0'))
    expect(refusal).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication/)
    expect(refusal).toMatch(/--auth scram/)
    expect(refusal).toMatch(/--insecure/)
    expect(() => refuseInsecureBind(config('::'))).toThrow(UsageError)
  })

  it('allows it with --auth scram or --insecure', () => {
    expect(insecureBindRefusal(config('0.0.0.0', { auth: 'scram' }))).toBeUndefined()
    expect(insecureBindRefusal(config('0.0.0.0', { insecure: true }))).toBeUndefined()
    expect(() => refuseInsecureBind(config('10.1.2.3', { insecure: true }))).not.toThrow()
  })
})

describe('securityWarnings', () => {
  it('says nothing on loopback', () => {
    expect(securityWarnings(config('127.0.0.1'))).toEqual([])
    expect(securityWarnings(config('::1', { auth: 'scram' }))).toEqual([])
  })

  it('warns of SCRAM without TLS on a non-loopback host (data in clear), not with TLS', () => {
    expect(securityWarnings(config('0.0.0.0', { auth: 'scram' }))).toEqual([expect.stringMatching(/without TLS.*in clear/)])
    expect(securityWarnings(config('0.0.0.0', { auth: 'scram', tls: TLS }))).toEqual([])
  })

  it('warns of an open broker started with --insecure', () => {
    expect(securityWarnings(config('0.0.0.0', { insecure: true }))).toEqual([expect.stringMatching(/without authentication \(--insecure\)/)])
  })
})

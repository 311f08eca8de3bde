// The HTTP API's authentication at unit level (fastify inject, a gateway with --auth scram and one
// user): which routes are public, 401 with WWW-Authenticate, Basic only over TLS or loopback, the
// password cache, tokens issued, used and revoked, a password change revoking tokens, failures
// audited and handed to the login throttle. The real broker process: test/integration/security-http.test.ts.
import { randomBytes } from 'node:crypto'
import { ErrorCode, FaecieError, scramCredential } from '@faecie/protocol'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { silentLogger } from '../log.js'
import { GatewaySecurity } from '../security/gateway-security.js'
import { OPEN_SECURITY_CONFIG, type SecurityConfig } from '../server/security-config.js'
import { httpStatusOf } from './errors.js'
import { registerHttpApi } from './http-api.js'
import type { LoginThrottle } from './http-auth.js'
import { waitFor } from '../../../../test/support/wait-for.js'

let app: FastifyInstance | undefined

afterEach(async () => {
  await app?.close()
  app = undefined
})

interface Built { app: FastifyInstance; security: GatewaySecurity; failures: string[]; audit: string[] }

async function build(auth: 'none' | 'scram' = 'scram', failedWait?: Promise<void>): Promise<Built> {
  const config: SecurityConfig = { ...OPEN_SECURITY_CONFIG, auth }
  const audit: string[] = []
  const logger = silentLogger()
  const security = new GatewaySecurity(config, logger)
  const original = security.audit.loginFailed.bind(security.audit)
  security.audit.loginFailed = (login) => { audit.push(`${login.listener} ${login.user} ${login.reason}`); original(login) }
  security.state.setCredential('alice', await scramCredential('SCRAM-SHA-256', 'secret', randomBytes(16), 4096))
  const failures: string[] = []
  const loginThrottle: LoginThrottle = { failed: async (address) => { failures.push(address); await failedWait }, succeeded: () => {} }
  const gateway = { limits: DEFAULT_LIMITS, logger, draining: false, security } as unknown as Gateway
  app = Fastify()
  await registerHttpApi(app, gateway, { loginThrottle })
  app.get('/metrics', async () => 'metric 1\n')
  app.get('/health', async () => ({ status: 'ok' }))
  await app.ready()
  return { app, security, failures, audit }
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

describe('HTTP authentication', () => {
  it('asks for credentials on every route but the public ones, with WWW-Authenticate', async () => {
    const { app } = await build()
    for (const url of ['/v1/topics', '/v1/groups', '/metrics', '/v1/auth/whoami', '/v1/no-such-route']) {
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(401)
      expect(response.json().error.name).toBe('AUTHENTICATION_REQUIRED')
      expect(response.headers['www-authenticate']).toContain('Basic realm="faecie"')
    }
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200)
    // A page's fetch() is not offered Basic (the browser would pop up its own dialog).
    const fromPage = await app.inject({ method: 'GET', url: '/v1/topics', headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' } })
    expect(fromPage.headers['www-authenticate']).toBe('Bearer realm="faecie"')
  })

  it('accepts Basic from loopback, refuses it over plain http from elsewhere, and audits wrong passwords', async () => {
    const { app, failures, audit, security } = await build()
    const whoami = await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'secret') } })
    expect(whoami.statusCode).toBe(200)
    expect(whoami.json()).toMatchObject({ principal: 'User:alice', via: 'basic', authenticationRequired: true })
    // /metrics shows every topic's figures: Describe on the cluster, which alice lacks until an ACL gives it.
    const metricsRefused = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: basic('alice', 'secret') } })
    expect(metricsRefused.statusCode).toBe(403)
    expect(metricsRefused.json().error.name).toBe('CLUSTER_AUTHORIZATION_FAILED')
    security.state.addAcl({ principal: 'User:alice', host: '*', resourceType: 'cluster', resourceName: 'kafka-cluster', patternType: 'literal',
      operation: 'Describe', permission: 'Allow' })
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: basic('alice', 'secret') } })).statusCode).toBe(200)

    const remote = await app.inject({ method: 'GET', url: '/v1/auth/whoami', remoteAddress: '192.0.2.7', headers: { authorization: basic('alice', 'secret') } })
    expect(remote.statusCode).toBe(401)
    expect(remote.json().error.message).toMatch(/only over https or from a loopback address/)

    const wrong = await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'nope') } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error.name).toBe('SASL_AUTHENTICATION_FAILED')
    const unknown = await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('mallory', 'x') } })
    expect(unknown.json().error.message).toBe(wrong.json().error.message)
    expect(audit).toEqual(['http alice password over plain http', 'http alice wrongPassword', 'http mallory unknownUser'])
    expect(failures).toEqual(['192.0.2.7', '127.0.0.1', '127.0.0.1'])
  })

  it('issues tokens for a password, refuses revoked ones, and forgets them on a password change', async () => {
    const { app, security } = await build()
    const issued = await app.inject({ method: 'POST', url: '/v1/auth/tokens', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: 'alice', password: 'secret', lifetimeMs: 60_000 }) })
    expect(issued.statusCode).toBe(201)
    const { token, principal, expiresAtMs } = issued.json() as { token: string; principal: string; expiresAtMs: number }
    expect(principal).toBe('User:alice')
    expect(token).toMatch(/^fct_[A-Za-z0-9_-]{43}$/)
    expect(expiresAtMs).toBeGreaterThan(Date.now())
    const bearer = { authorization: `Bearer ${token}` }
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: bearer })).json()).toMatchObject({ via: 'bearer', principal: 'User:alice' })
    // No token for a token.
    expect((await app.inject({ method: 'POST', url: '/v1/auth/tokens', headers: bearer })).statusCode).toBe(400)
    expect((await app.inject({ method: 'DELETE', url: '/v1/auth/tokens/current', headers: bearer })).json()).toMatchObject({ revoked: true })
    const after = await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: bearer })
    expect(after.statusCode).toBe(401)
    expect(after.json().error.message).toMatch(/unknown, expired or revoked/)

    const second = (await app.inject({ method: 'POST', url: '/v1/auth/tokens', headers: { authorization: basic('alice', 'secret') } })).json() as { token: string }
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: `Bearer ${second.token}` } })).statusCode).toBe(200)
    security.state.setCredential('alice', await scramCredential('SCRAM-SHA-256', 'changed', randomBytes(16), 4096))
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: `Bearer ${second.token}` } })).statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'secret') } })).statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'changed') } })).statusCode).toBe(200)
  })

  it('refuses bad bodies and malformed headers clearly', async () => {
    const { app } = await build()
    const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/auth/tokens', headers: { 'content-type': 'application/json' }, payload })
    expect((await post('{}')).statusCode).toBe(401)
    expect((await post('[1]')).statusCode).toBe(400)
    expect((await post(JSON.stringify({ user: 'alice', password: 'secret', lifetimeMs: 10 ** 12 }))).json().error.message).toMatch(/lifetimeMs/)
    for (const authorization of ['Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'Digest x', 'Bearer nope']) {
      const response = await app.inject({ method: 'GET', url: '/v1/topics', headers: { authorization } })
      expect(response.statusCode, authorization).toBe(401)
    }
  })

  it('asks nothing without --auth scram, and says so', async () => {
    const { app } = await build('none')
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami' })).json()).toMatchObject({ principal: 'User:ANONYMOUS', authenticationRequired: false })
    const token = await app.inject({ method: 'POST', url: '/v1/auth/tokens', headers: { authorization: basic('alice', 'secret') } })
    expect(token.statusCode).toBe(400)
    expect(token.json().error.name).toBe('SECURITY_DISABLED')
  })

  it('answers ACL refusals 403 and login failures 401', () => {
    for (const code of [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]) {
      expect(httpStatusOf(new FaecieError(code, 'Principal User:x may not Write topic t').toWire())).toBe(403)
    }
    for (const code of [ErrorCode.AUTHENTICATION_REQUIRED, ErrorCode.SASL_AUTHENTICATION_FAILED]) {
      expect(httpStatusOf(new FaecieError(code).toWire())).toBe(401)
    }
  })

  it('lets one address have httpPasswordChecksPerAddressMax logins at once, throttle waits included; one more is 429, audited', async () => {
    let release = (): void => undefined
    const held = new Promise<void>((resolve) => { release = resolve })
    const { app, audit } = await build('scram', held)
    const perAddress = OPEN_SECURITY_CONFIG.limits.httpPasswordChecksPerAddressMax
    const waiting = Array.from({ length: perAddress }, () =>
      app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'wrong') } }))
    await waitFor('the logins held by the throttle', () => audit.filter((a) => a.endsWith('wrongPassword')).length === perAddress)
    const extra = await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'secret') } })
    expect(extra.statusCode).toBe(429)
    expect(extra.json().error.message).toMatch(/httpPasswordChecksPerAddressMax/)
    expect(audit.at(-1)).toBe('http alice too many logins at once from this address')
    release()
    expect((await Promise.all(waiting)).map((r) => r.statusCode)).toEqual(Array(perAddress).fill(401))
    expect((await app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { authorization: basic('alice', 'secret') } })).statusCode).toBe(200)
  })
})

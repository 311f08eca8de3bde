// The saslAuthenticate handler's states on a fake session (security-login.test.ts drives it on real
// brokers): a login sets the session's principal; a step while another is answered, a mechanism
// changed between steps, a logged-in session, a peer broker and an HTTP request are ILLEGAL_SASL_STATE;
// a failed step is throttled and its wait ends with the session; without --auth, SECURITY_DISABLED.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, ScramClient, scramCredential } from '@faecie/protocol'
import { silentLogger } from '../../log.js'
import { GatewaySecurity } from '../../security/gateway-security.js'
import { DEFAULT_SECURITY_LIMITS, OPEN_SECURITY_CONFIG, type SecurityConfig } from '../../server/security-config.js'
import type { OpContext } from '../context.js'
import { saslAuthenticate } from './sasl-authenticate.js'

const CONFIG: SecurityConfig = { ...OPEN_SECURITY_CONFIG, auth: 'scram', limits: { ...DEFAULT_SECURITY_LIMITS, loginFailureDelayMs: 1, loginFailureDelayMsMax: 1 } }

async function secured(config = CONFIG): Promise<GatewaySecurity> {
  const security = new GatewaySecurity(config, silentLogger())
  security.state.setCredential('alice', await scramCredential('SCRAM-SHA-256', 'right', new Uint8Array(32).fill(1), 4096))
  return security
}

function session(fields: Record<string, unknown> = {}) {
  const closed = new AbortController()
  return { id: 1, principal: 'User:ANONYMOUS', loggedIn: false, clientAddress: '127.0.0.1', signal: closed.signal, close: closed, ...fields }
}

type FakeSession = ReturnType<typeof session>

function step(security: GatewaySecurity, s: FakeSession, message: string, mechanism = 'SCRAM-SHA-256') {
  return saslAuthenticate({ mechanism, message }, { gateway: { security }, session: s } as unknown as OpContext) as unknown as Promise<Record<string, unknown>>
}

async function code(promise: Promise<unknown>): Promise<number> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof FaecieError)) throw new Error(`expected a FaecieError, got ${String(err)}`)
  return err.code
}

describe('saslAuthenticate', () => {
  it('logs the session in and then refuses another login', async () => {
    const security = await secured()
    const s = session()
    const scram = new ScramClient('SCRAM-SHA-256', 'alice', 'right')
    const first = await step(security, s, scram.first())
    expect(first.done).toBe(false)
    const final = await step(security, s, await scram.final(first.message as string))
    expect(final).toEqual({ message: expect.stringMatching(/^v=/), done: true, principal: 'User:alice' })
    expect(s).toMatchObject({ principal: 'User:alice', loggedIn: true })
    expect(await code(step(security, s, scram.first()))).toBe(ErrorCode.ILLEGAL_SASL_STATE)
  })

  it('refuses a step while the last one is answered, and a mechanism changed between steps', async () => {
    const security = await secured()
    const s = session()
    const scram = new ScramClient('SCRAM-SHA-256', 'alice', 'wrong')
    const first = await step(security, s, scram.first())
    const failing = step(security, s, await scram.final(first.message as string))
    expect(await code(step(security, s, scram.first()))).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(await code(failing)).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
    expect(security.loginThrottle.failures('127.0.0.1')).toBe(1)
    await step(security, s, new ScramClient('SCRAM-SHA-256', 'alice', 'right').first())
    expect(await code(step(security, s, 'c=biws,r=x,p=AAAA', 'SCRAM-SHA-512'))).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    // That dropped the exchange: a new one begins with a client-first.
    expect((await step(security, s, new ScramClient('SCRAM-SHA-512', 'alice', 'right').first())).done).toBe(false)
  })

  it('stops waiting out a failure\'s delay when the session closes', async () => {
    const security = await secured({ ...CONFIG, limits: { ...CONFIG.limits, loginFailureDelayMs: 60_000, loginFailureDelayMsMax: 60_000 } })
    const s = session()
    const failing = step(security, s, 'not a client-first')
    s.close.abort(new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The session closed.'))
    expect(await code(failing)).toBe(ErrorCode.NETWORK_EXCEPTION)
  })

  it('refuses peer brokers, HTTP requests, unknown mechanisms, and any login without --auth', async () => {
    const security = await secured()
    const first = new ScramClient('SCRAM-SHA-256', 'alice', 'right').first()
    expect(await code(step(security, session({ peerBrokerId: 2 }), first))).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(await code(step(security, session({ overHttp: true }), first))).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(await code(step(security, session(), first, 'scram-sha-256'))).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM)
    const only512 = await secured({ ...CONFIG, saslMechanisms: ['SCRAM-SHA-512'] })
    expect(await code(step(only512, session(), first))).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM)
    const open = new GatewaySecurity(OPEN_SECURITY_CONFIG, silentLogger())
    expect(await code(step(open, session(), first))).toBe(ErrorCode.SECURITY_DISABLED)
  })
})

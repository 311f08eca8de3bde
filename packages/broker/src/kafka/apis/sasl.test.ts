// The Kafka listener's SASL handlers against a real GatewaySecurity with --auth scram and one user:
// a SCRAM login over SaslHandshake v1 + SaslAuthenticate (both mechanisms), librdkafka's old form of
// the final message, and every refusal (wrong password, unknown mechanism, no handshake, v0, again
// after the login, no SASL without --auth scram): its error code, the connection closed after the
// answer where Kafka closes it, and the audit log's line.
import { createHash, createHmac } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { base64Encode, ErrorCode, parseScramAttributes, saltedPassword, scramCredential, ScramClient, type ScramMechanism } from '@faecie/protocol'
import type { Gateway } from '../../gateway/context.js'
import { silentLogger } from '../../log.js'
import { GatewaySecurity, ANONYMOUS_PRINCIPAL, openGatewaySecurity } from '../../security/gateway-security.js'
import { OPEN_SECURITY_CONFIG } from '../../server/security-config.js'
import type { KafkaApiContext, KafkaLogin } from './context.js'
import { saslAuthenticate, saslHandshake } from './sasl.js'

const PASSWORD = 'alice-secret'
const SALT = Uint8Array.from({ length: 32 }, (_, i) => i)

async function scramSecurity(): Promise<GatewaySecurity> {
  const security = new GatewaySecurity({ ...OPEN_SECURITY_CONFIG, auth: 'scram' }, silentLogger())
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) security.state.setCredential('alice', await scramCredential(mechanism, PASSWORD, SALT, 4096))
  return security
}

interface Connection { ctx: KafkaApiContext; login: KafkaLogin; closed: string[] }

function connection(security: GatewaySecurity): Connection {
  const login: KafkaLogin = { principal: ANONYMOUS_PRINCIPAL, loggedIn: false, clientAddress: '10.1.2.3' }
  const closed: string[] = []
  const gateway = { security } as unknown as Gateway
  const ctx = { gateway, op: { gateway, session: login }, logger: silentLogger(), login, closeAfterAnswer: (reason: string) => closed.push(reason) } as unknown as KafkaApiContext
  return { ctx, login, closed }
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')
const bytes = (message: string): Uint8Array => Buffer.from(message, 'utf8')

async function handshake(c: Connection, mechanism: string, version = 1): Promise<{ errorCode: number; mechanisms: string[] }> {
  return await saslHandshake.handle({ mechanism }, version, c.ctx) as { errorCode: number; mechanisms: string[] }
}

async function authenticate(c: Connection, message: string, version = 2): Promise<{ errorCode: number; errorMessage: string | null; authBytes: Uint8Array }> {
  return await saslAuthenticate.handle({ authBytes: bytes(message) }, version, c.ctx) as { errorCode: number; errorMessage: string | null; authBytes: Uint8Array }
}

afterEach(() => { vi.restoreAllMocks() })

describe('SaslHandshake v1 + SaslAuthenticate', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`logs in with ${mechanism}: the principal is set, the server's signature checks, a login line is audited`, async () => {
      const security = await scramSecurity()
      const audited = vi.spyOn(security.audit, 'loginSucceeded')
      const c = connection(security)
      expect(await handshake(c, mechanism)).toEqual({ errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] })
      const client = new ScramClient(mechanism, 'alice', PASSWORD)
      const first = await authenticate(c, client.first())
      expect(first.errorCode).toBe(0)
      expect(c.login.loggedIn).toBe(false)
      const final = await authenticate(c, await client.final(text(first.authBytes)))
      expect(final).toMatchObject({ errorCode: 0, errorMessage: null })
      client.verify(text(final.authBytes))
      expect(c.login).toMatchObject({ principal: 'User:alice', loggedIn: true })
      expect(c.closed).toEqual([])
      expect(audited).toHaveBeenCalledWith({ principal: 'User:alice', clientAddress: '10.1.2.3', mechanism, listener: 'kafka' })
    })
  }

  it("logs in with librdkafka's final message naming the client nonce twice (librdkafka before 2.6.1)", async () => {
    const c = connection(await scramSecurity())
    await handshake(c, 'SCRAM-SHA-256')
    const clientNonce = 'librdkafka-nonce-0123456789abcdef'
    const clientFirstBare = `n=alice,r=${clientNonce}`
    const serverFirst = text((await authenticate(c, `n,,${clientFirstBare}`)).authBytes)
    const final = await authenticate(c, await librdkafkaFinal('SCRAM-SHA-256', clientFirstBare, serverFirst, clientNonce))
    expect(final.errorCode).toBe(0)
    expect(c.login).toMatchObject({ principal: 'User:alice', loggedIn: true })
  })

  it('refuses a wrong password: SASL_AUTHENTICATION_FAILED with a message, audited, the connection closed after the answer', async () => {
    const security = await scramSecurity()
    const audited = vi.spyOn(security.audit, 'loginFailed')
    const c = connection(security)
    await handshake(c, 'SCRAM-SHA-512')
    const client = new ScramClient('SCRAM-SHA-512', 'alice', 'not-the-password')
    const first = await authenticate(c, client.first())
    const final = await authenticate(c, await client.final(text(first.authBytes)))
    expect(final.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
    expect(final.errorMessage).toMatch(/^Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/)
    expect(c.login).toMatchObject({ principal: ANONYMOUS_PRINCIPAL, loggedIn: false })
    expect(c.closed).toHaveLength(1)
    expect(audited).toHaveBeenCalledWith(expect.objectContaining({ user: 'alice', clientAddress: '10.1.2.3', mechanism: 'SCRAM-SHA-512', listener: 'kafka' }))
  })

  it('refuses an unknown user the same way as a wrong password', async () => {
    const c = connection(await scramSecurity())
    await handshake(c, 'SCRAM-SHA-256')
    const client = new ScramClient('SCRAM-SHA-256', 'mallory', PASSWORD)
    const first = await authenticate(c, client.first())
    expect(first.errorCode).toBe(0)
    const final = await authenticate(c, await client.final(text(first.authBytes)))
    expect(final.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
    expect(final.errorMessage).toContain('Unknown user or wrong password.')
  })

  it('refuses a malformed first message and a SASL message over SASL_MESSAGE_CHARS_MAX bytes', async () => {
    for (const message of ['p=tls-unique,,n=alice,r=abcdefghijkl', `n,,n=alice,r=${'x'.repeat(5000)}`]) {
      const c = connection(await scramSecurity())
      await handshake(c, 'SCRAM-SHA-256')
      expect((await authenticate(c, message)).errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED)
      expect(c.closed).toHaveLength(1)
    }
  })
})

describe('refusals', () => {
  it('answers an unknown mechanism UNSUPPORTED_SASL_MECHANISM with the enabled ones, and closes', async () => {
    const c = connection(await scramSecurity())
    expect(await handshake(c, 'PLAIN')).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] })
    expect(c.closed).toHaveLength(1)
  })

  it('refuses SaslHandshake v0 (raw SASL tokens follow it) and closes', async () => {
    const c = connection(await scramSecurity())
    expect((await handshake(c, 'SCRAM-SHA-256', 0)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(c.closed).toEqual(['SaslHandshake v0 (raw SASL tokens) is not supported; v1 is'])
  })

  it('refuses SaslAuthenticate without a handshake and closes', async () => {
    const c = connection(await scramSecurity())
    const answer = await authenticate(c, new ScramClient('SCRAM-SHA-256', 'alice', PASSWORD).first())
    expect(answer.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(c.closed).toHaveLength(1)
  })

  it('answers both APIs ILLEGAL_SASL_STATE after the login, keeping the connection (no re-authentication)', async () => {
    const c = connection(await scramSecurity())
    c.login.loggedIn = true
    expect((await handshake(c, 'SCRAM-SHA-256')).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect((await authenticate(c, 'n,,n=alice,r=abcdefghijkl')).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(c.closed).toEqual([])
  })

  it('has no SASL without --auth scram (as a PLAINTEXT Kafka listener): ILLEGAL_SASL_STATE, the connection kept', async () => {
    const c = connection(openGatewaySecurity(silentLogger()))
    expect(await handshake(c, 'SCRAM-SHA-256')).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] })
    expect((await authenticate(c, 'n,,n=alice,r=abcdefghijkl')).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    expect(c.closed).toEqual([])
  })
})

/** The client-final message as librdkafka before 2.6.1 builds it: r=<client nonce><server's r>, the proof over that text. */
async function librdkafkaFinal(mechanism: ScramMechanism, clientFirstBare: string, serverFirst: string, clientNonce: string): Promise<string> {
  const attrs = parseScramAttributes(serverFirst)
  const hashName = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
  const salted = await saltedPassword(mechanism, PASSWORD, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')))
  const clientKey = createHmac(hashName, salted).update('Client Key').digest()
  const withoutProof = `c=biws,r=${clientNonce}${attrs.get('r')}`
  const signature = createHmac(hashName, createHash(hashName).update(clientKey).digest()).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest()
  return `${withoutProof},p=${base64Encode(clientKey.map((b, i) => b ^ signature[i]!))}`
}

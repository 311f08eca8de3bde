// The console's login requests (auth.ts) against a fake fetch: the broker's HTTP base from its
// WebSocket address, whether a login is asked for, a session from a token answer, the broker's
// error for a wrong password, and X-Requested-With on every request (no Basic challenge popup).
import { describe, expect, it } from 'vitest'
import { httpBase, login, logout, probeAuth } from './auth.js'

function fakeFetch(status: number, body: unknown, seen: Array<{ url: string; init: RequestInit | undefined }> = []): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    seen.push({ url, init })
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  }) as unknown as typeof fetch
}

describe('console login requests', () => {
  it('finds the HTTP base of the broker', () => {
    expect(httpBase('ws://127.0.0.1:8092/v1/ws')).toBe('http://127.0.0.1:8092')
    expect(httpBase('wss://broker.example:443/v1/ws')).toBe('https://broker.example')
  })

  it('asks for a login only on a 401', async () => {
    expect(await probeAuth('http://b', fakeFetch(401, {}))).toEqual({ required: true })
    expect(await probeAuth('http://b', fakeFetch(200, { authenticationRequired: false }))).toEqual({ required: false })
    expect(await probeAuth('http://b', fakeFetch(404, {}))).toEqual({ required: false })
  })

  it('turns a token answer into a session, and a refusal into the broker error', async () => {
    const seen: Array<{ url: string; init: RequestInit | undefined }> = []
    const session = await login('http://b', 'alice', 'pw', fakeFetch(201, { token: 'fct_x', principal: 'User:alice', mechanism: 'SCRAM-SHA-512', expiresAtMs: 5 }, seen))
    expect(session).toEqual({ user: 'alice', password: 'pw', principal: 'User:alice', mechanism: 'SCRAM-SHA-512', token: 'fct_x', expiresAtMs: 5 })
    expect(seen[0]!.url).toBe('http://b/v1/auth/tokens')
    expect((seen[0]!.init!.headers as Record<string, string>)['x-requested-with']).toBe('faecie-console')
    const refused = login('http://b', 'alice', 'bad', fakeFetch(401, { error: { code: 58, name: 'SASL_AUTHENTICATION_FAILED', message: 'Unknown user or wrong password.', retriable: false } }))
    await expect(refused).rejects.toMatchObject({ errorName: 'SASL_AUTHENTICATION_FAILED', message: expect.stringContaining('wrong password') })
    await expect(logout('http://b', session, fakeFetch(401, {}))).resolves.toBeUndefined()
  })
})

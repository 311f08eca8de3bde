// The Basic password check: right and wrong passwords against a stored SCRAM credential, an unknown
// user answered like a wrong password, successes remembered for their TTL and within their count,
// a changed credential missing the cache, and the bound on checks running at once.
import { randomBytes } from 'node:crypto'
import { scramCredential, type ScramCredential } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { PasswordChecker } from './password-check.js'

async function checker(limits: { cacheEntriesMax?: number; checksInFlightMax?: number } = {}) {
  const users = new Map<string, ScramCredential>([['alice', await scramCredential('SCRAM-SHA-512', 'pw', randomBytes(16), 4096)]])
  let now = 0
  const check = new PasswordChecker((user, mechanism) => (users.get(user)?.mechanism === mechanism ? users.get(user) : undefined),
    () => ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
    { cacheEntriesMax: limits.cacheEntriesMax ?? 10, cacheTtlMs: 1000, checksInFlightMax: limits.checksInFlightMax ?? 4, iterationsForUnknown: 4096 },
    () => now)
  return { check, users, advance: (ms: number) => { now += ms } }
}

describe('PasswordChecker', () => {
  it('checks the password against the stored credential, and remembers a success for its TTL', async () => {
    const { check, advance } = await checker()
    expect(await check.check('alice', 'pw')).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-512', cached: false })
    expect(await check.check('alice', 'pw')).toMatchObject({ ok: true, cached: true })
    expect(await check.check('alice', 'nope')).toEqual({ ok: false, reason: 'wrongPassword' })
    expect(await check.check('bob', 'pw')).toEqual({ ok: false, reason: 'unknownUser' })
    advance(1000)
    expect(await check.check('alice', 'pw')).toMatchObject({ ok: true, cached: false })
  })

  it('misses the cache once the credential changed, and keeps at most cacheEntriesMax', async () => {
    const { check, users } = await checker({ cacheEntriesMax: 1 })
    await check.check('alice', 'pw')
    users.set('alice', await scramCredential('SCRAM-SHA-512', 'new', randomBytes(16), 4096))
    expect(await check.check('alice', 'pw')).toEqual({ ok: false, reason: 'wrongPassword' })
    expect(await check.check('alice', 'new')).toMatchObject({ ok: true, cached: false })
    users.set('carol', await scramCredential('SCRAM-SHA-512', 'c', randomBytes(16), 4096))
    await check.check('carol', 'c')
    expect(check.cacheSize).toBe(1)
    expect(await check.check('alice', 'new')).toMatchObject({ ok: true, cached: false })
  })

  it('refuses a check past checksInFlightMax', async () => {
    const { check } = await checker({ checksInFlightMax: 1 })
    const first = check.check('alice', 'pw')
    await expect(check.check('alice', 'other')).rejects.toMatchObject({ errorName: 'TOO_MANY_IN_FLIGHT' })
    expect(await first).toMatchObject({ ok: true })
  })
})

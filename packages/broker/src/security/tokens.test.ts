// The token store's bounds and lifetimes: tokens expire, a user's oldest goes past its per-user
// bound, a full store refuses (after sweeping the expired), revoked and stale tokens are gone.
import { describe, expect, it } from 'vitest'
import { TokenStore, type TokenOwner } from './tokens.js'

const owner = (user: string): TokenOwner => ({ user, mechanism: 'SCRAM-SHA-256', credentialFingerprint: 'f' })
const always = (): boolean => true

describe('TokenStore', () => {
  it('expires tokens and drops them on use', () => {
    let now = 1_000
    const store = new TokenStore({ tokensMax: 10, tokensPerUserMax: 10 }, () => now)
    const { token, entry } = store.issue(owner('alice'), 500)
    expect(entry.expiresAtMs).toBe(1_500)
    expect(store.lookup(token, always)?.user).toBe('alice')
    now = 1_500
    expect(store.lookup(token, always)).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it("revokes a user's oldest past tokensPerUserMax, and refuses past tokensMax until some expire", () => {
    let now = 0
    const store = new TokenStore({ tokensMax: 3, tokensPerUserMax: 2 }, () => now)
    const first = store.issue(owner('alice'), 100).token
    store.issue(owner('alice'), 100)
    store.issue(owner('alice'), 100)
    expect(store.lookup(first, always)).toBeUndefined()
    expect(store.size).toBe(2)
    store.issue(owner('bob'), 1_000)
    expect(() => store.issue(owner('carol'), 100)).toThrow(/httpTokensMax/)
    now = 200
    expect(store.issue(owner('carol'), 100).entry.user).toBe('carol')
    expect(store.size).toBe(2)
  })

  it('revokes one token, every token of a user, and tokens whose credential changed', () => {
    const store = new TokenStore({ tokensMax: 10, tokensPerUserMax: 10 })
    const a = store.issue(owner('alice'), 60_000).token
    const b = store.issue(owner('alice'), 60_000).token
    const c = store.issue(owner('bob'), 60_000).token
    expect(store.revoke(a)).toBe(true)
    expect(store.revoke(a)).toBe(false)
    expect(store.revokeUser('alice')).toBe(1)
    expect(store.lookup(b, always)).toBeUndefined()
    expect(store.lookup(c, () => false)).toBeUndefined()
    expect(store.size).toBe(0)
    expect(store.lookup('fct_' + 'A'.repeat(43), always)).toBeUndefined()
    expect(store.revoke('not a token')).toBe(false)
  })

})

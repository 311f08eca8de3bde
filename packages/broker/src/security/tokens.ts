// Bearer tokens of the HTTP API (POST /v1/auth/tokens): 32 random bytes, handed to the client once
// as "fct_" + base64url, and kept here only as their SHA-256 (a memory dump does not give a token
// back). Each token names its user, the mechanism whose credential it was issued against, and a
// fingerprint of that credential: a token stops working when its user is deleted or its password
// changed (checked on every use, so no hook into the user store is needed), when it expires, or
// when it is revoked.
//
// Bounded: at most `tokensMax` tokens in all (one more is refused with TOO_MANY_SESSIONS, after
// expired ones are swept) and `tokensPerUserMax` per user (one more revokes that user's oldest, so
// a script that logs in on every run keeps working). Tokens live in this broker's memory only:
// they do not survive a restart, and another broker of a cluster does not know them.
import { createHash, randomBytes } from 'node:crypto'
import { ErrorCode, FaecieError, type ScramCredential, type ScramMechanism } from '@faecie/protocol'

export const TOKEN_PREFIX = 'fct_'
/** Random bytes of a token. */
export const TOKEN_BYTES = 32

export interface TokenLimits {
  tokensMax: number
  tokensPerUserMax: number
}

export interface TokenOwner {
  user: string
  mechanism: ScramMechanism
  /** credentialFingerprint() of the credential the password was checked against. */
  credentialFingerprint: string
}

export interface TokenEntry extends TokenOwner {
  issuedAtMs: number
  expiresAtMs: number
}

/** What identifies a credential (its salt and StoredKey), as a short hash. */
export function credentialFingerprint(credential: ScramCredential): string {
  return createHash('sha256').update(credential.salt).update('\0').update(credential.storedKey).digest('base64url').slice(0, 22)
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** Whether a string has a token's shape (cheap check before hashing). */
export function looksLikeToken(text: string): boolean {
  return text.startsWith(TOKEN_PREFIX) && text.length === TOKEN_PREFIX.length + 43 && /^[A-Za-z0-9_-]+$/.test(text.slice(TOKEN_PREFIX.length))
}

export class TokenStore {
  /** By token hash, oldest first (Map keeps insertion order). */
  readonly #byHash = new Map<string, TokenEntry>()
  readonly #byUser = new Map<string, Set<string>>()
  readonly #limits: TokenLimits
  readonly #nowMs: () => number

  constructor(limits: TokenLimits, nowMs: () => number = Date.now) {
    this.#limits = limits
    this.#nowMs = nowMs
  }

  get size(): number {
    return this.#byHash.size
  }

  /** A new token for `owner`, valid for `lifetimeMs`. Throws TOO_MANY_SESSIONS when the store is full. */
  issue(owner: TokenOwner, lifetimeMs: number): { token: string; entry: TokenEntry } {
    if (this.#byHash.size >= this.#limits.tokensMax) this.sweep()
    if (this.#byHash.size >= this.#limits.tokensMax) {
      throw new FaecieError(ErrorCode.TOO_MANY_SESSIONS,
        `The broker holds ${this.#byHash.size} tokens, its most (security.limits.httpTokensMax); revoke some or wait for them to expire.`)
    }
    const mine = this.#byUser.get(owner.user) ?? new Set<string>()
    this.#byUser.set(owner.user, mine)
    while (mine.size >= this.#limits.tokensPerUserMax) this.#remove(mine.values().next().value!)
    const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url')
    const hash = tokenHash(token)
    const now = this.#nowMs()
    const entry: TokenEntry = { ...owner, issuedAtMs: now, expiresAtMs: now + lifetimeMs }
    this.#byHash.set(hash, entry)
    mine.add(hash)
    return { token, entry }
  }

  /**
   * The live token's entry, or undefined (unknown, revoked, expired: an expired one is dropped).
   * `stillValid` is asked whether the owner's credential is still the one it was issued against;
   * when it is not (the user deleted, the password changed) the token is dropped too.
   */
  lookup(token: string, stillValid: (entry: TokenEntry) => boolean): TokenEntry | undefined {
    if (!looksLikeToken(token)) return undefined
    const hash = tokenHash(token)
    const entry = this.#byHash.get(hash)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs <= this.#nowMs() || !stillValid(entry)) {
      this.#remove(hash)
      return undefined
    }
    return entry
  }

  /** Revokes one token; whether it was live. */
  revoke(token: string): boolean {
    if (!looksLikeToken(token)) return false
    return this.#remove(tokenHash(token))
  }

  /** Revokes every token of a user (its deletion); how many. */
  revokeUser(user: string): number {
    const mine = [...(this.#byUser.get(user) ?? [])]
    for (const hash of mine) this.#remove(hash)
    return mine.length
  }

  /** Drops expired tokens; how many. */
  sweep(): number {
    const now = this.#nowMs()
    let dropped = 0
    for (const [hash, entry] of this.#byHash) {
      if (entry.expiresAtMs <= now && this.#remove(hash)) dropped++
    }
    return dropped
  }

  #remove(hash: string): boolean {
    const entry = this.#byHash.get(hash)
    if (entry === undefined) return false
    this.#byHash.delete(hash)
    const mine = this.#byUser.get(entry.user)
    mine?.delete(hash)
    if (mine?.size === 0) this.#byUser.delete(entry.user)
    return true
  }
}

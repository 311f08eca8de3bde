// Checks a user name and password (HTTP Basic, or the body of POST /v1/auth/tokens) against the
// stored SCRAM credential: the StoredKey is recomputed from the password with the credential's salt
// and iterations (@faecie/protocol's scramCredential, PBKDF2) and compared in constant time. The
// broker never sees a stored password, so there is nothing else to compare with.
//
// PBKDF2 costs milliseconds of a core per check, so:
//   - a successful check is remembered for `cacheTtlMs` (at most `cacheEntriesMax`, the oldest
//     forgotten first), keyed by an HMAC (a per-process random key) of the user, the password and the
//     credential: a changed password or a deleted user misses the cache at once, and the cache holds
//     nothing from which a password can be guessed offline;
//   - at most `checksInFlightMax` checks run at once; one more is refused with TOO_MANY_IN_FLIGHT;
//   - an unknown user costs the same derivation (a made-up salt), so timing does not tell who exists.
// Failures are never cached: the login throttle (http-auth.ts) slows them per source address.
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { bytesEqual, ErrorCode, FaecieError, scramCredential, type ScramCredential, type ScramMechanism } from '@faecie/protocol'

export interface PasswordCheckLimits {
  cacheEntriesMax: number
  cacheTtlMs: number
  checksInFlightMax: number
  /** Iterations of the made-up credential of an unknown user. */
  iterationsForUnknown: number
}

export type PasswordCheck =
  | { ok: true; user: string; mechanism: ScramMechanism; credential: ScramCredential; cached: boolean }
  | { ok: false; reason: 'unknownUser' | 'wrongPassword' }

export class PasswordChecker {
  readonly #lookup: (user: string, mechanism: ScramMechanism) => ScramCredential | undefined
  readonly #mechanisms: () => readonly ScramMechanism[]
  readonly #limits: PasswordCheckLimits
  readonly #nowMs: () => number
  readonly #cacheKey = randomBytes(32)
  /** Cache key -> expiry, oldest first. */
  readonly #cache = new Map<string, number>()
  #inFlight = 0

  constructor(lookup: (user: string, mechanism: ScramMechanism) => ScramCredential | undefined,
    mechanisms: () => readonly ScramMechanism[], limits: PasswordCheckLimits, nowMs: () => number = () => performance.now()) {
    this.#lookup = lookup
    this.#mechanisms = mechanisms
    this.#limits = limits
    this.#nowMs = nowMs
  }

  get cacheSize(): number {
    return this.#cache.size
  }

  /** The user's credential this broker checks passwords against: the first enabled mechanism it has. */
  credentialOf(user: string): { mechanism: ScramMechanism; credential: ScramCredential } | undefined {
    for (const mechanism of this.#mechanisms()) {
      const credential = this.#lookup(user, mechanism)
      if (credential !== undefined) return { mechanism, credential }
    }
    return undefined
  }

  async check(user: string, password: string): Promise<PasswordCheck> {
    const found = this.credentialOf(user)
    if (found !== undefined) {
      const key = this.#keyOf(user, password, found.credential)
      const expiresMs = this.#cache.get(key)
      if (expiresMs !== undefined) {
        if (expiresMs > this.#nowMs()) return { ok: true, user, ...found, cached: true }
        this.#cache.delete(key)
      }
    }
    if (this.#inFlight >= this.#limits.checksInFlightMax) {
      throw new FaecieError(ErrorCode.TOO_MANY_IN_FLIGHT,
        `${this.#inFlight} password checks are running; at most ${this.#limits.checksInFlightMax} (security.limits.httpPasswordChecksInFlightMax). Use a bearer token (POST /v1/auth/tokens).`)
    }
    this.#inFlight++
    try {
      if (found === undefined) {
        const salt = createHash('sha256').update(`faecie unknown user salt\0${user}`).digest()
        await scramCredential(this.#mechanisms()[0] ?? 'SCRAM-SHA-256', password, salt, this.#limits.iterationsForUnknown)
        return { ok: false, reason: 'unknownUser' }
      }
      const { credential } = found
      const derived = await scramCredential(found.mechanism, password, credential.salt, credential.iterations)
      if (!bytesEqual(derived.storedKey, credential.storedKey)) return { ok: false, reason: 'wrongPassword' }
      this.#remember(this.#keyOf(user, password, credential))
      return { ok: true, user, ...found, cached: false }
    } finally {
      this.#inFlight--
    }
  }

  #keyOf(user: string, password: string, credential: ScramCredential): string {
    return createHmac('sha256', this.#cacheKey)
      .update(user).update('\0').update(password).update('\0').update(credential.mechanism).update('\0')
      .update(credential.salt).update('\0').update(credential.storedKey).update(`\0${credential.iterations}`)
      .digest('base64url')
  }

  #remember(key: string): void {
    this.#cache.delete(key)
    while (this.#cache.size >= this.#limits.cacheEntriesMax) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(key, this.#nowMs() + this.#limits.cacheTtlMs)
  }
}

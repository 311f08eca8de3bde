// Failed logins slowed per source address, on every listener (the WebSocket op saslAuthenticate, the
// Kafka listener's SaslAuthenticate): the answer to a failed login waits
//
//   delayMs = loginFailureDelayMs * 2^(failures - 1), at most loginFailureDelayMsMax
//
// where `failures` counts this address's failures, this one included. An address's failures are
// forgotten loginFailureMemoryMs after its last one, and at most loginFailureAddressesMax addresses
// are remembered (the one whose last failure is oldest is forgotten first), so an attacker spraying
// addresses cannot grow the table. A success does not clear the address's failures: they belong to
// the address, not to a user, and someone with an account of their own could otherwise wipe their
// record between guesses at another's password. They age out instead.
//
// The clock (now and timers) is a parameter: tests drive it by hand (test/support/manual-clock.ts).
import { strict as assert } from 'node:assert'
import type { SecurityLimits } from '../server/security-config.js'
import { throttleKeyOf } from './client-address.js'

export type LoginThrottleLimits = Pick<SecurityLimits, 'loginFailureDelayMs' | 'loginFailureDelayMsMax' | 'loginFailureMemoryMs' |
  'loginFailureAddressesMax'>

/** What the throttle needs of time (test/support/manual-clock.ts's ManualClock fits). */
export interface ThrottleClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const monotonicClock: ThrottleClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
}

interface AddressRecord {
  failures: number
  lastFailureMs: number
}

export class LoginThrottle {
  readonly #limits: LoginThrottleLimits
  readonly #clock: ThrottleClock
  /** By address, in the order of their last failure (a failure moves its address to the end). */
  readonly #byAddress = new Map<string, AddressRecord>()
  #succeeded = 0

  constructor(limits: LoginThrottleLimits, clock: ThrottleClock = monotonicClock) {
    assert(limits.loginFailureDelayMs <= limits.loginFailureDelayMsMax, 'loginFailureDelayMs <= loginFailureDelayMsMax')
    this.#limits = limits
    this.#clock = clock
  }

  /** Addresses whose failures are remembered now. */
  get size(): number {
    this.#forgetExpired()
    return this.#byAddress.size
  }

  /** Successful logins seen (for the log and tests; they do not clear failures). */
  get successes(): number {
    return this.#succeeded
  }

  /** Failures remembered for the address (0 when none, or forgotten). */
  failures(address: string): number {
    this.#forgetExpired()
    return this.#byAddress.get(throttleKeyOf(address))?.failures ?? 0
  }

  /** The delay the address's next failure would be answered after. */
  nextDelayMs(address: string): number {
    return this.#delayMs(this.failures(address) + 1)
  }

  /**
   * Counts a failed login from the address and waits the delay its failures call for; rejects with
   * the signal's reason when it aborts first (the session closed: nobody to answer).
   */
  async failed(address: string, signal?: AbortSignal): Promise<void> {
    const delayMs = this.#record(address)
    await this.#sleep(delayMs, signal)
  }

  /** Notes a successful login (see the top of this file: the address's failures stay). */
  succeeded(_address: string): void {
    this.#succeeded++
  }

  /** Counts one failure; returns its delay. */
  #record(rawAddress: string): number {
    const address = throttleKeyOf(rawAddress)
    this.#forgetExpired()
    const now = this.#clock.now()
    const record = this.#byAddress.get(address) ?? { failures: 0, lastFailureMs: now }
    this.#byAddress.delete(address)
    record.failures = Math.min(record.failures + 1, 64)
    record.lastFailureMs = now
    this.#byAddress.set(address, record)
    while (this.#byAddress.size > this.#limits.loginFailureAddressesMax) {
      const oldest = this.#byAddress.keys().next().value as string
      this.#byAddress.delete(oldest)
    }
    return this.#delayMs(record.failures)
  }

  #delayMs(failures: number): number {
    const { loginFailureDelayMs, loginFailureDelayMsMax } = this.#limits
    return Math.min(loginFailureDelayMsMax, loginFailureDelayMs * 2 ** (failures - 1))
  }

  /** Drops the addresses whose last failure is older than loginFailureMemoryMs (they are first in order). */
  #forgetExpired(): void {
    const oldestKeptMs = this.#clock.now() - this.#limits.loginFailureMemoryMs
    for (const [address, record] of this.#byAddress) {
      if (record.lastFailureMs > oldestKeptMs) break
      this.#byAddress.delete(address)
    }
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) return reject(signal.reason)
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer)
        reject(signal!.reason)
      }
      const timer = this.#clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

// A broker's session with etcd: one lease of the broker session timeout, which the broker's
// registration and, when it is controller, the election key are bound to; kept alive here by one
// keep-alive every third of the timeout (as etcd's own clients do), one at a time.
//
// Fencing. etcd expires the lease one TTL after the last keep-alive it *received*, and the
// controller then moves leadership away. A keep-alive is received after it was sent, so the broker
// measures from the moment it *sent* the last keep-alive that succeeded, on a monotonic clock: when
// one session timeout passes from there without another success, the broker may already be
// replaced, and it reports itself 'fenced' (a leader stops acknowledging; replication listens for
// this). That moment is never later than etcd's own expiry. If a later keep-alive succeeds the
// lease was still alive, and the session reports 'unfenced'. If etcd says the lease is gone, the
// session is 'lost' for good: the broker's registration went with it, and a new session must be made.
//
// The clock and timers are a parameter (systemMonotonicClock in production) and the lease is an
// interface (etcdLeaseGranter for a real etcd), so tests drive all of this deterministically.
import { strict as assert } from 'node:assert'
import { EventEmitter } from 'node:events'
import type { Etcd3 } from 'etcd3'
import { EtcdLeaseInvalidError } from 'etcd3'
import type { Logger } from '../log.js'
import { leaseTtlSeconds } from './keys.js'

/** Time for the cluster's timing logic: now() is monotonic milliseconds, not the wall clock. */
export interface MonotonicClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemMonotonicClock: MonotonicClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
}

/** One granted lease. */
export interface SessionLease {
  /** etcd's lease id (an int64 in decimal). */
  readonly id: string
  /** Renews the lease: true if renewed, false if etcd says the lease no longer exists; throws on any other failure. */
  keepAliveOnce(timeoutMs: number): Promise<boolean>
  revoke(): Promise<void>
}

export type LeaseGranter = (ttlSeconds: number) => Promise<SessionLease>

/** Leases of a real etcd, renewed one keep-alive at a time (never by etcd3's own timers). */
export function etcdLeaseGranter(client: Etcd3): LeaseGranter {
  return async (ttlSeconds) => {
    const lease = client.lease(ttlSeconds, { autoKeepAlive: false })
    lease.on('lost', () => { /* reported through keepAliveOnce's answer */ })
    const id = await lease.grant()
    return {
      id,
      keepAliveOnce: async (timeoutMs) => {
        try {
          await lease.keepaliveOnce({ deadline: Date.now() + timeoutMs })
          return true
        } catch (err) {
          if (err instanceof EtcdLeaseInvalidError) return false
          throw err
        }
      },
      revoke: () => lease.revoke(),
    }
  }
}

export interface BrokerSessionOptions {
  granter: LeaseGranter
  sessionTimeoutMs: number
  clock: MonotonicClock
  logger: Logger
  /**
   * The wall clock, checked beside the monotonic one by liveNow(): a monotonic clock stands still
   * while the machine is suspended (a VM paused, a laptop asleep), the wall clock does not. Default Date.now.
   */
  wallNow?: () => number
}

export type SessionState = 'starting' | 'live' | 'fenced' | 'lost' | 'closed'

/**
 * Events: 'fenced' (no renewal sent within the timeout succeeded), 'unfenced' (a later one did),
 * 'lost' (etcd no longer has the lease; final).
 */
export class BrokerSession extends EventEmitter {
  readonly sessionTimeoutMs: number
  readonly keepAliveIntervalMs: number
  #state: SessionState = 'starting'
  #lease: SessionLease | undefined
  /** When the last keep-alive (or the grant) that succeeded was sent, on the monotonic clock. */
  #lastRenewalSentMs = 0
  /** The wall-clock time of that send (what liveNow() also checks). */
  #lastRenewalSentWallMs = 0
  #keepAliveTimer: unknown
  #fenceTimer: unknown
  #inFlight = false
  readonly #options: BrokerSessionOptions

  constructor(options: BrokerSessionOptions) {
    super()
    this.#options = options
    this.sessionTimeoutMs = options.sessionTimeoutMs
    leaseTtlSeconds(options.sessionTimeoutMs)
    this.keepAliveIntervalMs = Math.floor(options.sessionTimeoutMs / 3)
  }

  get state(): SessionState { return this.#state }
  get fenced(): boolean { return this.#state !== 'live' }
  get lastRenewalSentMs(): number { return this.#lastRenewalSentMs }

  /**
   * Whether the session is live at this very instant, read from the monotonic clock rather than the
   * fence timer's flag: a process resumed after SIGSTOP runs its pending I/O callbacks before its
   * timers, so `state` may still say 'live' a session timeout after the last renewal sent. A leader
   * acknowledges only while this is true (ClusterGateway.isLeaderNow).
   */
  liveNow(): boolean {
    const wallNow = this.#options.wallNow ?? Date.now
    return this.#state === 'live' && this.#options.clock.now() - this.#lastRenewalSentMs < this.sessionTimeoutMs &&
      wallNow() - this.#lastRenewalSentWallMs < this.sessionTimeoutMs
  }

  get leaseId(): string {
    assert(this.#lease !== undefined, 'the session has no lease before start()')
    return this.#lease.id
  }

  /** Grants the lease and starts renewing it. */
  async start(): Promise<void> {
    assert(this.#state === 'starting', `start() on a session that is ${this.#state}`)
    const sentMs = this.#options.clock.now()
    this.#lease = await this.#options.granter(leaseTtlSeconds(this.sessionTimeoutMs))
    if (this.#state !== 'starting') return // closed while granting
    this.#state = 'live'
    this.#renewed(sentMs)
    this.#scheduleKeepAlive()
  }

  /** Stops renewing and revokes the lease (so the broker's registration and any election key go at once). */
  async close(): Promise<void> {
    const wasLive = this.#state === 'live' || this.#state === 'fenced'
    this.#state = 'closed'
    this.#options.clock.clearTimeout(this.#keepAliveTimer)
    this.#options.clock.clearTimeout(this.#fenceTimer)
    if (wasLive) await this.#lease?.revoke().catch((err: unknown) => this.#options.logger.warn({ err }, 'could not revoke the session lease'))
  }

  #scheduleKeepAlive(): void {
    this.#keepAliveTimer = this.#options.clock.setTimeout(() => void this.#keepAlive(), this.keepAliveIntervalMs)
  }

  async #keepAlive(): Promise<void> {
    if (this.#state !== 'live' && this.#state !== 'fenced') return
    this.#scheduleKeepAlive()
    if (this.#inFlight) return // the previous one has not answered yet: its deadline ends it
    this.#inFlight = true
    const sentMs = this.#options.clock.now()
    try {
      const renewed = await this.#lease!.keepAliveOnce(this.keepAliveIntervalMs)
      if (renewed) this.#renewed(sentMs)
      else this.#lost()
    } catch (err) {
      this.#options.logger.warn({ err, msSinceLastRenewal: this.#options.clock.now() - this.#lastRenewalSentMs }, 'session keep-alive failed')
    } finally {
      this.#inFlight = false
    }
  }

  #renewed(sentMs: number): void {
    if (this.#state !== 'live' && this.#state !== 'fenced') return
    if (sentMs <= this.#lastRenewalSentMs && this.#state === 'live') return
    this.#lastRenewalSentMs = Math.max(this.#lastRenewalSentMs, sentMs)
    const wallNow = this.#options.wallNow ?? Date.now
    this.#lastRenewalSentWallMs = wallNow() - (this.#options.clock.now() - this.#lastRenewalSentMs)
    const deadlineMs = this.#lastRenewalSentMs + this.sessionTimeoutMs
    if (this.#state === 'fenced') {
      if (this.#options.clock.now() >= deadlineMs) return // a stale answer: still past the timeout
      this.#state = 'live'
      this.#options.logger.info('session renewed again: unfenced')
      this.emit('unfenced')
    }
    this.#options.clock.clearTimeout(this.#fenceTimer)
    this.#fenceTimer = this.#options.clock.setTimeout(() => this.#checkFence(), deadlineMs - this.#options.clock.now())
  }

  #checkFence(): void {
    if (this.#state !== 'live') return
    const sinceMs = this.#options.clock.now() - this.#lastRenewalSentMs
    if (sinceMs < this.sessionTimeoutMs) { // a timer may round to fire a fraction of a millisecond early
      this.#fenceTimer = this.#options.clock.setTimeout(() => this.#checkFence(), Math.ceil(this.sessionTimeoutMs - sinceMs))
      return
    }
    this.#state = 'fenced'
    this.#options.logger.warn({ sinceMs, sessionTimeoutMs: this.sessionTimeoutMs }, 'no session renewal within the timeout: fenced')
    this.emit('fenced')
  }

  #lost(): void {
    const wasLive = this.#state === 'live'
    this.#state = 'lost'
    this.#options.clock.clearTimeout(this.#keepAliveTimer)
    this.#options.clock.clearTimeout(this.#fenceTimer)
    this.#options.logger.warn('etcd no longer has the session lease: session lost')
    if (wasLive) this.emit('fenced')
    this.emit('lost')
  }
}

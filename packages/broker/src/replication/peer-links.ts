// This broker's sessions with the other brokers of its cluster: at most ONE open WebSocket session
// (peer-link.ts) per peer broker, opened on the first request to it and reused by every later one
// (the replica fetchers of that leader, admin ops forwarded to the controller).
//
// Reconnecting. A link that closes is forgotten; the next request opens a new one at once. A link that
// fails to OPEN (refused, unreachable, no hello answer, hello refused) puts its peer in backoff:
// requests to it fail at once with BROKER_NOT_AVAILABLE until reconnectBackoffMinMs has passed, then
// one new attempt is made; each further failure doubles the wait, up to reconnectBackoffMaxMs; an
// open link resets it. So a dead peer costs one connection attempt per backoff period, however
// many callers ask. A peer whose URL is unknown (urlOf: not registered, so not live) is
// BROKER_NOT_AVAILABLE too; a peer whose URL changed (restarted elsewhere) gets a new link.
//
// Answers are typed by op (OpResponse) but come from the network unchecked: callers validate the
// fields they use (replica-fetch-loop.ts does).
import { ErrorCode, FaecieError, type OpName, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { MonotonicClock } from '../cluster/broker-session.js'
import type { Logger } from '../log.js'
import { PeerLink, type PeerTlsOptions } from './peer-link.js'

export interface PeerLinksOptions {
  self: { brokerId: number; clusterId: string; secret?: string }
  /** A live broker's advertised URL, ws://HOST:PORT (`/v1/ws` is appended when it has no path). */
  urlOf: (brokerId: number) => string | undefined
  logger: Logger
  clock: MonotonicClock
  /** Default time a request waits for its answer (a long poll passes its own, maxWaitMs added). */
  requestTimeoutMs: number
  reconnectBackoffMinMs: number
  reconnectBackoffMaxMs: number
  /** The largest frame accepted from a peer: must hold a replicaFetch answer (fetch budget + one batch + envelope). */
  frameBytesMax: number
  /** Requests in flight per peer at most (default 64). */
  inFlightMax?: number
  /** Time to connect and be answered hello (default requestTimeoutMs). */
  connectTimeoutMs?: number
  /** The largest array or map a peer's frame may declare (default 100000). */
  frameItemsMax?: number
  /** TLS of wss:// links (--tls-ca to trust, this broker's certificate); default the system's CAs. */
  tls?: () => PeerTlsOptions
}

export interface PeerRequestOptions {
  signal?: AbortSignal
  /** This request's timeout instead of requestTimeoutMs. */
  timeoutMs?: number
}

/** What replica fetchers (and forwarders) need of PeerLinks: a test double can stand in. */
export interface PeerRequester {
  request<Op extends OpName>(brokerId: number, op: Op, fields: OpRequest<Op>, options?: PeerRequestOptions): Promise<OpResponse<Op>>
}

const DEFAULT_IN_FLIGHT_MAX = 64
const DEFAULT_FRAME_ITEMS_MAX = 100_000

interface Backoff {
  failures: number
  retryAtMs: number
  lastError: string
}

export class PeerLinks implements PeerRequester {
  readonly #options: PeerLinksOptions
  readonly #logger: Logger
  readonly #links = new Map<number, PeerLink>()
  readonly #backoff = new Map<number, Backoff>()
  #closed = false

  constructor(options: PeerLinksOptions) {
    if (!(options.reconnectBackoffMinMs > 0 && options.reconnectBackoffMinMs <= options.reconnectBackoffMaxMs)) {
      throw new RangeError(`reconnect backoff must satisfy 0 < min (${options.reconnectBackoffMinMs}) <= max (${options.reconnectBackoffMaxMs})`)
    }
    if (!(options.requestTimeoutMs > 0 && options.frameBytesMax > 0)) throw new RangeError('requestTimeoutMs and frameBytesMax must be positive')
    this.#options = options
    this.#logger = options.logger.child({ module: 'peer-links' })
  }

  /** Open links now (for tests and /health). */
  get openCount(): number {
    let n = 0
    for (const link of this.#links.values()) if (link.isOpen) n++
    return n
  }

  async request<Op extends OpName>(brokerId: number, op: Op, fields: OpRequest<Op>, options: PeerRequestOptions = {}): Promise<OpResponse<Op>> {
    const link = this.#linkTo(brokerId)
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs
    const answer = await link.request(op, fields, timeoutMs, options.signal)
    return answer as unknown as OpResponse<Op>
  }

  /** Closes the link to one broker (its requests fail with NETWORK_EXCEPTION) and forgets its backoff. */
  close(brokerId: number): void {
    this.#backoff.delete(brokerId)
    this.#links.get(brokerId)?.close(new FaecieError(ErrorCode.NETWORK_EXCEPTION, `The link to broker ${brokerId} was closed by this broker.`))
  }

  /** Closes every link; later requests fail with BROKER_NOT_AVAILABLE. */
  closeAll(): void {
    this.#closed = true
    for (const brokerId of [...this.#links.keys()]) this.close(brokerId)
  }

  #linkTo(brokerId: number): PeerLink {
    const unavailable = (detail: string): FaecieError => new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, `Broker ${brokerId} is not available: ${detail}.`)
    if (this.#closed) throw unavailable('this broker closed its links (shutting down)')
    const advertised = this.#options.urlOf(brokerId)
    if (advertised === undefined) throw unavailable('it is not registered (unknown or down)')
    const url = wsUrl(advertised)
    const existing = this.#links.get(brokerId)
    if (existing !== undefined && existing.url === url && !existing.closed) return existing
    // A peer at a new address (restarted elsewhere): the old link goes, and so does its backoff.
    if (existing !== undefined && existing.url !== url) this.close(brokerId)
    const backoff = this.#backoff.get(brokerId)
    const nowMs = this.#options.clock.now()
    if (backoff !== undefined && nowMs < backoff.retryAtMs) {
      throw unavailable(`${backoff.lastError}; next attempt in ${Math.ceil(backoff.retryAtMs - nowMs)} ms`)
    }
    const link = new PeerLink({
      peerId: brokerId, url, self: this.#options.self, clock: this.#options.clock, logger: this.#logger,
      connectTimeoutMs: this.#options.connectTimeoutMs ?? this.#options.requestTimeoutMs,
      frameBytesMax: this.#options.frameBytesMax, frameItemsMax: this.#options.frameItemsMax ?? DEFAULT_FRAME_ITEMS_MAX,
      inFlightMax: this.#options.inFlightMax ?? DEFAULT_IN_FLIGHT_MAX,
      ...(this.#options.tls === undefined ? {} : { tls: this.#options.tls }),
      onClosed: (closed, err) => {
        if (this.#links.get(brokerId) === closed) this.#links.delete(brokerId)
        if (closed.isOpen || err.code !== ErrorCode.BROKER_NOT_AVAILABLE) this.#logger.info({ peer: brokerId, reason: err.message }, 'peer link closed')
      },
    })
    this.#links.set(brokerId, link)
    link.ready().then(
      () => {
        if (this.#backoff.delete(brokerId)) this.#logger.info({ peer: brokerId, url }, 'peer link open again')
      },
      (err: FaecieError) => this.#failed(brokerId, err),
    )
    return link
  }

  #failed(brokerId: number, err: FaecieError): void {
    const { reconnectBackoffMinMs: minMs, reconnectBackoffMaxMs: maxMs } = this.#options
    const failures = (this.#backoff.get(brokerId)?.failures ?? 0) + 1
    const waitMs = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30))
    this.#backoff.set(brokerId, { failures, retryAtMs: this.#options.clock.now() + waitMs, lastError: err.message })
    // The first failure in a row is worth a warning; the rest are the same story.
    if (failures === 1) this.#logger.warn({ peer: brokerId, err: err.message, waitMs }, 'peer link failed to open: backing off')
  }
}

/** ws://host:port -> ws://host:port/v1/ws; a URL with a path is kept as it is. */
export function wsUrl(advertised: string): string {
  const url = new URL(advertised)
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/ws'
  return url.toString()
}

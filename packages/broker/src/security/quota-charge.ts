// Where the transports meet the client quotas (quotas.ts): what a request used (its produce bytes,
// its fetch answer's record bytes, one request), charged to the principal and client id it came
// with, and the mute that follows a throttle (Kafka's KIP-219): the answer goes out at once,
// carrying throttleTimeMs, and the connection is not read again until that time has passed.
// WebSocket sessions (gateway/session.ts) and Kafka connections (kafka/connection.ts) both fold
// ThrottleMute.active into the back-pressure that pauses their socket.
//
// What counts, as Kafka: produce bytes are the request's frame bytes; fetch bytes are the records
// the answer carries (Kafka counts the whole response; the records are nearly all of it); every
// request counts 1 against requestsPerSec but hello and saslAuthenticate (nothing is known of the
// client before them). Peer brokers' sessions (replication, forwarding) are exempt, as Kafka exempts
// ClusterAction. HTTP requests are not charged yet (they have no connection to mute).
import type { Gateway } from '../gateway/context.js'
import { ClientQuotas, type QuotaUsage } from './quotas.js'

/** What the charge needs of a session. */
export interface QuotaSubject {
  readonly principal: string
  readonly peerBrokerId?: number | undefined
  readonly logger: Gateway['logger']
}

const QUOTAS = new WeakMap<object, ClientQuotas | undefined>()

/**
 * The broker's quotas, made on first use from its security config (security.quotas); undefined when
 * none is configured (or for a test's gateway without security). One per GatewaySecurity: the
 * Kafka listener and the WebSocket gateway share the rates, as a client's quota spans its connections.
 */
export function gatewayQuotas(gateway: Gateway): ClientQuotas | undefined {
  const security = gateway.security as Gateway['security'] | undefined
  const config = security?.config
  if (security === undefined || config?.quotas === undefined) return undefined
  if (QUOTAS.has(security)) return QUOTAS.get(security)
  const quotas = new ClientQuotas(config.quotas, config.limits, {
    onThrottle: (principal, type, ms) => gateway.metrics.recordThrottle(principal, type, ms),
  })
  QUOTAS.set(security, quotas.enabled ? quotas : undefined)
  return QUOTAS.get(security)
}

/** Charges one request; returns its throttle time in ms (0: within every quota, or no quotas). */
export function chargeRequest(gateway: Gateway, subject: QuotaSubject, clientId: string, usage: Omit<QuotaUsage, 'request'>,
  countsAsRequest = true): number {
  if (subject.peerBrokerId !== undefined) return 0
  const quotas = gatewayQuotas(gateway)
  if (quotas === undefined) return 0
  const decision = quotas.charge(subject.principal, clientId, countsAsRequest ? { ...usage, request: 1 } : usage)
  if (decision.throttleTimeMs > 0) {
    subject.logger.debug({ principal: subject.principal, clientId, quota: decision.type, entity: decision.entity,
      throttleTimeMs: decision.throttleTimeMs }, 'throttled')
  }
  return decision.throttleTimeMs
}

/** Record bytes of a fetch answer (the protocol's topics[].partitions[].records, or Kafka's responses[].partitions[].records). */
export function fetchAnswerBytes(answer: unknown): number {
  const a = answer as { topics?: unknown; responses?: unknown } | undefined
  const topics = (a?.topics ?? a?.responses) as { partitions?: { records?: Uint8Array | null }[] }[] | undefined
  let bytes = 0
  for (const t of topics ?? []) for (const p of t.partitions ?? []) bytes += p.records?.length ?? 0
  return bytes
}

/** A connection's "do not read until": extended by each throttle, tells its owner when it ends. */
export class ThrottleMute {
  readonly #ended: () => void
  readonly #nowMs: () => number
  #untilMs = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  /** `ended` is called once the last throttle has passed (the owner re-applies its back-pressure). */
  constructor(ended: () => void, nowMs: () => number = () => performance.now()) {
    this.#ended = ended
    this.#nowMs = nowMs
  }

  get active(): boolean {
    return this.#timer !== undefined
  }

  /** Mutes for `ms` more from now (a longer mute already running is kept). */
  extend(ms: number): void {
    if (!(ms > 0)) return
    const untilMs = this.#nowMs() + ms
    if (untilMs <= this.#untilMs && this.#timer !== undefined) return
    this.#untilMs = untilMs
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#ended()
    }, ms)
  }

  /** The connection closed: no callback any more. */
  clear(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

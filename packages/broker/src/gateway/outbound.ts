// What the broker holds for clients, all sessions together: the bytes queued for sending on every
// WebSocket (each session reports its own changes, send-queue.ts), the read budget, which every read
// from disk for a fetch answer or a push is taken out of before it is made (byte-budget.ts), and the
// bytes of request frames in flight. /metrics and /health show them; a session whose queue is not
// empty stops reading requests while the queued total is over queuedBytesMax, and one with requests
// in flight while their total is over requestBytesInFlightMax.
import { ByteBudget } from './byte-budget.js'
import type { Limits } from './limits.js'

/** Why the broker closed a session: the label of faecie_sessions_closed_total. */
export const SESSION_CLOSE_REASONS = [
  'send_queue_full', 'send_queue_stalled', 'hello_timeout', 'idle_timeout', 'too_many_sessions',
  'too_many_sessions_from_address', 'protocol_error', 'frame_too_large', 'no_pong', 'shutting_down',
  // --auth scram: an op before login (login-gate.ts), or no login within authenticateTimeoutMs.
  'authentication_required', 'authenticate_timeout',
  // Not WebSocket sessions: an HTTP read, or a live tail, whose client stopped reading.
  'http_read_stalled', 'http_tail_stalled',
  // HTTP connections refused (http/connections.ts), and requests whose body did not fit.
  'too_many_http_connections', 'too_many_http_connections_from_address', 'http_request_bodies_full',
] as const
export type SessionCloseReason = (typeof SESSION_CLOSE_REASONS)[number]

export class OutboundBytes {
  /** Every read from disk on clients' behalf (WebSocket and HTTP) draws on this. */
  readonly readBudget: ByteBudget
  #queuedBytes = 0
  #requestBytes = 0
  readonly #closedByReason = new Map<SessionCloseReason, number>(SESSION_CLOSE_REASONS.map((r) => [r, 0]))

  constructor(private readonly limits: Pick<Limits, 'readBytesInFlightMax' | 'queuedBytesMax'>) {
    this.readBudget = new ByteBudget(limits.readBytesInFlightMax)
  }

  /** Bytes queued for sending on all sessions, as they last reported. */
  get queuedBytes(): number {
    return this.#queuedBytes
  }

  /** True while the sessions together queue more than queuedBytesMax. */
  get overTotal(): boolean {
    return this.#queuedBytes > this.limits.queuedBytesMax
  }

  /** Bytes of request frames in flight on all sessions. */
  get requestBytes(): number {
    return this.#requestBytes
  }

  requestBytesChanged(delta: number): void {
    this.#requestBytes += delta
  }

  /** A session's queue went from `before` to `after` bytes. */
  queuedChanged(before: number, after: number): void {
    this.#queuedBytes += after - before
  }

  sessionClosed(reason: SessionCloseReason): void {
    this.#closedByReason.set(reason, (this.#closedByReason.get(reason) ?? 0) + 1)
  }

  /** Sessions the broker closed so far, by reason. */
  closedByReason(): ReadonlyMap<SessionCloseReason, number> {
    return this.#closedByReason
  }
}

// Runs protocol ops for HTTP requests, through the same validators (parse<Op>Request) and handlers
// (gateway/ops) as the WebSocket API, so the two cannot drift. Each HTTP request is a short-lived
// session: its signal aborts when the client goes (a long poll stops waiting), and its subscriptions
// (a live tail) push to the sink the caller gives. Requests are refused with SHUTTING_DOWN while the
// broker drains and with TOO_MANY_IN_FLIGHT past requestsInFlightMax. Reads from disk draw on the
// broker's read budget directly; what a request holds of it (a fetch's answer, being turned into
// JSON) is released when its response ends, however it ends. A session acts as the principal the
// request's credentials named (http-auth.ts), from the client address of its socket.
import type { IncomingMessage } from 'node:http'
import {
  ErrorCode,
  FaecieError,
  parseOpRequest,
  type OpName,
  type OpRequest,
  type OpResponse,
  type RequestFrame,
} from '@faecie/protocol'
import type { FastifyReply } from 'fastify'
import type { ByteBudget, Reservation } from '../gateway/byte-budget.js'
import { NO_RESPONSE, sessionClosedError, type Gateway, type OpContext, type SessionHandle } from '../gateway/context.js'
import { OP_HANDLERS } from '../gateway/ops/index.js'
import { SessionSubscriptions, type PushSink } from '../gateway/subscriptions.js'
import type { Logger } from '../log.js'
import type { HttpLimits } from './limits.js'
import type { HttpAuth, RequestAuth } from './http-auth.js'
import { ANONYMOUS_PRINCIPAL } from '../security/gateway-security.js'
import { clientAddressOf } from '../security/client-address.js'

/** HTTP sessions are numbered from here, apart from WebSocket sessions. */
const HTTP_SESSION_ID_BASE = 1_000_000_000

const NO_PUSHES: PushSink = { push: (_frame, held) => held?.release(), congested: () => false }

/** What every route of the API gets. */
export interface HttpApiContext {
  gateway: Gateway
  limits: HttpLimits
  logger: Logger
  sessions: HttpSessions
  /** Credentials and tokens (http-auth.ts). */
  auth: HttpAuth
}

/** One HTTP request seen as a session by the op handlers. */
export class HttpSession implements SessionHandle {
  readonly subscriptions: SessionSubscriptions
  /** Cluster mode: group ops go to the group's coordinator (context.ts changeOptions). */
  readonly overHttp = true
  readonly #controller = new AbortController()
  readonly #held: Reservation[] = []
  /** Who the request acts as (context.ts SessionHandle.principal); set from its credentials. */
  principal = ANONYMOUS_PRINCIPAL
  clientAddress = ''
  /** The request's credentials were checked and set the principal. */
  loggedIn = false

  constructor(readonly id: number, readonly logger: Logger, private readonly gateway: Gateway, sink: PushSink) {
    this.subscriptions = new SessionSubscriptions(gateway, this, sink)
  }

  /** HTTP requests draw on the broker's read budget directly (requestsInFlightMax bounds how many). */
  get readBudget(): ByteBudget {
    return this.gateway.outbound.readBudget
  }

  /** Keeps a reservation until the response ends. */
  hold(reservation: Reservation): void {
    if (this.#controller.signal.aborted) reservation.release()
    else this.#held.push(reservation)
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  helloDone(): void {}

  get authenticated(): boolean {
    return this.loggedIn || !this.gateway.security.authenticationRequired
  }

  /** Only an acks-0 produce failure asks this; over HTTP there is no socket of the protocol to close. */
  close(code: number, reason: string): void {
    this.logger.warn({ code, reason }, 'HTTP request failed after it was answered')
  }

  /** The client went or the answer is done: long polls stop waiting, subscriptions end. */
  end(): void {
    this.subscriptions.closeAll()
    this.#controller.abort(sessionClosedError())
    for (const reservation of this.#held.splice(0)) reservation.release()
  }
}

export class HttpSessions {
  #nextId = HTTP_SESSION_ID_BASE
  #inFlight = 0

  constructor(readonly gateway: Gateway, private readonly limits: HttpLimits, private readonly logger: Logger,
    private readonly authOf: (raw: IncomingMessage) => RequestAuth | undefined = () => undefined) {}

  get inFlight(): number {
    return this.#inFlight
  }

  /** A session for one request, ended when its response closes (finished or the client gone). */
  open(reply: FastifyReply, sink: PushSink = NO_PUSHES): HttpSession {
    const id = this.#nextId++
    const session = new HttpSession(id, this.logger.child({ httpSession: id }), this.gateway, sink)
    session.clientAddress = clientAddressOf(reply.request.socket.remoteAddress)
    const auth = this.authOf(reply.request.raw)
    if (auth !== undefined) {
      session.principal = auth.principal
      session.loggedIn = true
    }
    reply.raw.once('close', () => session.end())
    return session
  }

  /** Refuses new work while the broker drains. */
  checkOpen(): void {
    if (this.gateway.draining) throw new FaecieError(ErrorCode.SHUTTING_DOWN, 'The broker is shutting down.')
  }

  /**
   * Validates `fields` as op `op`'s request, exactly as a WebSocket frame would be, and runs its
   * handler. NO_RESPONSE (produce with acks 0) comes back as undefined.
   */
  async run<Op extends OpName>(session: HttpSession, op: Op, fields: Record<string, unknown>): Promise<OpResponse<Op> | undefined> {
    this.checkOpen()
    // The authentication hook (http-auth.ts) answers such requests first: this is the backstop.
    if (!session.authenticated) throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, 'This request carries no credentials the broker accepted.')
    const parsed = parseOpRequest(op, { ...fields, id: 0, op } as RequestFrame)
    if (!parsed.ok) throw parsed.error
    if (this.#inFlight >= this.limits.requestsInFlightMax) {
      throw new FaecieError(ErrorCode.TOO_MANY_IN_FLIGHT,
        `${this.#inFlight} HTTP requests are being served; at most ${this.limits.requestsInFlightMax} (requestsInFlightMax).`)
    }
    this.#inFlight++
    const startedMs = performance.now()
    try {
      const handler = OP_HANDLERS[op] as (request: OpRequest<Op>, ctx: OpContext) => Promise<OpResponse<Op> | typeof NO_RESPONSE>
      const answer = await handler(parsed.value, { gateway: this.gateway, session, hold: (r) => session.hold(r) })
      return answer === NO_RESPONSE ? undefined : answer
    } finally {
      this.#inFlight--
      // The same per-op latency series as WebSocket requests (metrics/broker-metrics.ts).
      this.gateway.metrics.observeRequest(op, (performance.now() - startedMs) / 1000)
    }
  }
}

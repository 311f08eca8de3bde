// Every HTTP connection of the broker's port, counted and bounded, and the request bodies being
// received at once (issue 10). WebSocket sessions arrive as HTTP connections too and stay counted
// while they last, so connectionsMax must exceed sessionsMax and connectionsPerAddressMax
// sessionsPerAddressMax (http/limits.ts checks it): a full set of sessions leaves room for plain
// HTTP clients, and for the 4002 close a session past its own cap is told why with.
//
//   connection past connectionsMax            429 TOO_MANY_SESSIONS, Retry-After: 1, closed
//   connection past connectionsPerAddressMax  429 TOO_MANY_SESSIONS, Retry-After: 1, closed
//   body past requestBodyBytesInFlightMax     429 TOO_MANY_IN_FLIGHT, Retry-After: 1, closed
//   headers not in within headersTimeoutMs,   408 from Node's HTTP server, closed
//   the whole request within requestTimeoutMs
//
// A refused connection is answered on the raw socket before Node's HTTP parser is given it, so
// nothing it sends is parsed or run; its bytes are read and dropped until it closes, for at most
// REFUSED_LINGER_MS (and at most connectionsMax refused sockets linger; past that they are cut at
// once). A request with a body reserves min(Content-Length, the route's bodyLimit) of
// requestBodyBytesInFlightMax (the bodyLimit when chunked) before a byte of it is read, and gives
// it back when its response ends: the body, its parsed JSON and the batches made from it are held
// until then.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ByteBudget } from '../gateway/byte-budget.js'
import type { OutboundBytes } from '../gateway/outbound.js'
import type { Logger } from '../log.js'
import type { HttpLimits } from './limits.js'
import { AddressCounts } from '../util/address-counts.js'

export type ConnectionLimits = Pick<HttpLimits,
  'connectionsMax' | 'connectionsPerAddressMax' | 'requestBodyBytesInFlightMax' | 'headersTimeoutMs' | 'requestTimeoutMs'>

/** How long a refused connection may take to read its answer before it is cut. */
const REFUSED_LINGER_MS = 2_000
/** Refusals are logged at most this often (a flood of them must not flood the log). */
const REFUSAL_LOG_INTERVAL_MS = 10_000
/** Node looks for requests past their timeouts this often (a fraction of the timeouts, within these). */
const TIMEOUT_CHECK_MS_RANGE = { min: 100, max: 30_000 } as const
const RETRY_AFTER_SECONDS = 1

export class HttpConnections {
  /** requestBodyBytesInFlightMax: bodies being received or handled, all requests together. */
  readonly bodyBudget: ByteBudget
  #open = 0
  #lingering = 0
  readonly #byAddress = new AddressCounts()
  #refusalsUnlogged = 0
  #lastRefusalLogMs = -Infinity

  constructor(private readonly limits: ConnectionLimits, private readonly outbound: OutboundBytes, private readonly logger: Logger) {
    this.bodyBudget = new ByteBudget(limits.requestBodyBytesInFlightMax)
  }

  /** Open HTTP connections (WebSocket sessions included). */
  get open(): number {
    return this.#open
  }

  /** Sets the server's timeouts and puts the connection caps in front of Node's HTTP parser (before listen). */
  attach(server: Server): void {
    const { headersTimeoutMs, requestTimeoutMs } = this.limits
    server.headersTimeout = headersTimeoutMs
    server.requestTimeout = requestTimeoutMs
    // Node reads this when it starts listening (an option of createServer, missing from its types).
    ;(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(TIMEOUT_CHECK_MS_RANGE.max, Math.max(TIMEOUT_CHECK_MS_RANGE.min, Math.floor(headersTimeoutMs / 4)))
    const parse = server.listeners('connection') as Array<(socket: Socket) => void>
    if (parse.length === 0) throw new Error('the HTTP server has no connection listener to put the caps in front of')
    server.removeAllListeners('connection')
    server.on('connection', (socket: Socket) => {
      if (this.#admit(socket)) for (const listener of parse) listener.call(server, socket)
    })
  }

  /**
   * Takes a request's body out of the body budget (an onRequest hook); answers 429 and returns false
   * when it does not fit. A request without a body takes nothing.
   */
  admitBody(request: FastifyRequest, reply: FastifyReply): boolean {
    const bodyLimit = request.routeOptions.bodyLimit ?? 0
    const declared = Number(request.headers['content-length'] ?? 0)
    const chunked = request.headers['transfer-encoding'] !== undefined
    const bytes = chunked ? bodyLimit : Math.min(Number.isSafeInteger(declared) && declared > 0 ? declared : 0, bodyLimit)
    if (bytes === 0) return true
    const reservation = this.bodyBudget.tryReserve(bytes)
    if (reservation === undefined) {
      const error = new FaecieError(ErrorCode.TOO_MANY_IN_FLIGHT, `Request bodies of ${this.bodyBudget.used} bytes are being received; at most ` +
        `${this.bodyBudget.bytesMax} at once (requestBodyBytesInFlightMax). Retry later.`)
      this.#refused('http_request_bodies_full', request.socket.remoteAddress, error.message)
      void reply.code(429).header('retry-after', String(RETRY_AFTER_SECONDS)).header('connection', 'close').send({ error: error.toWire() })
      return false
    }
    reply.raw.once('close', () => reservation.release())
    return true
  }

  #admit(socket: Socket): boolean {
    const { connectionsMax, connectionsPerAddressMax } = this.limits
    const address = socket.remoteAddress ?? 'unknown'
    if (this.#open >= connectionsMax) {
      this.#refuse(socket, 'too_many_http_connections', `${this.#open} HTTP connections are open; at most ${connectionsMax} (connectionsMax).`)
      return false
    }
    const fromAddress = this.#byAddress.of(address)
    if (fromAddress >= connectionsPerAddressMax) {
      this.#refuse(socket, 'too_many_http_connections_from_address',
        `${fromAddress} HTTP connections are open from ${address}; at most ${connectionsPerAddressMax} (connectionsPerAddressMax).`)
      return false
    }
    this.#open++
    const closed = this.#byAddress.open(address)
    socket.once('close', () => {
      this.#open--
      closed()
    })
    return true
  }

  /** Answers 429 on the raw socket and closes it; the client's bytes are dropped meanwhile. */
  #refuse(socket: Socket, reason: 'too_many_http_connections' | 'too_many_http_connections_from_address', message: string): void {
    this.#refused(reason, socket.remoteAddress, message)
    socket.on('error', () => { /* a client gone before reading its answer */ })
    if (this.#lingering >= this.limits.connectionsMax) {
      socket.destroy()
      return
    }
    this.#lingering++
    socket.once('close', () => this.#lingering--)
    socket.on('data', () => { /* dropped: this connection's requests are never parsed */ })
    socket.once('end', () => socket.destroy())
    socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy())
    const body = JSON.stringify({ error: new FaecieError(ErrorCode.TOO_MANY_SESSIONS, message).toWire() })
    socket.end([
      'HTTP/1.1 429 Too Many Requests', `Retry-After: ${RETRY_AFTER_SECONDS}`, 'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body,
    ].join('\r\n'))
  }

  #refused(reason: 'too_many_http_connections' | 'too_many_http_connections_from_address' | 'http_request_bodies_full',
    remote: string | undefined, message: string): void {
    this.outbound.sessionClosed(reason)
    this.#refusalsUnlogged++
    const nowMs = Date.now()
    if (nowMs - this.#lastRefusalLogMs < REFUSAL_LOG_INTERVAL_MS) return
    this.logger.warn({ reason, remote, refusals: this.#refusalsUnlogged }, `HTTP refused: ${message}`)
    this.#lastRefusalLogMs = nowMs
    this.#refusalsUnlogged = 0
  }
}

// The broker's HTTP face: fastify with @fastify/websocket. `GET /health` answers JSON; `/v1/ws` is the
// protocol's WebSocket. The upgrade is refused with HTTP 403 when the page's Origin is not allowed
// (origin.ts) and with 503 while shutting down; a session past sessionsMax, or past
// sessionsPerAddressMax from its remote address, is accepted and closed at once with 4002 and a
// reason (so the client learns why). ws stops reading a frame larger than
// frameBytesMax at its header (maxPayload); ws would close with 1009 there, which this maps to the
// protocol's 4001 with a reason. Any other request that changes state must come from an allowed
// origin too (the HTTP API's POST and DELETE, ../http/): 403 with the protocol error ORIGIN_NOT_ALLOWED.
// Every connection of the port, WebSocket or not, passes the HTTP connection caps first, and every
// request body the body budget (../http/connections.ts). With `tls` (--tls-cert/--tls-key) the port
// serves https and wss only (../server/tls-context.ts; reloaded on SIGHUP); a session whose client
// certificate was verified starts logged in as User:<CN>.
import type { AddressInfo } from 'node:net'
import websocket from '@fastify/websocket'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import type { HttpConnections } from '../http/connections.js'
import type { Logger } from '../log.js'
import { certificatePrincipal, type ReloadableServer, type TlsContext } from '../server/tls-context.js'
import { CloseCode, type Gateway } from './context.js'
import { applyCors } from './cors.js'
import type { OriginPolicy } from './origin.js'
import { Session, truncateReason } from './session.js'
import { AddressCounts } from '../util/address-counts.js'

export interface GatewayServerOptions {
  host: string
  port: number
  gateway: Gateway
  origins: OriginPolicy
  logger: Logger
  /** The HTTP connection caps, timeouts and request-body budget. */
  connections: HttpConnections
  /** Extra fields for GET /health. */
  health(): Record<string, unknown>
  /** More HTTP routes on the same port (the JSON API, /metrics, the console at /ui). */
  routes?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>
  /** Serve https + wss with this context (and have it reload the server's certificate). */
  tls?: TlsContext
}

const WS_MESSAGE_TOO_BIG = 1009
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Every session's send queue is looked at this often (a fraction of sessionQueuedMsMax, within these). */
const QUEUE_SWEEP_MS_RANGE = { min: 50, max: 1000 } as const

export class GatewayServer {
  readonly sessions = new Set<Session>()
  /** Open sessions by remote address (sessionsPerAddressMax). */
  readonly #byAddress = new AddressCounts()
  readonly #app: FastifyInstance
  readonly #options: GatewayServerOptions
  readonly #logger: Logger
  #nextSessionId = 1
  #port = 0
  #heartbeat: NodeJS.Timeout | undefined
  #queueSweep: NodeJS.Timeout | undefined

  private constructor(options: GatewayServerOptions) {
    this.#options = options
    this.#logger = options.logger.child({ module: 'gateway' })
    this.#app = Fastify({
      loggerInstance: options.logger.child({ module: 'http' }) as unknown as FastifyBaseLogger,
      // Per-request lines would drown the log (health checks, every WebSocket upgrade).
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: 1024 * 1024,
      ...(options.tls === undefined ? {} : { https: options.tls.serverOptions(options.gateway.limits.helloTimeoutMs) }),
    }) as unknown as FastifyInstance
    options.connections.attach(this.#app.server)
    if (options.tls !== undefined) options.tls.add(this.#app.server as unknown as ReloadableServer)
  }

  static async listen(options: GatewayServerOptions): Promise<GatewayServer> {
    const server = new GatewayServer(options)
    await server.#setUp()
    await server.#app.listen({ host: options.host, port: options.port })
    server.#port = (server.#app.server.address() as AddressInfo).port
    options.origins.addOwnOrigins(options.host, server.#port)
    // Every session is pinged each pingIntervalMs; one that has not answered the previous ping (a
    // half-open connection, a peer gone silently) is ended.
    server.#heartbeat = setInterval(() => { for (const s of server.sessions) s.heartbeat() }, options.gateway.limits.pingIntervalMs).unref()
    const sweepMs = Math.min(QUEUE_SWEEP_MS_RANGE.max, Math.max(QUEUE_SWEEP_MS_RANGE.min, options.gateway.limits.sessionQueuedMsMax / 4))
    server.#queueSweep = setInterval(() => { for (const s of server.sessions) s.checkQueue() }, sweepMs).unref()
    return server
  }

  get port(): number {
    return this.#port
  }

  /** Resolves when no session has a request in flight, or after `timeoutMs`. Returns those still busy. */
  async drain(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
    await Promise.race([Promise.all([...this.sessions].map((s) => s.idle())), timeout])
    clearTimeout(timer)
    return [...this.sessions].filter((s) => s.inFlight > 0).length
  }

  closeSessions(code: number, reason: string): void {
    for (const session of this.sessions) session.close(code, reason, 'shutting_down')
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat)
    clearInterval(this.#queueSweep)
    await this.#app.close()
  }

  async #setUp(): Promise<void> {
    const { gateway, origins } = this.#options
    const app = this.#app
    await app.register(websocket, {
      options: {
        maxPayload: gateway.limits.frameBytesMax,
        perMessageDeflate: false,
        verifyClient: (info, done) => {
          if (!origins.allows(info.origin)) {
            this.#logger.warn({ origin: info.origin }, 'WebSocket upgrade refused: origin not allowed')
            return done(false, 403, 'Origin not allowed')
          }
          if (gateway.draining) return done(false, 503, 'Broker shutting down')
          done(true)
        },
      },
      // A socket error (a client gone mid-frame) is routine: ws closes the socket itself.
      errorHandler: (err) => this.#logger.debug({ err }, 'WebSocket error'),
    })
    app.addHook('onRequest', async (request, reply) => {
      if (applyCors(request, reply, origins)) return reply
      if (SAFE_METHODS.has(request.method)) return
      if (!origins.allows(request.headers.origin)) {
        const error = new FaecieError(ErrorCode.ORIGIN_NOT_ALLOWED, `Origin ${request.headers.origin ?? ''} is not allowed to change state here (--allowed-origins).`)
        return reply.code(403).send({ error: error.toWire() })
      }
      if (!this.#options.connections.admitBody(request, reply)) return reply
    })
    app.get('/health', async () => ({
      status: gateway.draining ? 'draining' : 'ok',
      sessions: this.sessions.size,
      bufferedBytes: [...this.sessions].reduce((n, s) => n + s.bufferedBytes, 0),
      ...this.#options.health(),
    }))
    app.get('/v1/ws', { websocket: true }, (socket, request) => this.#accept(socket, request.socket.remoteAddress, request.socket))
    for (const register of this.#options.routes ?? []) await register(app)
  }

  #accept(socket: WebSocket, remote: string | undefined, tlsSocket: unknown): void {
    const { gateway } = this.#options
    const { sessionsMax, sessionsPerAddressMax } = gateway.limits
    mapTooBigToFrameTooLarge(socket, gateway.limits.frameBytesMax, () => gateway.outbound.sessionClosed('frame_too_large'))
    if (this.sessions.size >= sessionsMax) {
      this.#logger.warn({ remote, sessionsMax }, 'session refused: too many sessions')
      gateway.outbound.sessionClosed('too_many_sessions')
      socket.close(CloseCode.tooManySessions, `too many sessions (sessionsMax ${sessionsMax})`)
      return
    }
    const address = remote ?? 'unknown'
    const fromAddress = this.#byAddress.of(address)
    if (fromAddress >= sessionsPerAddressMax) {
      this.#logger.warn({ remote, sessionsPerAddressMax }, 'session refused: too many sessions from this address')
      gateway.outbound.sessionClosed('too_many_sessions_from_address')
      socket.close(CloseCode.tooManySessions, `too many sessions from ${address} (sessionsPerAddressMax ${sessionsPerAddressMax})`)
      return
    }
    if (gateway.draining) {
      socket.close(CloseCode.shuttingDown, 'broker shutting down')
      return
    }
    const session = new Session(this.#nextSessionId++, socket, gateway, remote)
    const principal = certificatePrincipal(tlsSocket)
    if (principal !== undefined) {
      session.principal = principal
      session.loggedIn = true
      this.#logger.info({ session: session.id, remote: address, principal }, 'logged in by client certificate')
    }
    this.sessions.add(session)
    const closed = this.#byAddress.open(address)
    socket.on('close', () => {
      this.sessions.delete(session)
      closed()
    })
  }
}

/** ws closes with 1009 when a frame passes maxPayload; the protocol's code for it is 4001. */
function mapTooBigToFrameTooLarge(socket: WebSocket, frameBytesMax: number, counted: () => void): void {
  const close = socket.close.bind(socket)
  socket.close = (code?: number, reason?: string | Buffer): void => {
    if (code === WS_MESSAGE_TOO_BIG) {
      counted()
      close(CloseCode.frameTooLarge, truncateReason(`frame over frameBytesMax (${frameBytesMax} bytes)`))
    } else {
      close(code, reason)
    }
  }
}

// Who an HTTP request acts as (issue 19). With --auth scram every route of the port needs
// credentials but the public ones below (the health check, the console's static files, the OpenAPI
// document, and the WebSocket upgrade, whose sessions log in with saslAuthenticate); /metrics
// included. A root onRequest hook reads the Authorization header before any body is read:
//
//   Basic base64(user:password)   accepted only over TLS or from a loopback address (a password in
//                                 clear text on a network is refused: 401 saying why); checked
//                                 against the stored SCRAM credential (password-check.ts).
//   Bearer fct_...                a token this broker issued (POST /v1/auth/tokens, security/tokens.ts).
//
// A request without credentials, or with wrong ones, is answered 401 with WWW-Authenticate (the
// ACL refusals of the op handlers are 403: errors.ts). POST /v1/auth/tokens may instead carry the
// user and password in its JSON body (auth-routes.ts). Failed logins are audited (listener 'http')
// and their answers held back as the login throttle says, per source address. What the hook
// learnt is kept per request (`of`); HttpSessions.open gives it to the op handlers' session.
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Gateway } from '../gateway/context.js'
import type { Logger } from '../log.js'
import { credentialFingerprint, TokenStore, type TokenEntry } from '../security/tokens.js'
import { sendErrorReply } from './errors.js'
import { PasswordChecker } from './password-check.js'
import { clientAddressOf } from '../security/client-address.js'

/**
 * Slows failed logins per source address: the shape of security/login-throttle.ts's LoginThrottle
 * (the login part's), which GatewaySecurity holds as `loginThrottle` and which is used when
 * registerHttpApi is given none. Without either, failures are audited but answered at once.
 */
export interface LoginThrottle {
  /** Counts a failed login from this address and waits as long as its failures call for. */
  failed(clientAddress: string, signal?: AbortSignal): Promise<void>
  /** A successful login from this address. */
  succeeded(clientAddress: string): void
}

/** Routes (fastify's route patterns) served without credentials. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/health', '/openapi.json', '/', '/ui', '/ui/', '/ui/*', '/v1/ws'])
/** The route that also takes a user and password in its body. */
export const TOKEN_ROUTE = '/v1/auth/tokens'

export interface RequestAuth {
  principal: string
  user: string
  via: 'basic' | 'bearer'
  /** The bearer token presented (DELETE /v1/auth/tokens/current revokes it). */
  token?: string
  /** The bearer token's expiry (wall clock, ms). */
  expiresAtMs?: number
  /** Basic: the credential the password matched (what a token issued for it names). */
  owner?: TokenEntryOwner
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4.startsWith('127.') || address === '::1'
}

export function isTls(request: FastifyRequest): boolean {
  return request.protocol === 'https' || (request.raw.socket as Partial<TLSSocket>).encrypted === true
}

/** Why a password may not be sent on this request, or undefined when it may. */
export function passwordTransportProblem(request: FastifyRequest): string | undefined {
  if (isTls(request) || isLoopback(request.socket.remoteAddress)) return undefined
  return 'A password is accepted only over https or from a loopback address, and this request came over plain http from ' +
    `${request.socket.remoteAddress ?? 'an unknown address'}: use https (--tls-cert), or a bearer token got on the broker's host.`
}

export class HttpAuth {
  readonly tokens: TokenStore
  readonly passwords: PasswordChecker
  readonly #byRequest = new WeakMap<IncomingMessage, RequestAuth>()
  readonly #gateway: Gateway
  readonly #logger: Logger
  readonly #throttle: LoginThrottle | undefined
  /** Logins in progress by client address (bounded by the HTTP connections open). */
  readonly #pendingByAddress = new Map<string, number>()

  constructor(gateway: Gateway, logger: Logger, throttle?: LoginThrottle) {
    const { security } = gateway
    const limits = security.config.limits
    this.#gateway = gateway
    this.#logger = logger
    // Duck-typed until GatewaySecurity declares its loginThrottle (the login part of issue 19).
    this.#throttle = throttle ?? (security as unknown as { loginThrottle?: LoginThrottle }).loginThrottle
    this.tokens = new TokenStore({ tokensMax: limits.httpTokensMax, tokensPerUserMax: limits.httpTokensPerUserMax })
    this.passwords = new PasswordChecker((user, mechanism) => security.state.credential(user, mechanism), () => security.config.saslMechanisms, {
      cacheEntriesMax: limits.httpPasswordCacheEntriesMax, cacheTtlMs: limits.httpPasswordCacheTtlMs,
      checksInFlightMax: limits.httpPasswordChecksInFlightMax, iterationsForUnknown: limits.scramIterations,
    })
  }

  get required(): boolean {
    return this.#gateway.security.authenticationRequired
  }

  /** What the request's credentials said, when it had any and they were checked. */
  of(raw: IncomingMessage): RequestAuth | undefined {
    return this.#byRequest.get(raw)
  }

  /** The root onRequest hook (after the gateway's Origin check): authenticates every non-public route. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      if (!this.required || PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return
      const header = request.headers.authorization
      if (header === undefined && request.method === 'POST' && request.routeOptions.url === TOKEN_ROUTE) return
      try {
        this.#byRequest.set(request.raw, await this.authenticate(request, header))
      } catch (err) {
        sendErrorReply(request, reply, err, this.#logger)
        return reply
      }
    })
  }

  /** The request's principal from its Authorization header; throws a 401 FaecieError. */
  async authenticate(request: FastifyRequest, header: string | undefined): Promise<RequestAuth> {
    if (header === undefined) {
      throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, 'This broker requires credentials (--auth scram): send Authorization: ' +
        'Bearer <token> (POST /v1/auth/tokens), or Basic <user:password> over https or from a loopback address.')
    }
    const space = header.indexOf(' ')
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase()
    const value = space < 0 ? '' : header.slice(space + 1).trim()
    if (scheme === 'bearer') return this.#bearer(request, value)
    if (scheme !== 'basic') {
      throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, `Unsupported Authorization scheme ${JSON.stringify(scheme.slice(0, 20))}: use Basic or Bearer.`)
    }
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    if (colon < 1) throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, 'Malformed Basic credentials: expected base64 of user:password.')
    const user = decoded.slice(0, colon)
    const owner = await this.login(request, user, decoded.slice(colon + 1), 'basic')
    return { principal: `User:${user}`, user, via: 'basic', owner }
  }

  /**
   * Checks a user and password (Basic, or the token route's body); throws 401 (audited, held back
   * by the throttle) when refused. Returns the credential the password matched.
   */
  async login(request: FastifyRequest, user: string, password: string, mechanismLabel: string): Promise<TokenEntryOwner> {
    const clientAddress = clientAddressOf(request.socket.remoteAddress)
    // One address gets at most httpPasswordChecksPerAddressMax logins at once (their throttle waits
    // included): parallel connections cannot multiply its guesses, nor starve other addresses.
    const pending = this.#pendingByAddress.get(clientAddress) ?? 0
    if (pending >= this.#gateway.security.config.limits.httpPasswordChecksPerAddressMax) {
      this.#gateway.security.audit.loginFailed({ user: user.slice(0, 64), clientAddress, mechanism: mechanismLabel, listener: 'http',
        reason: 'too many logins at once from this address' })
      throw new FaecieError(ErrorCode.TOO_MANY_IN_FLIGHT, `${pending} logins from ${clientAddress} are in progress; at most ` +
        `${this.#gateway.security.config.limits.httpPasswordChecksPerAddressMax} (security.limits.httpPasswordChecksPerAddressMax). Use a bearer token (POST /v1/auth/tokens).`)
    }
    this.#pendingByAddress.set(clientAddress, pending + 1)
    try {
      return await this.#login(request, clientAddress, user, password, mechanismLabel)
    } finally {
      const left = (this.#pendingByAddress.get(clientAddress) ?? 1) - 1
      if (left <= 0) this.#pendingByAddress.delete(clientAddress)
      else this.#pendingByAddress.set(clientAddress, left)
    }
  }

  async #login(request: FastifyRequest, clientAddress: string, user: string, password: string, mechanismLabel: string): Promise<TokenEntryOwner> {
    const problem = passwordTransportProblem(request)
    if (problem !== undefined) {
      await this.#failed(clientAddress, user, mechanismLabel, 'password over plain http')
      throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, problem)
    }
    if (user.length === 0 || user.length > this.#gateway.security.config.limits.userNameCharsMax) {
      await this.#failed(clientAddress, user.slice(0, 64), mechanismLabel, 'bad user name')
      throw new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'Unknown user or wrong password.')
    }
    let result
    try {
      result = await this.passwords.check(user, password)
    } catch (err) {
      if (err instanceof FaecieError && err.code === ErrorCode.TOO_MANY_IN_FLIGHT) await this.#failed(clientAddress, user, mechanismLabel, 'password checks busy')
      throw err
    }
    if (!result.ok) {
      await this.#failed(clientAddress, user, mechanismLabel, result.reason)
      throw new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'Unknown user or wrong password.')
    }
    if (!result.cached) {
      this.#throttle?.succeeded(clientAddress)
      this.#gateway.security.audit.loginSucceeded({ principal: `User:${user}`, clientAddress, mechanism: mechanismLabel, listener: 'http' })
    }
    return { user, mechanism: result.mechanism, credentialFingerprint: credentialFingerprint(result.credential) }
  }

  /** Whether a token's user still has the credential it was issued against. */
  tokenStillValid = (entry: TokenEntry): boolean => {
    const credential = this.#gateway.security.state.credential(entry.user, entry.mechanism)
    return credential !== undefined && credentialFingerprint(credential) === entry.credentialFingerprint
  }

  async #bearer(request: FastifyRequest, token: string): Promise<RequestAuth> {
    const entry = this.tokens.lookup(token, this.tokenStillValid)
    if (entry === undefined) {
      await this.#failed(clientAddressOf(request.socket.remoteAddress), '', 'bearer', 'unknown, expired or revoked token')
      throw new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED,
        'The bearer token is unknown, expired or revoked (tokens do not survive a broker restart): get a new one with POST /v1/auth/tokens.')
    }
    return { principal: `User:${entry.user}`, user: entry.user, via: 'bearer', token, expiresAtMs: entry.expiresAtMs }
  }

  async #failed(clientAddress: string, user: string, mechanism: string, reason: string): Promise<void> {
    this.#gateway.security.audit.loginFailed({ user, clientAddress, mechanism, listener: 'http', reason })
    await this.#throttle?.failed(clientAddress)
  }
}

/** What a successful password check hands the token store. */
export type TokenEntryOwner = Omit<TokenEntry, 'issuedAtMs' | 'expiresAtMs'>


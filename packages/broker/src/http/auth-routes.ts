// /v1/auth: bearer tokens for the HTTP API (issue 19; docs/http-api.md "Authentication").
//
//   POST   /v1/auth/tokens           a new token for a password: Basic credentials, or the JSON body
//                                    {user, password, lifetimeMs?} (the console's login page); 201
//                                    {token, tokenType, principal, mechanism, expiresAt, expiresAtMs}
//                                    (mechanism: the user's SCRAM credential the password matched, which
//                                    a WebSocket login of the same user can use)
//   DELETE /v1/auth/tokens/current   revokes the bearer token the request presents
//   GET    /v1/auth/whoami           the principal the request acts as, and how it authenticated
//
// A token is issued for a password only, never for another token (a stolen token must not outlive
// its expiry). Without --auth scram there is nothing to log in to: the token routes answer 400
// SECURITY_DISABLED and whoami says authenticationRequired false.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ANONYMOUS_PRINCIPAL } from '../security/gateway-security.js'
import { invalidInput } from './errors.js'
import type { HttpAuth, RequestAuth, TokenEntryOwner } from './http-auth.js'
import type { HttpApiContext } from './http-session.js'
import { intParam } from './params.js'

function securityDisabled(): FaecieError {
  return new FaecieError(ErrorCode.SECURITY_DISABLED, 'This broker does not authenticate (--auth none): no token is needed, requests act as User:ANONYMOUS.')
}

/** The owner of the token to issue: the Basic credentials the hook checked, or the body's user and password. */
async function ownerOf(auth: HttpAuth, request: FastifyRequest, checked: RequestAuth | undefined, body: Record<string, unknown>): Promise<TokenEntryOwner> {
  if (checked?.via === 'bearer') throw invalidInput('credentials', 'a token is issued for a password (Basic, or user and password in the body), not for another token')
  if (checked?.owner !== undefined) return checked.owner
  if (typeof body.user !== 'string' || typeof body.password !== 'string') {
    throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, 'Give Basic credentials, or a JSON body {"user": ..., "password": ...}.')
  }
  return auth.login(request, body.user, body.password, 'password')
}

export async function registerAuthRoutes(app: FastifyInstance, ctx: HttpApiContext): Promise<void> {
  const { auth, gateway } = ctx
  const limits = gateway.security.config.limits

  app.post('/auth/tokens', { bodyLimit: ctx.limits.smallBodyBytesMax }, async (request, reply) => {
    if (!auth.required) throw securityDisabled()
    const raw = request.body ?? {}
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidInput('body', 'expected a JSON object')
    const body = raw as Record<string, unknown>
    const lifetimeMs = intParam('lifetimeMs', body.lifetimeMs, { min: 1000, max: limits.httpTokenLifetimeMsMax }, limits.httpTokenLifetimeMs)
    const owner = await ownerOf(auth, request, auth.of(request.raw), body)
    const { token, entry } = auth.tokens.issue(owner, lifetimeMs)
    ctx.logger.info({ principal: `User:${entry.user}`, clientAddress: request.socket.remoteAddress, expiresAtMs: entry.expiresAtMs }, 'HTTP token issued')
    return reply.code(201).header('cache-control', 'no-store').send({
      token, tokenType: 'Bearer', principal: `User:${entry.user}`, mechanism: entry.mechanism,
      expiresAt: new Date(entry.expiresAtMs).toISOString(), expiresAtMs: entry.expiresAtMs,
    })
  })

  app.delete('/auth/tokens/current', async (request) => {
    if (!auth.required) throw securityDisabled()
    const checked = auth.of(request.raw)
    if (checked?.via !== 'bearer' || checked.token === undefined) {
      throw invalidInput('credentials', 'present the token to revoke as Authorization: Bearer <token>')
    }
    return { revoked: auth.tokens.revoke(checked.token), principal: checked.principal }
  })

  app.get('/auth/whoami', async (request) => {
    const checked = auth.of(request.raw)
    return {
      principal: checked?.principal ?? ANONYMOUS_PRINCIPAL,
      user: checked?.user ?? null,
      via: checked?.via ?? 'none',
      authenticationRequired: auth.required,
      expiresAt: checked?.expiresAtMs === undefined ? null : new Date(checked.expiresAtMs).toISOString(),
    }
  })
}

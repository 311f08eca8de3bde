// CORS for the HTTP API: a page on an origin the broker allows (its own, or one given with
// `--allowed-origins`) may read answers and send JSON from another origin. The answer names that
// one origin (never `*`), with `Vary: Origin`; a preflight (OPTIONS with
// Access-Control-Request-Method) from an allowed origin gets 204 and the methods and headers the API
// uses. A page on any other origin gets no CORS headers, so its browser keeps the answer from it, and
// its state-changing requests are refused with 403 before they run (gateway-server.ts).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { OriginPolicy } from './origin.js'

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
// Authorization: bearer tokens and Basic (http/http-auth.ts); X-Requested-With: a script asking for no Basic challenge.
const ALLOWED_HEADERS = 'Content-Type, Last-Event-ID, Authorization, X-Requested-With'
/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600

/** Adds CORS headers for an allowed cross-origin request; true when it answered a preflight itself. */
export function applyCors(request: FastifyRequest, reply: FastifyReply, origins: OriginPolicy): boolean {
  const origin = request.headers.origin
  if (origin === undefined || !origins.allows(origin)) return false
  reply.header('Access-Control-Allow-Origin', origin)
  reply.header('Vary', 'Origin')
  if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return false
  reply.header('Access-Control-Allow-Methods', ALLOWED_METHODS)
  reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
  reply.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS))
  void reply.code(204).send()
  return true
}

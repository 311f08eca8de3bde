// The OpenAPI security schemes (HTTP Basic and bearer tokens) and the paths of /v1/auth
// (auth-routes.ts), merged into openapi.ts. The document says every operation accepts either scheme
// or none: a broker without --auth scram asks for no credentials, one with it for one of the two
// (http-auth.ts; the public routes are /health, /openapi.json, /ui and the WebSocket).

type Json = Record<string, unknown>

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` })
const ok = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } })
const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: ref('Error') } } })

export const unauthorized = errorResponse('With --auth scram: no credentials, wrong ones, an unknown, expired or revoked token ' +
  '(SASL_AUTHENTICATION_FAILED), or a password over plain http from another host (AUTHENTICATION_REQUIRED). Comes with WWW-Authenticate.')
export const denied = errorResponse('An ACL does not let the principal do this (TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED, naming the principal and operation).')

export const SECURITY_SCHEMES: Record<string, Json> = {
  basic: {
    type: 'http', scheme: 'basic',
    description: 'user:password of a SCRAM user (faecie users create), checked against the stored SCRAM credential. ' +
      'Accepted only over https or from a loopback address.',
  },
  bearer: {
    type: 'http', scheme: 'bearer', bearerFormat: 'fct_<base64url of 32 bytes>',
    description: 'A token from POST /v1/auth/tokens. Held in the issuing broker\'s memory only: it does not survive a restart and ' +
      'another broker of a cluster does not know it. Revoked by DELETE /v1/auth/tokens/current, on expiry, and when its ' +
      'user is deleted or changes password.',
  },
}

/** Either scheme, or none (a broker without --auth scram). */
export const SECURITY: Json[] = [{ basic: [] }, { bearer: [] }, {}]

export const AUTH_SCHEMAS: Record<string, Json> = {
  TokenRequest: {
    type: 'object',
    description: 'Optional with Basic credentials; otherwise user and password (only over https or from a loopback address).',
    properties: {
      user: { type: 'string' },
      password: { type: 'string' },
      lifetimeMs: { type: 'integer', minimum: 1000, maximum: 86_400_000, description: 'Default 3600000 (security.limits.httpTokenLifetimeMs).' },
    },
  },
  Token: {
    type: 'object',
    required: ['token', 'tokenType', 'principal', 'mechanism', 'expiresAt', 'expiresAtMs'],
    properties: {
      token: { type: 'string', description: 'Send as Authorization: Bearer <token>. Shown once: the broker keeps only its SHA-256.' },
      tokenType: { type: 'string', const: 'Bearer' },
      principal: { type: 'string', examples: ['User:alice'] },
      mechanism: { type: 'string', enum: ['SCRAM-SHA-256', 'SCRAM-SHA-512'], description: 'The credential the password matched (for a WebSocket SCRAM login).' },
      expiresAt: { type: 'string', format: 'date-time' },
      expiresAtMs: { type: 'integer', description: 'expiresAt in ms since the epoch.' },
    },
  },
  WhoAmI: {
    type: 'object',
    required: ['principal', 'user', 'via', 'authenticationRequired', 'expiresAt'],
    properties: {
      principal: { type: 'string', description: 'User:ANONYMOUS on a broker without --auth scram.' },
      user: { type: ['string', 'null'] },
      via: { type: 'string', enum: ['basic', 'bearer', 'none'] },
      authenticationRequired: { type: 'boolean' },
      expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'The bearer token\'s expiry.' },
    },
  },
}

const disabled = errorResponse('Invalid input, or a broker without --auth scram (SECURITY_DISABLED).')

export const AUTH_PATHS: Record<string, Json> = {
  '/v1/auth/tokens': {
    post: {
      operationId: 'issueToken', summary: 'A bearer token for a password (Basic credentials or a JSON body).',
      requestBody: { required: false, content: { 'application/json': { schema: ref('TokenRequest') } } },
      responses: {
        201: ok('The token.', ref('Token')), 400: disabled, 401: unauthorized,
        429: errorResponse('Too many tokens held (TOO_MANY_SESSIONS) or password checks running (TOO_MANY_IN_FLIGHT).'),
      },
    },
  },
  '/v1/auth/tokens/current': {
    delete: {
      operationId: 'revokeToken', summary: 'Revokes the bearer token this request presents.',
      security: [{ bearer: [] }],
      responses: {
        200: ok('Revoked.', { type: 'object', properties: { revoked: { type: 'boolean' }, principal: { type: 'string' } } }),
        400: disabled, 401: unauthorized,
      },
    },
  },
  '/v1/auth/whoami': {
    get: {
      operationId: 'whoAmI', summary: 'The principal this request acts as and how it authenticated.',
      responses: { 200: ok('Who.', ref('WhoAmI')), 401: unauthorized },
    },
  },
}

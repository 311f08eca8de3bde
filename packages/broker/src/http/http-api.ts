// The HTTP JSON API (issue 6, docs/http-api.md): topics, records, live tail as Server-Sent Events,
// groups under /v1, and the OpenAPI document at /openapi.json, on the gateway's fastify instance.
// Every route runs protocol ops through the WebSocket API's validators and handlers
// (http-session.ts); errors are answered as errors.ts says. The routes live in their own fastify
// context, so their error and not-found handlers touch no other route of the port (/metrics, /ui).
// In a cluster, partition routes answer 421 on a broker that does not lead the partition
// (leadership.ts) and /health gains `cluster` (cluster-health.ts). /v1/cluster and /v1/reassignments
// describe the cluster (a single broker as a cluster of one; cluster-routes.ts).
// Origin checks for POST and DELETE are the gateway's (gateway-server.ts onRequest: 403).
// With --auth scram every route of the port but the public ones needs credentials (http-auth.ts,
// a root hook: /metrics too); /v1/auth issues and revokes bearer tokens (auth-routes.ts).
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '../gateway/context.js'
import { CLUSTER_RESOURCE_NAME, FaecieError, ErrorCode } from '@faecie/protocol'
import { clientAddressOf } from '../security/client-address.js'
import { ANONYMOUS_PRINCIPAL } from '../security/principals.js'
import { registerAuthRoutes } from './auth-routes.js'
import { addClusterHealth, HEALTH_PATH } from './cluster-health.js'
import { registerClusterRoutes } from './cluster-routes.js'
import { sendError } from './errors.js'
import { registerGroupRoutes } from './groups.js'
import { HttpAuth, type LoginThrottle } from './http-auth.js'
import { HttpSessions, type HttpApiContext } from './http-session.js'
import { defaultHttpLimits, type HttpLimits } from './limits.js'
import { useDepthCheckedJsonParser } from './json-body.js'
import { OPENAPI_DOCUMENT } from './openapi.js'
import { registerProduceRoute } from './produce.js'
import { registerReadRoute } from './read.js'
import { registerTailRoutes, TailStreams } from './tail.js'
import { registerTopicRoutes } from './topics.js'

export const API_PREFIX = '/v1'
const METRICS_PATH = '/metrics'

export interface HttpApiOptions {
  /** Overrides of the defaults (limits.ts defaultHttpLimits). */
  limits?: Partial<HttpLimits>
  /** Slows failed logins per source address; default gateway.security's loginThrottle (security/login-throttle.ts). */
  loginThrottle?: LoginThrottle
}

/**
 * With --auth scram: the public /health tells only whether the broker serves (its detail names the
 * data directory, topics and damaged partitions), and /metrics (every topic's and group's figures)
 * needs Describe on the cluster, as Kafka's DescribeCluster-level data would.
 */
function guardHealthAndMetrics(app: FastifyInstance, gateway: Gateway, auth: HttpAuth): void {
  if (!gateway.security.authenticationRequired) return
  app.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    if (request.routeOptions.url !== HEALTH_PATH || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload
    return { status: (payload as { status?: unknown }).status }
  })
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url !== METRICS_PATH) return
    const subject = { principal: auth.of(request.raw)?.principal ?? ANONYMOUS_PRINCIPAL, clientAddress: clientAddressOf(request.socket.remoteAddress) }
    const refusal = gateway.security.refusal(subject, 'Describe', 'cluster', CLUSTER_RESOURCE_NAME)
    if (refusal !== undefined) return reply.code(403).send({ error: refusal.toWire() })
  })
}

export async function registerHttpApi(app: FastifyInstance, gateway: Gateway, options: HttpApiOptions = {}): Promise<void> {
  const limits: HttpLimits = { ...defaultHttpLimits(gateway.limits), ...options.limits }
  const logger = gateway.logger.child({ module: 'http-api' })
  const auth = new HttpAuth(gateway, logger.child({ module: 'http-auth' }), options.loginThrottle)
  const ctx: HttpApiContext = { gateway, limits, logger, auth, sessions: new HttpSessions(gateway, limits, logger, (raw) => auth.of(raw)) }
  auth.install(app)
  const streams = new TailStreams(ctx)
  // Before the HTTP server waits for open requests to finish: live tails would never finish.
  app.addHook('preClose', async () => streams.endAll('broker shutting down'))

  app.get('/openapi.json', async () => OPENAPI_DOCUMENT)
  addClusterHealth(app, gateway)
  guardHealthAndMetrics(app, gateway, auth)
  await app.register(async (api) => {
    api.setErrorHandler(sendError(logger))
    useDepthCheckedJsonParser(api, limits.jsonDepthMax)
    api.setNotFoundHandler(async (request, reply) => {
      const error = new FaecieError(ErrorCode.INVALID_REQUEST, `No such endpoint: ${request.method} ${request.url.split('?')[0]} (see /openapi.json).`)
      return reply.code(404).send({ error: error.toWire() })
    })
    await registerTopicRoutes(api, ctx)
    await registerProduceRoute(api, ctx)
    await registerReadRoute(api, ctx)
    await registerTailRoutes(api, ctx, streams)
    await registerGroupRoutes(api, ctx)
    await registerClusterRoutes(api, ctx)
    await registerAuthRoutes(api, ctx)
  }, { prefix: API_PREFIX })
}

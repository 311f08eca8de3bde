// GET /metrics in the Prometheus text format (issue 6), from the broker's own Registry (see
// broker-metrics.ts for what is there and how label cardinality is capped). Registered on the
// gateway's fastify instance; GET is a safe method, so the Origin check does not apply.
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '../gateway/context.js'

export async function registerMetrics(app: FastifyInstance, gateway: Gateway): Promise<void> {
  const registry = gateway.metrics.registry
  app.get('/metrics', async (_request, reply) => {
    const text = await gateway.metrics.scrape()
    return reply.header('content-type', registry.contentType).send(text)
  })
}

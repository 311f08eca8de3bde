// GET /metrics in the Prometheus text format (issue 6). Registered on the gateway's fastify instance.
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '../gateway/context.js'

export async function registerMetrics(_app: FastifyInstance, _gateway: Gateway): Promise<void> {
  // Filled in by the metrics work.
}

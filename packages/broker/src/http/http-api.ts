// The HTTP JSON API (issue 6): topics, records, live tail as Server-Sent Events, groups, and the
// OpenAPI document at /openapi.json. Registered on the gateway's fastify instance.
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '../gateway/context.js'

export async function registerHttpApi(_app: FastifyInstance, _gateway: Gateway): Promise<void> {
  // Filled in by the HTTP API work.
}

// The web console (packages/console, built by Vite) served as static files at /ui (issue 6).
import type { FastifyInstance } from 'fastify'

export async function registerConsole(_app: FastifyInstance): Promise<void> {
  // Filled in by the console work.
}

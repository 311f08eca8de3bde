// The web console (packages/console, built by Vite into packages/console/dist) served as static
// files at /ui: index.html for /ui and /ui/, the hashed assets below /ui/assets/ with a long cache.
// The broker never imports the console's code; it only serves its built files, found beside the
// broker's own install (packages/broker/dist/ui/ -> packages/console/dist) unless
// FAECIE_CONSOLE_DIR names another folder. When the files are not there, /ui answers 404 with how
// to build them. The page connects back to this broker over /v1/ws; the broker's own origin is
// allowed by the origin policy (origin.ts).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { openStaticFile, resolveStaticFile } from './static-files.js'

export const CONSOLE_PATH = '/ui'

/** Where the console's built files are: FAECIE_CONSOLE_DIR, else packages/console/dist beside this package. */
export function consoleDistDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.FAECIE_CONSOLE_DIR
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  return fileURLToPath(new URL('../../../console/dist', import.meta.url))
}

export const NOT_BUILT_MESSAGE = (dir: string): string =>
  `The faecie web console is not built (no ${join(dir, 'index.html')}).\n` +
  'Build it from the faecie checkout with `pnpm run build` (or `pnpm --filter @faecie/console run build`), then reload this page.\n' +
  'Set FAECIE_CONSOLE_DIR to serve a console built elsewhere.\n'

/** The console's pages talk only to this broker: everything else is refused by the browser. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

export interface ConsoleRouteOptions {
  /** The folder with index.html and assets/; default consoleDistDir(). */
  distDir?: string
}

export async function registerConsole(app: FastifyInstance, options: ConsoleRouteOptions = {}): Promise<void> {
  const dir = options.distDir ?? consoleDistDir()

  const send = async (reply: FastifyReply, urlPath: string): Promise<FastifyReply> => {
    const file = await resolveStaticFile(dir, urlPath)
    if (file === undefined) {
      if (!existsSync(join(dir, 'index.html'))) return reply.code(404).type('text/plain; charset=utf-8').send(NOT_BUILT_MESSAGE(dir))
      return reply.code(404).type('text/plain; charset=utf-8').send(`Not found: ${CONSOLE_PATH}/${urlPath.replace(/^\/+/, '')}\n`)
    }
    reply.header('content-type', file.contentType)
    reply.header('content-length', file.sizeBytes)
    reply.header('cache-control', file.cacheControl)
    reply.header('x-content-type-options', 'nosniff')
    if (file.contentType.startsWith('text/html')) {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
      reply.header('x-frame-options', 'DENY')
      reply.header('referrer-policy', 'no-referrer')
    }
    return reply.send(openStaticFile(file))
  }

  // A person who opens the broker's address in a browser lands in the console.
  app.get('/', (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`))
  app.get(CONSOLE_PATH, (_request, reply) => send(reply, 'index.html'))
  app.get(`${CONSOLE_PATH}/`, (_request, reply) => send(reply, 'index.html'))
  app.get<{ Params: { '*': string } }>(`${CONSOLE_PATH}/*`, (request, reply) => {
    // The raw URL, not fastify's decoded parameter: resolveStaticFile decodes it once, itself.
    const raw = (request.raw.url ?? '').slice(CONSOLE_PATH.length + 1).split('?')[0]!
    return send(reply, raw === '' ? 'index.html' : raw)
  })
}

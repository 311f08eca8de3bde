// The console's static routes with fastify's inject, over a temporary dist folder: index.html at
// /ui and /ui/, hashed assets with a long cache, 404s, the "not built" message, and path traversal
// refused in its encoded and unencoded forms (a secret beside the dist folder must never be served).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleDistDir, registerConsole } from './console-routes.js'
import { IMMUTABLE_CACHE, resolveStaticFile } from './static-files.js'

let base: string
let dist: string
let app: FastifyInstance

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'faecie-console-routes-'))
  dist = join(base, 'dist')
  mkdirSync(join(dist, 'assets'), { recursive: true })
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>')
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)')
  writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body{}')
  writeFileSync(join(base, 'secret.txt'), 'TOP SECRET')
  app = Fastify()
  await registerConsole(app, { distDir: dist })
  await app.ready()
})

afterAll(async () => {
  await app.close()
  rmSync(base, { recursive: true, force: true })
})

describe('the console routes', () => {
  it('serves index.html at /ui and /ui/, revalidated, with a strict CSP', async () => {
    for (const url of ['/ui', '/ui/']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.headers['content-security-policy']).toContain("connect-src 'self'")
      expect(res.body).toContain('<title>console</title>')
    }
  })

  it('sends a browser at the root of the broker to the console', async () => {
    const res = await app.inject({ method: 'GET', url: '/' })
    expect([res.statusCode, res.headers.location]).toEqual([302, '/ui/'])
  })

  it('serves hashed assets with a long cache and their content type', async () => {
    const js = await app.inject({ method: 'GET', url: '/ui/assets/index-abc123.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe(IMMUTABLE_CACHE)
    expect(js.body).toBe('console.log(1)')
    const css = await app.inject({ method: 'GET', url: '/ui/assets/index-abc123.css?v=1' })
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await app.inject({ method: 'HEAD', url: '/ui/assets/index-abc123.js' })).statusCode).toBe(200)
  })

  it('answers 404 for a missing file', async () => {
    const res = await app.inject({ method: 'GET', url: '/ui/assets/nope.js' })
    expect(res.statusCode).toBe(404)
    expect(res.body).toContain('Not found')
  })

  it('never serves a file outside the dist folder', async () => {
    for (const url of ['/ui/../secret.txt', '/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt', '/ui/assets/..%2f..%2fsecret.txt', '/ui/%2e%2e%5csecret.txt', '/ui/%00', '/ui/%E0%A4%A']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.body, url).not.toContain('TOP SECRET')
      expect([400, 404], url).toContain(res.statusCode)
    }
    expect(await resolveStaticFile(dist, '../secret.txt')).toBeUndefined()
    expect(await resolveStaticFile(dist, `/${join(base, 'secret.txt')}`)).toBeUndefined()
    expect(await resolveStaticFile(dist, 'assets')).toBeUndefined()
  })

  it('tells how to build the console when it is not built', async () => {
    const bare = Fastify()
    await registerConsole(bare, { distDir: join(base, 'missing') })
    const res = await bare.inject({ method: 'GET', url: '/ui' })
    await bare.close()
    expect(res.statusCode).toBe(404)
    expect(res.body).toContain('pnpm run build')
  })

  it('finds the console beside the broker unless FAECIE_CONSOLE_DIR says otherwise', () => {
    expect(consoleDistDir({})).toMatch(/packages[/\\]console[/\\]dist$/)
    expect(consoleDistDir({ FAECIE_CONSOLE_DIR: '/srv/console' })).toBe('/srv/console')
  })
})

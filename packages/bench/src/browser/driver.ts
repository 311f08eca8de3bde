// Drives the benchmark page: serves it (an HTML page and bundle.ts's script) from a local HTTP server
// on 127.0.0.1 and any free port, launches headless Chromium through playwright-core (Debian's
// `chromium`, which playwright-core does not bring: FAECIE_CHROMIUM, a known path, or `which
// chromium`), opens the page and runs its workloads by name. The broker must allow the page's
// `origin` (`--allowed-origins`). close() ends the browser and the server.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { Browser, Page } from 'playwright-core'
import type { ConsumeOptions } from '../consume.js'
import type { LatencyOptions } from '../latency.js'
import type { PreEncodedOptions, PreEncodedResult } from '../pre-encoded.js'
import type { ProduceOptions } from '../produce.js'
import type { PerfResult } from '../result.js'
import { buildPageBundle } from './bundle.js'
import type { PageTimers, PageWorkload } from './page.js'

/** Where Debian's package puts the binary, and names it may go by elsewhere (as test/support/chromium.ts). */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-timer-throttling', '--disable-renderer-backgrounding']
const PAGE_LOAD_TIMEOUT_MS = 30_000

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>faecie browser bench</title></head>
<body><script type="module" src="/bench.js"></script></body></html>`

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The Chromium binary to drive: FAECIE_CHROMIUM, a known path, or `which chromium`; undefined when none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.FAECIE_CHROMIUM
  if (fromEnv !== undefined && fromEnv !== '') return executable(fromEnv) ? fromEnv : undefined
  const known = CHROMIUM_PATHS.find(executable)
  if (known !== undefined) return known
  const which = spawnSync('which', ['chromium'], { encoding: 'utf8' })
  const path = which.status === 0 ? which.stdout.trim() : ''
  return path !== '' && executable(path) ? path : undefined
}

export interface BrowserBench {
  /** The page's origin, for the broker's --allowed-origins. */
  origin: string
  /** Chromium's version, e.g. `156.0.8078.114`. */
  version: string
  produce(brokerUrl: string, options: ProduceOptions): Promise<PerfResult>
  consume(brokerUrl: string, options: ConsumeOptions): Promise<PerfResult>
  /** `timers`: 'node' (unclamped, as Node's) or 'browser' (the page's own, clamped to 4 ms when nested). */
  latency(brokerUrl: string, options: LatencyOptions, timers: PageTimers): Promise<PerfResult>
  /** Ready-made produce frames over the page's WebSocket to `serverUrl` (a server that only acks). */
  preEncoded(serverUrl: string, options: PreEncodedOptions): Promise<PreEncodedResult>
  close(): Promise<void>
}

/** Bundles the page, serves it, launches Chromium and opens the page; throws when any of it fails (and undoes the rest). */
export async function startBrowserBench(executablePath: string): Promise<BrowserBench> {
  const script = await buildPageBundle()
  const server = await serve(script)
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  let browser: Browser | undefined
  try {
    const { chromium } = await import('playwright-core')
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
    const page = await openPage(browser, origin)
    const opened = browser
    const run = <R = PerfResult>(workload: PageWorkload) => (brokerUrl: string, ...args: unknown[]): Promise<R> =>
      // An expression, not a function: nothing of this process's code is handed to the page.
      page.evaluate(`window.faecieBench.${workload}(${[brokerUrl, ...args].map((a) => JSON.stringify(a)).join(', ')})`) as Promise<R>
    return {
      origin,
      version: opened.version(),
      produce: run('produce'),
      consume: run('consume'),
      latency: run('latency'),
      preEncoded: run<PreEncodedResult>('preEncoded'),
      close: async () => {
        await opened.close().catch(() => undefined)
        await closeServer(server)
      },
    }
  } catch (err) {
    await browser?.close().catch(() => undefined)
    await closeServer(server)
    throw err
  }
}

async function serve(script: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const body = path === '/' ? PAGE_HTML : path === '/bench.js' ? script : undefined
    if (body === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
    res.end(body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return server
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

async function openPage(browser: Browser, origin: string): Promise<Page> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`${origin}/`)
  await page.waitForFunction('window.faecieBenchReady === true', undefined, { timeout: PAGE_LOAD_TIMEOUT_MS }).catch((err: Error) => {
    throw new Error(`the bench page did not load: ${errors.join('; ') || err.message}`)
  })
  return page
}

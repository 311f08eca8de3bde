// @faecie/client in a real browser: headless Debian Chromium (installed by test/support/chromium.ts
// when missing), driven by playwright-core, loads a page and a browser bundle of the client (built
// here with esbuild from packages/client/src/index.ts, platform browser) from a local HTTP server,
// and talks to a real broker process started with --allowed-origins for that page's origin. In the
// page: create a topic, produce records with keys and headers (gzip in one send), read them back
// with a fetch consumer and a push consumer, describe the topic; the results come back through
// page.evaluate and are checked here. A page from another origin is refused by the broker.
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { partitionForKey } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'

const CLIENT_ENTRY = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url))

/**
 * The page's own code, plain JavaScript served as a module (not a function handed to
 * page.evaluate, which the test runner's transform could rewrite). `runFaecieTest` returns only
 * plain data: strings for keys and values, byte arrays as number arrays.
 */
const PAGE_SCRIPT = `
import * as faecieModule from '/faecie.js'
const { Faecie } = faecieModule
const decoder = new TextDecoder()
const text = (bytes) => (bytes === null ? null : decoder.decode(bytes))
const plainHeaders = (headers) => Object.fromEntries(Object.entries(headers).map(([key, value]) =>
  [key, Array.isArray(value) ? value.map(text) : key === 'bin' ? Array.from(value) : text(value)]))

async function readBack(faecie, topic, partitions, count, mode) {
  const consumer = faecie.consumer({ autoOffsetReset: 'earliest', mode })
  consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0 })))
  const out = []
  try {
    for await (const m of consumer.stream()) {
      out.push({ partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: text(m.key), value: text(m.value), headers: plainHeaders(m.headers) })
      if (out.length >= count) break
    }
  } finally {
    await consumer.disconnect()
  }
  return out
}

window.runFaecieTest = async (brokerUrl, topic) => {
  const faecie = new Faecie({ brokers: [brokerUrl], clientId: 'browser-test' })
  const admin = faecie.admin()
  const [created] = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
  const producer = faecie.producer({ lingerMs: 2 })
  const messages = []
  for (let i = 0; i < 20; i++) {
    messages.push({ key: 'user-' + (i % 3), value: 'event ' + i, timestamp: 1700000000000 + i,
      headers: { seq: String(i), source: 'browser', bin: new Uint8Array([i, 255]) } })
  }
  const sent = await producer.send({ topic, messages })
  await producer.disconnect()
  const zipped = faecie.producer({ compression: 'gzip' })
  await zipped.send({ topic, messages: [{ key: null, value: 'gzipped, no key', partition: 1,
    headers: [{ key: 'dup', value: 'a' }, { key: 'dup', value: 'b' }] }] })
  await zipped.disconnect()
  const fetched = await readBack(faecie, topic, [0, 1], 21, 'fetch')
  const pushed = await readBack(faecie, topic, [0, 1], 21, 'push')
  const [described] = await admin.describeTopics({ topics: [topic] })
  await admin.disconnect()
  return {
    topicId: created.topicId,
    sent: sent.map((r) => ({ partition: r.partition, baseOffset: r.baseOffset })),
    fetched,
    pushed,
    highWatermarks: described.partitions.map((p) => p.highWatermark),
  }
}

window.tryFaecie = async (brokerUrl) => {
  const faecie = new Faecie({ brokers: [brokerUrl], clientId: 'browser-test', retry: { retries: 0 }, connectTimeoutMs: 5000 })
  const admin = faecie.admin()
  try {
    return { ok: true, topics: await admin.listTopics() }
  } catch (err) {
    return { ok: false, name: err.errorName ?? err.name, message: String(err.message) }
  } finally {
    await admin.disconnect()
  }
}
window.faecieReady = true
`

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>faecie browser test</title></head>
<body><script type="module" src="/page.js"></script></body></html>`

interface PageRecord {
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: Record<string, string | null | number[] | Array<string | null>>
}

interface PageResult {
  topicId: string
  sent: Array<{ partition: number; baseOffset: number }>
  fetched: PageRecord[]
  pushed: PageRecord[]
  highWatermarks: number[]
}

let bundle: string
let server: Server
let port: number
let broker: BrokerProcess
let browser: Browser

/** The client bundled for browsers; fails naming the client file that pulls in `ws` or a `node:` module. */
async function buildBrowserBundle(): Promise<string> {
  let result
  try {
    result = await build({ entryPoints: [CLIENT_ENTRY], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, logLevel: 'silent' })
  } catch (err) {
    throw new Error(`the browser entry of @faecie/client does not bundle for browsers: ${(err as Error).message}`)
  }
  const isNodeOnly = (path: string): boolean => path.startsWith('node:') || path === 'ws' || /node_modules\/ws\/|\.pnpm\/ws@/.test(path)
  const nodeOnly = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
    input.imports.filter((i) => isNodeOnly(i.path)).map((i) => `${file} imports ${i.path}`))
  expect(nodeOnly, 'the browser bundle must not pull in ws or node: modules').toEqual([])
  return result.outputFiles[0]!.text
}

async function openPage(origin: string): Promise<Page> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`${origin}/`)
  await page.waitForFunction('window.faecieReady === true', undefined, { timeout: 15_000 }).catch((err: Error) => {
    throw new Error(`the test page did not load the client: ${errors.join('; ') || err.message}`)
  })
  return page
}

beforeAll(async () => {
  // Installing chromium (first run on a fresh machine) can take minutes.
  const executablePath = ensureChromium()
  bundle = await buildBrowserBundle()
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const body = path === '/' ? PAGE_HTML : path === '/page.js' ? PAGE_SCRIPT : path === '/faecie.js' ? bundle : undefined
    if (body === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
  broker = await startBrokerProcess({ args: ['--allowed-origins', `http://127.0.0.1:${port}`] })
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}, 20 * 60_000)

afterAll(async () => {
  await browser?.close()
  await broker?.stop()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
})

describe('the client in headless Chromium', () => {
  it('creates a topic, produces keyed records with headers, and reads them back by fetch and by push', async () => {
    const page = await openPage(`http://127.0.0.1:${port}`)
    const result = (await page.evaluate(`window.runFaecieTest(${JSON.stringify(broker.url)}, 'browser-events')`)) as PageResult
    await page.close()

    expect(result.topicId).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.highWatermarks.reduce((a, b) => a + b, 0)).toBe(21)
    for (const records of [result.fetched, result.pushed]) {
      expect(records).toHaveLength(21)
      const keyed = records.filter((r) => r.key !== null)
      expect(keyed.map((r) => r.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `event ${i}`).sort())
      for (const r of keyed) {
        const i = Number(r.value!.split(' ')[1])
        // Kafka's partitioner, computed the same in the browser as here.
        expect(r).toEqual({
          partition: partitionForKey(`user-${i % 3}`, 2),
          offset: r.offset,
          timestamp: 1_700_000_000_000 + i,
          key: `user-${i % 3}`,
          value: `event ${i}`,
          headers: { seq: String(i), source: 'browser', bin: [i, 255] },
        })
      }
      // Per partition: offsets 0, 1, 2, ... and, per key, the order sent.
      for (const partition of [0, 1]) {
        const mine = records.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset)
        expect(mine.map((r) => r.offset)).toEqual(mine.map((_, i) => i))
        for (const key of ['user-0', 'user-1', 'user-2']) {
          const seqs = mine.filter((r) => r.key === key).map((r) => Number(r.headers.seq))
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
        }
      }
      const unkeyed = records.filter((r) => r.key === null)
      expect(unkeyed).toEqual([expect.objectContaining({ partition: 1, value: 'gzipped, no key', headers: { dup: ['a', 'b'] } })])
    }
    expect(result.sent.every((s) => s.baseOffset === 0)).toBe(true)
  })

  it('is refused by the broker when the page comes from an origin it does not allow', async () => {
    // Same server, another origin: http://localhost:PORT is not http://127.0.0.1:PORT.
    const allowed = await openPage(`http://127.0.0.1:${port}`)
    const ok = (await allowed.evaluate(`window.tryFaecie(${JSON.stringify(broker.url)})`)) as { ok: boolean; topics?: string[] }
    await allowed.close()
    expect(ok).toEqual({ ok: true, topics: ['browser-events'] })

    const other = await openPage(`http://localhost:${port}`)
    const refused = (await other.evaluate(`window.tryFaecie(${JSON.stringify(broker.url)})`)) as { ok: boolean; name?: string }
    await other.close()
    expect(refused.ok).toBe(false)
    // A browser hides the upgrade's HTTP 403: the client sees a connection that closed at once.
    expect(refused.name).toMatch(/NETWORK_EXCEPTION|ORIGIN_NOT_ALLOWED/)
  })
})

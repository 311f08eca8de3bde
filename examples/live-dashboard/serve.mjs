// The live dashboard's server: bundles @faecie/client for the browser (esbuild), serves the page,
// and runs a producer that feeds the topic with sensor readings. Run it from the repository root:
//
//   pnpm run example:dashboard     (builds, then: node examples/live-dashboard/serve.mjs)
//
// Environment: FAECIE_BROKER (default ws://127.0.0.1:8092), TOPIC (default dashboard-events),
// PORT (default 8093), RATE records per second (default 5; 0: no producer).
// The broker must allow this page's origin: faecie broker --allowed-origins http://127.0.0.1:8093
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { Faecie } from '../../packages/client/dist/node.js'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const SENSORS = ['sensor-a', 'sensor-b', 'sensor-c']

/** Serves the page on 127.0.0.1:`port` (0: any free port); resolves with the port and a close(). */
export async function serveDashboard({ port = 8093, brokerUrl, topic }) {
  const bundled = await build({
    entryPoints: [here('../../packages/client/src/index.ts')], bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', write: false, logLevel: 'silent',
  })
  const files = {
    '/': ['text/html', await readFile(here('./index.html'))],
    '/dashboard.js': ['text/javascript', await readFile(here('./dashboard.js'))],
    '/faecie.js': ['text/javascript', bundled.outputFiles[0].contents],
    '/config.json': ['application/json', JSON.stringify({ broker: brokerUrl, topic })],
  }
  const server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]]
    if (file === undefined) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-store' }).end(file[1])
  })
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) }
}

/** Creates the topic if needed, then sends one reading every 1000 / `ratePerSecond` ms until stop(). */
export async function feedTopic({ brokerUrl, topic, ratePerSecond }) {
  const faecie = new Faecie({ brokers: [brokerUrl], clientId: 'live-dashboard-producer' })
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], ifNotExists: true })
  await admin.disconnect()
  const producer = faecie.producer({ lingerMs: 5 })
  let n = 0
  const timer = ratePerSecond > 0 ? setInterval(() => {
    const key = SENSORS[n++ % SENSORS.length]
    const value = JSON.stringify({ n, celsius: Math.round((20 + 5 * Math.sin(n / 10)) * 10) / 10, at: new Date().toISOString() })
    producer.send({ topic, messages: [{ key, value }] }).catch((err) => console.error('send failed:', err.message))
  }, 1000 / ratePerSecond) : undefined
  return { stop: async () => { clearInterval(timer); await producer.disconnect() } }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const brokerUrl = process.env.FAECIE_BROKER ?? 'ws://127.0.0.1:8092'
  const topic = process.env.TOPIC ?? 'dashboard-events'
  const feed = await feedTopic({ brokerUrl, topic, ratePerSecond: Number(process.env.RATE ?? 5) })
  const { port, close } = await serveDashboard({ port: Number(process.env.PORT ?? 8093), brokerUrl, topic })
  console.log(`live dashboard: http://127.0.0.1:${port}/  (topic ${topic} on ${brokerUrl})`)
  console.log(`the broker must allow this origin: faecie broker --allowed-origins http://127.0.0.1:${port}`)
  const shutdown = async () => { await feed.stop(); await close(); process.exit(0) }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

// HTTP connections and request bodies are bounded (issue 10), against a real broker process:
//   - connections from one address past http.connectionsPerAddressMax, and from all past
//     http.connectionsMax, are answered 429 with Retry-After and closed, while clients from other
//     addresses (and, once some close, everyone) are served; WebSocket sessions count as connections;
//   - produce bodies being uploaded slowly hold at most http.requestBodyBytesInFlightMax: one more
//     is answered 429 with Retry-After before its body is read;
//   - a connection that never finishes its request headers (slowloris) is answered 408 and closed.
// Clients come from distinct loopback addresses (127.0.0.2, 127.0.0.3, ...) over raw sockets, so the
// test decides exactly which connections are open.
import { connect, type Socket } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { scrapeSample, startWithLimits, stopStartedBrokers } from '../support/abusive-clients.js'
import { WebSocketClass } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

const sockets: Socket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await stopStartedBrokers()
})

/** A raw connection from `localAddress` (kept until the test ends). */
async function open(port: number, localAddress: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress })
  sockets.push(socket)
  socket.on('error', () => { /* the broker cutting the socket is expected */ })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return socket
}

/** Writes `text` on `socket` and reads one response (head and Content-Length body). */
function exchange(socket: Socket, text: string): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk])
      const headEnd = got.indexOf('\r\n\r\n')
      if (headEnd < 0) return
      const [statusLine, ...lines] = got.subarray(0, headEnd).toString('latin1').split('\r\n')
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      const length = Number(headers['content-length'] ?? 0)
      if (got.length < headEnd + 4 + length) return
      socket.off('data', onData)
      socket.off('close', onClose)
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: got.subarray(headEnd + 4, headEnd + 4 + length).toString() })
    }
    const onClose = (): void => reject(new Error(`closed before a whole response; got ${JSON.stringify(got.toString('latin1').slice(0, 200))}`))
    socket.on('data', onData)
    socket.once('close', onClose)
    if (text !== '') socket.write(text)
  })
}

/** A WebSocket session from `localAddress`, open (upgraded). */
async function webSocketFrom(url: string, localAddress: string): Promise<InstanceType<typeof WebSocketClass>> {
  const socket = new WebSocketClass(`${url}/v1/ws`, { localAddress })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  return socket
}

const healthRequest = (port: number): string => `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`

/** A new connection from `localAddress` asking GET /health (kept alive when admitted). */
async function healthFrom(port: number, localAddress: string): Promise<RawResponse> {
  return exchange(await open(port, localAddress), healthRequest(port))
}

function expectRefused(response: RawResponse, name: string, limit: string): void {
  expect(response.status).toBe(429)
  expect(response.headers['retry-after']).toBe('1')
  const error = (JSON.parse(response.body) as { error: { name: string; message: string; retriable: boolean } }).error
  expect(error).toMatchObject({ name, retriable: true })
  expect(error.message).toContain(limit)
}

it('refuses HTTP connections past the per-address and total caps with 429 and Retry-After; WebSocket sessions count', { timeout: 60_000 }, async () => {
  const broker = await startWithLimits({ sessionsMax: 4, sessionsPerAddressMax: 2, helloTimeoutMs: 600_000 }, { connectionsMax: 8, connectionsPerAddressMax: 3 })
  // Three connections from 127.0.0.2 are served (kept alive); the fourth is refused.
  for (let i = 0; i < 3; i++) expect((await healthFrom(broker.port, '127.0.0.2')).status).toBe(200)
  expectRefused(await healthFrom(broker.port, '127.0.0.2'), 'TOO_MANY_SESSIONS', 'connectionsPerAddressMax')
  // Another address is not locked out: two WebSocket sessions (silent, but the hello timeout is long)
  // and one plain request from 127.0.0.3.
  const sessions = [await webSocketFrom(broker.url, '127.0.0.3'), await webSocketFrom(broker.url, '127.0.0.3')]
  expect((await healthFrom(broker.port, '127.0.0.3')).status).toBe(200)
  // 3 + 3 open; two more from 127.0.0.4 make 8, the cap: the next, from any address, is refused.
  for (let i = 0; i < 2; i++) expect((await healthFrom(broker.port, '127.0.0.4')).status).toBe(200)
  expectRefused(await healthFrom(broker.port, '127.0.0.5'), 'TOO_MANY_SESSIONS', 'connectionsMax')
  expectRefused(await healthFrom(broker.port, '127.0.0.1'), 'TOO_MANY_SESSIONS', 'connectionsMax')
  // Once some close, everyone is served again; the refusals were counted.
  for (const session of sessions) session.terminate()
  const refused = async (reason: string): Promise<number | undefined> => await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason })
  expect(await waitFor('a scrape once connections closed', () => refused('too_many_http_connections').catch(() => undefined))).toBe(2)
  expect(await refused('too_many_http_connections_from_address')).toBe(1)
  expect(await scrapeSample(broker.port, 'faecie_http_connections')).toBeGreaterThanOrEqual(7)
})

it('bounds the request bodies being received at once: one more produce is answered 429 before its body is read', { timeout: 60_000 }, async () => {
  const KiB = 1024
  const broker = await startWithLimits({}, { produceBodyBytesMax: 256 * KiB, requestBodyBytesInFlightMax: 512 * KiB })
  const base = `http://127.0.0.1:${broker.port}`
  const created = await fetch(`${base}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'up', partitions: 1 }) })
  expect(created.status).toBe(201)
  const body = JSON.stringify({ records: [{ value: 'x'.repeat(200 * KiB) }] })
  const head = (length: number): string =>
    `POST /v1/topics/up/records HTTP/1.1\r\nHost: 127.0.0.1:${broker.port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`
  // Two slow uploaders declare their bodies and send half of them: 2 x ~200 KiB of the 512 KiB.
  const slow = await Promise.all([0, 1].map(async () => {
    const socket = await open(broker.port, '127.0.0.2')
    socket.write(head(Buffer.byteLength(body)) + body.slice(0, body.length / 2))
    return socket
  }))
  await waitFor('both bodies reserved', async () => await scrapeSample(broker.port, 'faecie_http_request_body_bytes_in_flight') === 2 * Buffer.byteLength(body))
  // A third is refused with 429 and Retry-After; a GET is still served.
  const third = await exchange(await open(broker.port, '127.0.0.3'), head(Buffer.byteLength(body)))
  expectRefused(third, 'TOO_MANY_IN_FLIGHT', 'requestBodyBytesInFlightMax')
  expect((await fetch(`${base}/health`)).status).toBe(200)
  // The slow uploaders finish: their records are appended and the budget is given back.
  const answers = await Promise.all(slow.map((socket) => exchange(socket, body.slice(body.length / 2))))
  expect(answers.map((r) => r.status)).toEqual([200, 200])
  await waitFor('the body budget given back', async () => await scrapeSample(broker.port, 'faecie_http_request_body_bytes_in_flight') === 0)
  const produced = await fetch(`${base}/v1/topics/up/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  expect(produced.status).toBe(200)
  expect(await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'http_request_bodies_full' })).toBe(1)
})

it('answers 408 and closes a connection that never finishes its request (slowloris)', { timeout: 60_000 }, async () => {
  const broker = await startWithLimits({}, { headersTimeoutMs: 500, requestTimeoutMs: 1000 })
  const partialHeaders = await open(broker.port, '127.0.0.2')
  const partial = exchange(partialHeaders, `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${broker.port}\r\n`)
  const silent = exchange(await open(broker.port, '127.0.0.2'), '')
  const partialBody = exchange(await open(broker.port, '127.0.0.2'),
    `POST /v1/topics HTTP/1.1\r\nHost: 127.0.0.1:${broker.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name"`)
  for (const response of await Promise.all([partial, silent, partialBody])) expect(response.status).toBe(408)
  await waitFor('the three connections closed by the broker', async () => await scrapeSample(broker.port, 'faecie_http_connections') === 1)
})

// Clients that misbehave on purpose, for the bounded-memory tests, and what the tests watch while
// they run. The non-reading clients use a raw TCP socket, so nothing (no library, no event loop
// reading on their behalf) ever drains what the broker sends: once the upgrade's answer is in, the
// socket is paused for good and only written to.
//
//   openNonReadingWebSocket  hand-made WebSocket upgrade, then masked binary frames written blind
//   openNonReadingHttp       an HTTP GET written blind, the response never read
//   brokerRssBytes           VmRSS of a process, from /proc/PID/status
//   scrapeSample             one sample of the broker's /metrics
//   startWithLimits          a broker process with limits from a config file
//   watchBroker              RSS and /health sampled while the abuse runs
//   roundTrip, ordinaryTraffic  what an ordinary client keeps doing meanwhile
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { dirname } from 'node:path'
import { expect } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from './broker-process.js'
import { removeTempDir, writeTempFile } from './temp-dir.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, valuesOf, type RawClient } from './broker-raw-client.js'

const MiB = 1024 * 1024

/** A WebSocket binary frame as a client must send it: FIN, opcode 2, masked (with a zero key). */
export function clientFrame(payload: Uint8Array): Buffer {
  const length = payload.length
  const header = length < 126 ? Buffer.alloc(2) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10)
  header[0] = 0x82
  if (length < 126) header[1] = 0x80 | length
  else if (length < 65_536) {
    header[1] = 0x80 | 126
    header.writeUInt16BE(length, 2)
  } else {
    header[1] = 0x80 | 127
    header.writeBigUInt64BE(BigInt(length), 2)
  }
  // A zero masking key leaves the payload as it is (XOR with 0).
  return Buffer.concat([header, Buffer.alloc(4), payload])
}

/** Connects, upgrades to a WebSocket at /v1/ws, pauses the socket for good, and writes `frames`. */
export async function openNonReadingWebSocket(port: number, frames: Uint8Array[]): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port })
  socket.on('error', () => { /* the broker cutting the socket is expected */ })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write([
    'GET /v1/ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', '',
  ].join('\r\n'))
  const head = await new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1')))
    socket.once('close', () => reject(new Error('closed before the upgrade was answered')))
  })
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`)
  socket.pause()
  for (const frame of frames) socket.write(clientFrame(frame))
  return socket
}

/** Sends `GET path` and never reads the response. */
export async function openNonReadingHttp(port: number, path: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port })
  socket.on('error', () => { /* the broker cutting the socket is expected */ })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.pause()
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n\r\n`)
  return socket
}

/** Resident set size of process `pid` in bytes (VmRSS of /proc/PID/status). */
export function brokerRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

/** The value of the sample `name{labels}` of the broker's /metrics (labels matched exactly), or undefined. */
export async function scrapeSample(port: number, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const got = (match[2] ?? '').split(',').filter((l) => l !== '').sort().join(',')
    if (got === wanted) return Number(match[3])
  }
  return undefined
}

export interface Health {
  status: string
  sessions: number
  rssBytes: number
  queuedBytes: number
  readBudgetBytesInUse: number
}

/** GET /health, which must answer 200. */
export async function health(port: number): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(10_000) })
  if (response.status !== 200) throw new Error(`/health answered ${response.status}`)
  return await response.json() as Health
}

const dirs: string[] = []
const brokers: BrokerProcess[] = []

/** Kills every broker startWithLimits started (call it in afterEach). */
export async function stopStartedBrokers(): Promise<void> {
  for (const broker of brokers.splice(0)) await broker.kill()
  for (const dir of dirs.splice(0)) removeTempDir(dir)
}

/** Starts a broker with these `limits` (and `http` limits) in its config file; stopStartedBrokers() kills it and removes the file. */
export async function startWithLimits(limits: Record<string, number>, http: Record<string, number> = {}): Promise<BrokerProcess> {
  const config = writeTempFile('bounded', 'broker.json', { limits, http })
  dirs.push(dirname(config))
  const broker = await startBrokerProcess({ args: ['--config', config] })
  brokers.push(broker)
  return broker
}

/**
 * Samples the broker's RSS and /health every 100 ms until stopped. A sample over `rssMaxBytes` is
 * remembered and the broker killed at once (an unbounded broker must not take the machine with it).
 */
export function watchBroker(broker: BrokerProcess, rssMaxBytes: number): { stop(): Promise<{ rssPeakBytes: number; problems: string[] }> } {
  let rssPeakBytes = 0
  const problems: string[] = []
  let sampling: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      if (problems.length > 0) return
      try {
        const rss = brokerRssBytes(broker.pid)
        rssPeakBytes = Math.max(rssPeakBytes, rss)
        if (rss > rssMaxBytes) {
          problems.push(`RSS ${Math.round(rss / MiB)} MiB over the bound ${Math.round(rssMaxBytes / MiB)} MiB`)
          await broker.kill()
          return
        }
        const h = await health(broker.port)
        if (h.status !== 'ok') problems.push(`/health status ${h.status}`)
      } catch (err) {
        problems.push(`watch: ${(err as Error).message}`)
      }
    })
  }, 100)
  return {
    async stop() {
      clearInterval(timer)
      await sampling
      return { rssPeakBytes, problems }
    },
  }
}

/** An ordinary client's round trip: produce one record to `topic`, read it back by its offset. */
export async function roundTrip(client: RawClient, topic: string, tag: string): Promise<void> {
  const produced = firstPartition(await client.request('produce', produceFrame(topic, 0, batchOf(tag, 1))))
  expect(produced.error).toBeUndefined()
  const fetched = firstPartition(await client.request('fetch', fetchFrame(topic, 0, produced.baseOffset, { maxBytes: 64 * 1024 })))
  expect(fetched.error).toBeUndefined()
  expect(valuesOf(fetched.records)).toContain(`${tag}-0`)
}

/** Runs round trips until `done` resolves; returns how many completed. */
export async function ordinaryTraffic(client: RawClient, topic: string, done: Promise<unknown>): Promise<number> {
  let finished = false
  void done.finally(() => { finished = true })
  let count = 0
  while (!finished) await roundTrip(client, topic, `ordinary${count++}`)
  return count
}

// A load-generator process of `faecie perf fanout` (run as `node dist/fanout-subscribers.js CONFIG`,
// spawned by fanout.ts): opens `subscribers` subscribers, each its own connection to the system under
// test, records the latency of every record at every subscriber (wall clock now minus the intended
// send time stamped in the record) in one HdrHistogram, tracks each subscriber's lag, and reports.
// faecie: one `Faecie` client per subscriber, a push-mode consumer assigned at the topic's end as it
// was before the producer started (hello, subscribe and credit as any app does). The peers: a plain
// `ws` client (the bare fan-out), a `nats` connection with a core subscription, an ioredis
// connection in SUBSCRIBE. Lines in and out: fanout-wire.ts.
import { createInterface } from 'node:readline'
import { elapsedUs, latencyHistogram } from './result.js'
import { type ChildConfig, type ChildLine, type FanoutTarget, WARMUP_INDEX, encodeHistogram, fanoutStampOf, wallNowMs } from './fanout-wire.js'

/** Each subscriber's lag is sampled this often. */
const LAG_SAMPLE_MS = 100
const PROGRESS_MS = 1000

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig
const latencies = latencyHistogram()
const received = new Uint32Array(config.subscribers)
const warmed = new Uint8Array(config.subscribers)
let warm = 0
const closers: (() => Promise<unknown>)[] = []
let delivered = 0
let complete = 0
let lastDeliveryMs = 0
let startMs: number | undefined
let lagMaxRecords = 0
let reported = false

function send(line: ChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

/** Subscriber `i` got `value`. */
function deliver(i: number, value: Uint8Array): void {
  const stamp = fanoutStampOf(value)
  if (stamp === undefined) return
  if (stamp.index === WARMUP_INDEX) {
    if (warmed[i] === 0 && (warmed[i] = 1) && ++warm === config.subscribers) send({ warm: true })
    return
  }
  if (received[i]! >= config.records) return
  const nowMs = wallNowMs()
  latencies.recordValue(elapsedUs(stamp.sentMs, nowMs))
  lastDeliveryMs = nowMs
  delivered++
  if (++received[i]! === config.records && ++complete === config.subscribers) report()
}

/** Records due by the clock now (intended send time passed) and not yet at subscriber i, the most over all. */
function lagNow(): number {
  if (startMs === undefined) return 0
  const due = Math.min(config.records, Math.max(0, Math.floor((wallNowMs() - startMs) * config.rate / 1000) + 1))
  let lag = 0
  for (let i = 0; i < config.subscribers; i++) lag = Math.max(lag, due - received[i]!)
  return lag
}

function report(): void {
  if (reported) return
  reported = true
  let lagAtEndRecords = 0
  for (let i = 0; i < config.subscribers; i++) lagAtEndRecords = Math.max(lagAtEndRecords, config.records - received[i]!)
  lagMaxRecords = Math.max(lagMaxRecords, lagAtEndRecords)
  send({ report: { subscribers: config.subscribers, delivered, lagMaxRecords, lagAtEndRecords, lastDeliveryMs, histogram: encodeHistogram(latencies) } })
  // Closing thousands of connections takes a while and measures nothing: exit once the line is out.
  process.stdout.write('', () => process.exit(0))
}

async function openSubscriber(target: FanoutTarget, i: number): Promise<void> {
  const onValue = (value: Uint8Array): void => deliver(i, value)
  switch (target.kind) {
    case 'faecie': {
      const { Faecie } = await import('@faecie/client')
      const client = new Faecie({ brokers: target.brokers, clientId: `fanout-${i}`, connectTimeoutMs: 60_000 })
      const consumer = client.consumer({ mode: 'push', autoOffsetReset: 'latest' })
      closers.push(() => consumer.disconnect())
      consumer.on('crash', (err) => fail(err))
      await consumer.connect()
      consumer.assign(target.offsets.map(({ partition, offset }) => ({ topic: target.topic, partition, offset })))
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.value !== null) onValue(m.value)
        },
      })
      return
    }
    case 'ws': {
      const { WebSocket } = await import('ws')
      const socket = new WebSocket(`${target.url}/sub`, { perMessageDeflate: false })
      closers.push(async () => socket.terminate())
      socket.binaryType = 'nodebuffer'
      socket.on('message', (data: Buffer) => {
        for (let at = 0; at + target.recordBytes <= data.byteLength; at += target.recordBytes) onValue(data.subarray(at, at + target.recordBytes))
      })
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve())
        socket.once('error', reject)
      })
      socket.on('close', () => { if (!reported) fail(new Error(`bare fan-out subscriber ${i}: the server closed the socket`)) })
      return
    }
    case 'nats': {
      const { connect } = await import('nats')
      const nc = await connect({ servers: target.url, reconnect: false })
      closers.push(() => nc.close())
      nc.subscribe(target.subject, { callback: (err, m) => { if (err === null) onValue(m.data) } })
      await nc.flush() // the server has the SUB
      return
    }
    case 'redis': {
      const { Redis } = await import('ioredis')
      const client = new Redis({ host: '127.0.0.1', port: target.port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
      closers.push(async () => client.disconnect())
      client.on('messageBuffer', (_channel: Buffer, message: Buffer) => onValue(message))
      await client.connect()
      await client.subscribe(target.channel)
      return
    }
  }
}

function fail(err: unknown): void {
  if (reported) return
  reported = true
  send({ error: err instanceof Error ? err.message : String(err) })
  process.stdout.write('', () => process.exit(1))
}

async function main(): Promise<void> {
  // Stdin closed (the parent is gone) ends this process; lines on it steer the run.
  const lines = createInterface({ input: process.stdin })
  lines.on('line', (line) => {
    const message = JSON.parse(line) as { startMs?: number; end?: boolean }
    if (message.startMs !== undefined) startMs = message.startMs
    if (message.end === true) report()
  })
  lines.on('close', () => process.exit(reported ? 0 : 1))
  let next = 0
  const opener = async (): Promise<void> => {
    while (next < config.subscribers) await openSubscriber(config.target, next++)
  }
  await Promise.all(Array.from({ length: Math.min(config.connectingMax, config.subscribers) }, opener))
  send({ ready: true })
  setInterval(() => { lagMaxRecords = Math.max(lagMaxRecords, lagNow()) }, LAG_SAMPLE_MS).unref()
  let shown = 0
  setInterval(() => {
    if (delivered !== shown) send({ delivered: delivered - shown })
    shown = delivered
  }, PROGRESS_MS).unref()
}

main().catch(fail)

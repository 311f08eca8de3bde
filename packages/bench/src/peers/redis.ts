// Redis Streams in the bench suite: a redis-server of our own (Debian's package, installed with
// apt-get when missing) on a free port with a temp dir and no snapshots; appendonly off for the
// throughput cases, `appendonly yes` + `appendfsync always` for the durable case. Driven by ioredis
// (XADD and XREAD, pipelined: a pipeline of commands per round trip, as its docs advise, several in
// flight) and by redis-benchmark XADD -P 64 (50 clients, its default) as the C client's ceiling.
// There are no partitions: the 1 KB case spreads records over 16 streams.
import { Redis } from 'ioredis'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, latencyLoop, produceLoop, within } from '../suite/harness.js'
import { parseRedisBenchmarkCsv } from '../suite/parsers.js'
import { RssSampler, type Started, freePort, runTool, startProcess, tail, tempDir, waitForPort } from '../suite/processes.js'
import type { Figures } from '../suite/results.js'
import { aptInstall, hasCommand } from './install.js'

export const REDIS_IOREDIS = 'redis (ioredis)'
export const REDIS_BENCHMARK = 'redis (redis-benchmark -P 64)'
const PIPELINE_RECORDS = 1000
const PIPELINES_IN_FLIGHT = 4
const READ_COUNT = 10_000

interface RedisServer { port: number; process: Started }

async function startRedis(durable: boolean): Promise<RedisServer> {
  const dir = tempDir('redis')
  const port = await freePort()
  const started = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no',
    ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])])
  try {
    await waitForPort(port, 30_000, () => started.child.exitCode !== null)
  } catch (err) {
    await started.stop()
    throw new Error(`${(err as Error).message}: ${tail(started.output())}`)
  }
  return { port, process: started }
}

export async function benchRedis(context: SuiteContext): Promise<void> {
  const { profile, workloads, results } = context
  if (!hasCommand('redis-server') || !hasCommand('redis-benchmark')) await aptInstall(['redis-server', 'redis-tools'], context.log)
  const timeoutMs = profile.toolTimeoutMs
  const nodeRecords = (n: number): number => Math.max(1, Math.round(n * profile.nodePeerShare))
  let seq = 0
  const session = async (durable: boolean, work: (server: RedisServer, client: Redis) => Promise<void>): Promise<void> => {
    const server = await startRedis(durable)
    const rss = new RssSampler(server.process.pid)
    const client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: false })
    try {
      await within(10_000, 'ioredis connect', client.connect())
      await work(server, client)
    } finally {
      results.rss('redis', rss.stop())
      client.disconnect()
      await server.process.stop()
    }
  }
  const xadd = (client: Redis, records: number, recordBytes: number, streams: number): Promise<Figures> => {
    const base = `s${++seq}`
    let next = 0
    return within(timeoutMs, 'ioredis XADD', produceLoop({
      records, recordBytes, batchRecords: PIPELINE_RECORDS, windowBatches: PIPELINES_IN_FLIGHT,
      send: async (values) => {
        const pipeline = client.pipeline()
        for (const v of values) pipeline.xadd(streams === 1 ? base : `${base}-${next++ % streams}`, '*', 'v', Buffer.from(v.buffer, v.byteOffset, v.byteLength))
        const replies = await pipeline.exec()
        const failed = replies?.find(([err]) => err !== null)
        if (failed !== undefined) throw failed[0]
      },
    })).then(figuresOf)
  }
  const benchmark = async (port: number, records: number, recordBytes: number, streams: number): Promise<Figures> => {
    const key = streams === 1 ? `rb${++seq}` : `rb${++seq}:__rand_int__`
    const run = await runTool('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-n', String(records), '-P', '64', ...(streams > 1 ? ['-r', String(streams)] : []),
      '--csv', 'XADD', key, '*', 'v', 'x'.repeat(recordBytes)], timeoutMs)
    const figures = parseRedisBenchmarkCsv(run.output)
    if (run.timedOut || figures === undefined) throw new Error(`redis-benchmark gave no result${run.timedOut ? ' (timed out)' : ''}: ${tail(run.output)}`)
    return { ...figures, mbPerSec: Math.round((figures.recordsPerSec * recordBytes / 1024 / 1024) * 1000) / 1000 }
  }
  if (workloads.has('throughput') || workloads.has('kb16') || workloads.has('latency')) {
    await session(false, async (server, client) => {
      if (workloads.has('throughput')) {
        await measure(context, { workload: 'throughput', system: REDIS_IOREDIS, variant: 'produce' }, async () => {
          const records = nodeRecords(profile.smallRecords)
          const produced = await xadd(client, records, 100, 1)
          try {
            results.add('throughput', REDIS_IOREDIS, 'consume', await xread(client, `s${seq}`, records, timeoutMs))
          } catch (err) {
            results.fail('throughput', REDIS_IOREDIS, 'consume', String(err))
          }
          try {
            results.add('throughput', REDIS_IOREDIS, 'consume (XREADGROUP)', await xreadgroup(client, `s${seq}`, records, timeoutMs))
          } catch (err) {
            results.fail('throughput', REDIS_IOREDIS, 'consume (XREADGROUP)', String(err))
          }
          await client.del(`s${seq}`)
          return produced
        })
        await measure(context, { workload: 'throughput', system: REDIS_BENCHMARK, variant: 'produce' }, () => benchmark(server.port, profile.smallRecords, 100, 1))
      }
      if (workloads.has('kb16')) {
        await measure(context, { workload: 'kb16', system: REDIS_IOREDIS, variant: 'produce' }, () => xadd(client, nodeRecords(profile.kbRecords), 1024, profile.kbPartitions))
        await measure(context, { workload: 'kb16', system: REDIS_BENCHMARK, variant: 'produce' }, () => benchmark(server.port, profile.kbRecords, 1024, profile.kbPartitions))
      }
      await client.flushall()
      if (workloads.has('latency')) {
        await measure(context, { workload: 'latency', system: REDIS_IOREDIS, variant: `${profile.latencyRate} records/s` }, () =>
          redisLatency(server.port, client, `lat${++seq}`, nodeRecords(profile.latencyRecords), profile.latencyRate, timeoutMs))
      }
    })
  }
  if (workloads.has('durable')) {
    await session(true, async (server, client) => {
      await measure(context, { workload: 'durable', system: REDIS_IOREDIS, variant: 'appendfsync always' }, () => xadd(client, nodeRecords(profile.durableRecords), 100, 1))
      await measure(context, { workload: 'durable', system: REDIS_BENCHMARK, variant: 'appendfsync always' }, () => benchmark(server.port, profile.durableRecords, 100, 1))
    })
  }
}

/** Reads a stream from its start with XREAD COUNT 10000 until `records` came; records/s. */
async function xread(client: Redis, stream: string, records: number, timeoutMs: number): Promise<Figures> {
  const startMs = performance.now()
  const deadline = Date.now() + timeoutMs
  let seen = 0
  let lastId = '0'
  while (seen < records) {
    if (Date.now() > deadline) throw new Error(`XREAD: only ${seen} of ${records} records within ${timeoutMs} ms`)
    const reply = await client.xreadBuffer('COUNT', READ_COUNT, 'STREAMS', stream, lastId)
    const entries = reply?.[0]?.[1] ?? []
    if (entries.length === 0) break
    seen += entries.length
    lastId = entries[entries.length - 1]![0].toString()
  }
  const seconds = (performance.now() - startMs) / 1000
  return { recordsPerSec: Math.round(seen / seconds), mbPerSec: Math.round((seen * 100 / 1024 / 1024 / seconds) * 1000) / 1000 }
}

/** Reads a stream as a consumer group's one member (XREADGROUP >, COUNT 10000, no acks: NOACK) until `records` came. */
async function xreadgroup(client: Redis, stream: string, records: number, timeoutMs: number): Promise<Figures> {
  await client.xgroup('CREATE', stream, 'bench', '0')
  const startMs = performance.now()
  const deadline = Date.now() + timeoutMs
  let seen = 0
  while (seen < records) {
    if (Date.now() > deadline) throw new Error(`XREADGROUP: only ${seen} of ${records} records within ${timeoutMs} ms`)
    const reply = await client.xreadgroupBuffer('GROUP', 'bench', 'c1', 'COUNT', READ_COUNT, 'NOACK', 'STREAMS', stream, '>') as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null
    const entries = reply?.[0]?.[1] ?? []
    if (entries.length === 0) break
    seen += entries.length
  }
  const seconds = (performance.now() - startMs) / 1000
  return { recordsPerSec: Math.round(seen / seconds), mbPerSec: Math.round((seen * 100 / 1024 / 1024 / seconds) * 1000) / 1000 }
}

/** End-to-end latency: XADD (a pipeline per tick) at a fixed rate, XREAD BLOCK on a second connection. */
async function redisLatency(port: number, client: Redis, stream: string, records: number, rate: number, timeoutMs: number): Promise<Figures> {
  const reader = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 })
  await within(10_000, 'ioredis connect', reader.connect())
  let reading = true
  try {
    const loop = latencyLoop({
      records, rate, recordBytes: 100, timeoutMs,
      send: async (values) => {
        const pipeline = client.pipeline()
        for (const v of values) pipeline.xadd(stream, '*', 'v', Buffer.from(v.buffer, v.byteOffset, v.byteLength))
        await pipeline.exec()
      },
    })
    const readLoop = (async () => {
      let lastId = '0' // a new stream: from its start
      while (reading) {
        const reply = await reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', 100, 'STREAMS', stream, lastId)
        const entries = reply?.[0]?.[1] ?? []
        for (const [id, fields] of entries) {
          lastId = id.toString()
          const value = fields[1]
          if (value !== undefined) loop.delivered(value)
        }
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 200)) // the first XREAD BLOCK is waiting
    const result = await loop.run()
    reading = false
    await readLoop.catch(() => undefined)
    return figuresOf(result)
  } finally {
    reading = false
    reader.disconnect()
  }
}

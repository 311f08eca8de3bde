// NATS JetStream in the bench suite: nats-server (built with `go install` through the Go module
// proxy into the bench cache) with -js and a temp store dir on 127.0.0.1, file storage. Driven by the
// `nats` npm client (js.publish with a window of async publishes in flight, an ordered consumer to
// read back) and by `nats bench js pub async` from natscli (NATS at its best). For the durable case
// the server runs with `sync_interval: always` (an fsync for every write, like faecie's flush
// `always`); otherwise JetStream's default (a sync every 2 minutes). One stream, no partitions.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, StorageType, type NatsConnection } from 'nats'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, latencyLoop, produceLoop, within } from '../suite/harness.js'
import { parseNatsBench } from '../suite/parsers.js'
import { RssSampler, type Started, freePort, runTool, startProcess, tail, tempDir, waitForPort } from '../suite/processes.js'
import type { Figures } from '../suite/results.js'
import { goInstall } from './install.js'

export const NATS_SERVER_VERSION = 'v2.15.2'
export const NATSCLI_VERSION = 'v0.5.0'
export const NATS_JS = 'nats jetstream (nats.js)'
export const NATS_BENCH = 'nats jetstream (nats bench)'
const PUBLISH_BATCH = 500
const PUBLISH_WINDOW = 4
/** An acknowledgement may wait behind a whole window of fsyncs (sync_interval always). */
const PUBLISH_TIMEOUT_MS = 60_000

interface NatsServer { url: string; process: Started }

async function startNats(serverBin: string, syncAlways: boolean): Promise<NatsServer> {
  const dir = tempDir('nats')
  const port = await freePort()
  const config = join(dir, 'server.conf')
  writeFileSync(config, [
    `listen: 127.0.0.1:${port}`,
    'jetstream {',
    `  store_dir: "${join(dir, 'store')}"`,
    ...(syncAlways ? ['  sync_interval: always'] : []),
    '}',
    '',
  ].join('\n'))
  const started = startProcess(serverBin, ['-c', config])
  try {
    await waitForPort(port, 30_000, () => started.child.exitCode !== null)
  } catch (err) {
    await started.stop()
    throw new Error(`${(err as Error).message}: ${tail(started.output())}`)
  }
  return { url: `nats://127.0.0.1:${port}`, process: started }
}

export async function benchNats(context: SuiteContext): Promise<void> {
  const { profile, workloads, results } = context
  const serverBin = await goInstall(context.cacheDir, `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`, 'nats-server', context.log)
  const natsBin = await goInstall(context.cacheDir, `github.com/nats-io/natscli/nats@${NATSCLI_VERSION}`, 'nats', context.log)
  const timeoutMs = profile.toolTimeoutMs
  const nodeRecords = (n: number): number => Math.max(1, Math.round(n * profile.nodePeerShare))
  let seq = 0
  const session = async (syncAlways: boolean, work: (server: NatsServer, nc: NatsConnection) => Promise<void>): Promise<void> => {
    const server = await startNats(serverBin, syncAlways)
    const rss = new RssSampler(server.process.pid)
    let nc: NatsConnection | undefined
    try {
      nc = await within(10_000, 'nats connect', connect({ servers: server.url }))
      await work(server, nc)
    } finally {
      results.rss('nats', rss.stop())
      await nc?.close().catch(() => undefined)
      await server.process.stop()
    }
  }
  /** A fresh file-storage stream on subject `bench.N`; its name and subject. */
  const stream = async (nc: NatsConnection): Promise<{ name: string; subject: string }> => {
    const n = ++seq
    const jsm = await nc.jetstreamManager()
    await jsm.streams.add({ name: `bench${n}`, subjects: [`bench.${n}`], storage: StorageType.File, max_bytes: 4 * 1024 ** 3 })
    return { name: `bench${n}`, subject: `bench.${n}` }
  }
  const publish = async (nc: NatsConnection, subject: string, records: number, recordBytes: number): Promise<Figures> => {
    const js = nc.jetstream()
    return figuresOf(await within(timeoutMs, 'nats publish', produceLoop({
      records, recordBytes, batchRecords: PUBLISH_BATCH, windowBatches: PUBLISH_WINDOW,
      send: (values) => Promise.all(values.map((v) => js.publish(subject, v, { timeout: PUBLISH_TIMEOUT_MS }))),
    })))
  }
  const natsBench = async (server: NatsServer, records: number, recordBytes: number): Promise<Figures> => {
    const n = ++seq
    const run = await runTool(natsBin, ['-s', server.url, 'bench', 'js', 'pub', 'async', '--msgs', String(records), '--size', `${recordBytes}B`, '--no-progress',
      '--create', '--purge', '--storage', 'file', '--stream', `nb${n}`, `nb.${n}`], timeoutMs)
    const figures = parseNatsBench(run.output)
    if (run.timedOut || figures === undefined) throw new Error(`nats bench gave no result${run.timedOut ? ' (timed out)' : ''}: ${tail(run.output)}`)
    return figures
  }
  if (workloads.has('throughput') || workloads.has('kb16') || workloads.has('latency')) {
    await session(false, async (server, nc) => {
      if (workloads.has('throughput')) {
        await measure(context, { workload: 'throughput', system: NATS_JS, variant: 'produce' }, async () => {
          const { name, subject } = await stream(nc)
          const records = nodeRecords(profile.smallRecords)
          const produced = await publish(nc, subject, records, 100)
          try {
            results.add('throughput', NATS_JS, 'consume', await readBack(nc, name, records, timeoutMs))
          } catch (err) {
            results.fail('throughput', NATS_JS, 'consume', String(err))
          }
          await (await nc.jetstreamManager()).streams.delete(name).catch(() => undefined)
          return produced
        })
        await measure(context, { workload: 'throughput', system: NATS_BENCH, variant: 'produce' }, () => natsBench(server, profile.smallRecords, 100))
      }
      if (workloads.has('kb16')) {
        await measure(context, { workload: 'kb16', system: NATS_JS, variant: 'produce' }, async () => publish(nc, (await stream(nc)).subject, nodeRecords(profile.kbRecords), 1024))
        await measure(context, { workload: 'kb16', system: NATS_BENCH, variant: 'produce' }, () => natsBench(server, profile.kbRecords, 1024))
      }
      if (workloads.has('latency')) {
        await measure(context, { workload: 'latency', system: NATS_JS, variant: `${profile.latencyRate} records/s` }, async () =>
          natsLatency(nc, await stream(nc), nodeRecords(profile.latencyRecords), profile.latencyRate, timeoutMs))
      }
    })
  }
  if (workloads.has('durable')) {
    await session(true, async (server, nc) => {
      // JetStream fsyncs each message on its own here: a run of durableRecords would take minutes.
      const records = profile.durablePerRecordSyncRecords
      await measure(context, { workload: 'durable', system: NATS_JS, variant: 'file storage, sync_interval always' }, async () => publish(nc, (await stream(nc)).subject, records, 100))
      await measure(context, { workload: 'durable', system: NATS_BENCH, variant: 'file storage, sync_interval always' }, () => natsBench(server, records, 100))
    })
  }
}

/** Reads a stream from its start with an ordered consumer until `records` came; records/s. */
async function readBack(nc: NatsConnection, stream: string, records: number, timeoutMs: number): Promise<Figures> {
  const consumer = await nc.jetstream().consumers.get(stream)
  const startMs = performance.now()
  const messages = await consumer.consume({ max_messages: 10_000 })
  let seen = 0
  const reading = (async () => {
    for await (const m of messages) {
      seen++
      if (seen >= records) break
      void m
    }
  })()
  try {
    await within(timeoutMs, `nats ordered consumer (${seen} of ${records})`, reading)
  } finally {
    await messages.close().catch(() => undefined)
  }
  const seconds = (performance.now() - startMs) / 1000
  return { recordsPerSec: Math.round(seen / seconds), mbPerSec: Math.round((seen * 100 / 1024 / 1024 / seconds) * 1000) / 1000 }
}

/** End-to-end latency: js.publish at a fixed rate, an ordered consumer delivering. */
async function natsLatency(nc: NatsConnection, target: { name: string; subject: string }, records: number, rate: number, timeoutMs: number): Promise<Figures> {
  const js = nc.jetstream()
  const loop = latencyLoop({ records, rate, recordBytes: 100, timeoutMs, send: (values) => Promise.all(values.map((v) => js.publish(target.subject, v))) })
  const consumer = await js.consumers.get(target.name)
  const messages = await consumer.consume({ max_messages: 10_000 })
  const reading = (async () => { for await (const m of messages) loop.delivered(m.data) })()
  try {
    return figuresOf(await loop.run())
  } finally {
    await messages.close().catch(() => undefined)
    await reading.catch(() => undefined)
  }
}

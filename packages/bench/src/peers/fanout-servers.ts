// The servers of the `fanout` workload and, for each, how its producer sends and how its subscribers
// reach it (a FanoutTarget for fanout-subscribers.ts). Each is started through `sh -c` with the open
// files limit raised (RAISED_FDS_EXEC: thousands of sockets) and tracked by PID (startProcess):
//   faecie          the built broker with sessionsMax and sessionsPerAddressMax raised past the
//                   subscribers (--config), a topic of one partition, a producer with lingerMs 0, acks 1
//   bare fan-out    fanout-bare-server.js: a `ws` server writing each frame to every subscriber socket
//                   (a frame per send of the producer: the records due at that tick, back to back)
//   nats core       nats-server (no JetStream) from the bench cache, core publish + flush
//   redis pub/sub   redis-server with --maxclients raised, PUBLISH pipelined per send
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Faecie } from '@faecie/client'
import { RAISED_FDS_EXEC, type FanoutSend, type FanoutTarget } from '../index.js'
import type { SuiteContext } from '../suite/context.js'
import { within } from '../suite/harness.js'
import { type Started, freePort, outputLine, startProcess, tail, tempDir, waitForPort } from '../suite/processes.js'
import { aptInstall, goInstall, hasCommand } from './install.js'
import { NATS_SERVER_VERSION } from './nats.js'

const START_TIMEOUT_MS = 30_000
/** Sessions the broker allows beyond the subscribers (the producer, the admin client). */
const SESSIONS_SPARE = 64

export interface FanoutServer {
  process: Started
  target: FanoutTarget
  /** Connects the producer; its send, and how to close it. */
  producer(): Promise<{ send: FanoutSend; close(): Promise<void> }>
}

function raised(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Started {
  return startProcess('sh', ['-c', RAISED_FDS_EXEC, command, ...args], options)
}

/** outputLine, stopping the process when the line does not come. */
async function outputMatch(started: Started, pattern: RegExp, what: string): Promise<string> {
  try {
    return await outputLine(started, pattern, what, START_TIMEOUT_MS)
  } catch (err) {
    await started.stop()
    throw err
  }
}

export async function startFaecieFanout(context: SuiteContext, subscribers: number): Promise<FanoutServer> {
  const dir = tempDir('faecie-fanout')
  const config = join(dir, 'broker.json')
  const sessionsMax = subscribers + SESSIONS_SPARE
  writeFileSync(config, JSON.stringify({ limits: { sessionsMax, sessionsPerAddressMax: sessionsMax } }))
  const main = join(context.repoRoot, 'packages/broker/dist/main.js')
  const started = raised(process.execPath, [main, '--port', '0', '--no-kafka', '--data-dir', join(dir, 'data'), '--config', config], {
    cwd: context.repoRoot, env: { ...process.env, FAECIE_LOG_LEVEL: 'info' },
  })
  const port = await outputMatch(started, /"port":(\d+)[^\n]*?"msg":"broker listening"|"msg":"broker listening"[^\n]*?"port":(\d+)/, 'the faecie broker')
  const url = `ws://127.0.0.1:${port}`
  const client = new Faecie({ brokers: [url], clientId: 'fanout-admin', connectTimeoutMs: 10_000 })
  const admin = client.admin()
  const topic = 'fanout'
  try {
    await within(10_000, 'faecie createTopics', admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { flush: 'never' } }] }))
    const ends = await admin.fetchTopicOffsets(topic)
    return {
      process: started,
      target: { kind: 'faecie', brokers: [url], topic, offsets: ends.map(({ partition, offset }) => ({ partition, offset })) },
      async producer() {
        const producer = new Faecie({ brokers: [url], clientId: 'fanout-producer' }).producer({ acks: 1, idempotent: false, lingerMs: 0 })
        await within(10_000, 'faecie producer connect', producer.connect())
        return { send: (values) => producer.send({ topic, messages: values.map((value) => ({ value })) }), close: () => producer.disconnect() }
      },
    }
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

export async function startBareFanout(recordBytes: number): Promise<FanoutServer> {
  const script = fileURLToPath(new URL('../fanout-bare-server.js', import.meta.url))
  const started = raised(process.execPath, [script])
  const port = await outputMatch(started, /\{"port":(\d+)\}/, 'the bare fan-out server')
  const url = `ws://127.0.0.1:${port}`
  return {
    process: started,
    target: { kind: 'ws', url, recordBytes },
    async producer() {
      const { WebSocket } = await import('ws')
      const socket = new WebSocket(`${url}/pub`, { perMessageDeflate: false })
      await within(10_000, 'bare fan-out connect', new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject) }))
      // One frame per send (its records back to back, as a produce request carries a batch); the
      // server answers each with an empty one once it has written it to every subscriber.
      const acks: (() => void)[] = []
      socket.on('message', () => acks.shift()?.())
      return {
        send: (values) => new Promise<void>((resolve) => { acks.push(resolve); socket.send(Buffer.concat(values), { binary: true }) }),
        close: async () => socket.terminate(),
      }
    },
  }
}

export async function startNatsCore(context: SuiteContext): Promise<FanoutServer> {
  const serverBin = await goInstall(context.cacheDir, `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`, 'nats-server', context.log)
  const port = await freePort()
  const config = join(tempDir('nats-fanout'), 'server.conf')
  writeFileSync(config, `listen: 127.0.0.1:${port}\nmax_connections: 100000\n`)
  const started = raised(serverBin, ['-c', config])
  await waitForPort(port, START_TIMEOUT_MS, () => started.child.exitCode !== null).catch(async (err: unknown) => {
    await started.stop()
    throw new Error(`${(err as Error).message}: ${tail(started.output())}`)
  })
  const url = `nats://127.0.0.1:${port}`
  const subject = 'fanout'
  return {
    process: started,
    target: { kind: 'nats', url, subject },
    async producer() {
      const { connect } = await import('nats')
      const nc = await within(10_000, 'nats connect', connect({ servers: url }))
      return {
        send: async (values) => {
          for (const v of values) nc.publish(subject, v)
          await nc.flush()
        },
        close: () => nc.close(),
      }
    },
  }
}

export async function startRedisPubSub(context: SuiteContext, subscribers: number): Promise<FanoutServer> {
  if (!hasCommand('redis-server')) await aptInstall(['redis-server', 'redis-tools'], context.log)
  const port = await freePort()
  const started = raised('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir('redis-fanout'),
    '--daemonize', 'no', '--maxclients', String(subscribers + SESSIONS_SPARE)])
  await waitForPort(port, START_TIMEOUT_MS, () => started.child.exitCode !== null).catch(async (err: unknown) => {
    await started.stop()
    throw new Error(`${(err as Error).message}: ${tail(started.output())}`)
  })
  const channel = 'fanout'
  return {
    process: started,
    target: { kind: 'redis', port, channel },
    async producer() {
      const { Redis } = await import('ioredis')
      const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 })
      await within(10_000, 'ioredis connect', client.connect())
      return {
        send: async (values) => {
          const pipeline = client.pipeline()
          for (const v of values) pipeline.publish(channel, Buffer.from(v.buffer, v.byteOffset, v.byteLength))
          await pipeline.exec()
        },
        close: async () => client.disconnect(),
      }
    },
  }
}

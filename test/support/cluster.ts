// A cluster of real processes for the cluster tests: one etcd (etcd-process.ts) and N brokers
// (broker-process.ts), each with `--cluster <etcd> --broker-id <id> --port 0 --kafka-port 0`, its own
// temp data dir, and a short broker session timeout (2000 ms unless told) so that failovers are quick.
//
//   const cluster = await startCluster({ brokers: 3 })   // ids 1..3; resolves once all see each other
//   await cluster.kill9(2); await cluster.restart(2)      // SIGKILL; start again on its data dir
//   cluster.stop(1); cluster.cont(1)                      // SIGSTOP / SIGCONT: a paused process
//   await cluster.restartEtcd()                           // etcd down and up, same ports and data
//   await cluster.leaderOf('t', 0)                        // from the `metadata` op (-1: none)
//   await cluster.waitForIsr('t', 0, 3)                   // until the ISR has 3 members
//   await cluster.close()                                 // kills everything; safe after a failure
//
// What the cluster says is read through the protocol's `metadata` op on a raw session
// (broker-raw-client.ts) with a broker that runs, never through @faecie/client: the tests check the
// client, so their view of the cluster must not depend on it. Each broker answers from its own
// watch of etcd, so a check of cluster state waits (waitFor) rather than asking once.
import { Faecie, type FaecieConfig } from '@faecie/client'
import type { MetadataPartition, MetadataResponse } from '@faecie/protocol'
import { type BrokerProcess, startBrokerProcess } from './broker-process.js'
import { RawClient, readAll } from './broker-raw-client.js'
import { type EtcdProcess, startEtcdProcess } from './etcd-process.js'
import { removeTempDir } from './temp-dir.js'
import { waitFor } from './wait-for.js'

export interface ClusterOptions {
  /** How many brokers (ids 1..N); default 3. */
  brokers?: number
  /** --broker-session-timeout-ms (whole seconds, at least 2000); default 2000. */
  sessionTimeoutMs?: number
  /** Flags every broker gets after the fixture's own. */
  extraArgs?: string[]
  /** Flags for one broker only, after extraArgs (e.g. its own --fault-injection file). */
  brokerArgs?: (brokerId: number) => string[]
  /** Waits of the fixture (cluster formed, ISR, leader) give up after this; default 30 s. */
  waitTimeoutMs?: number
}

/** running: serving; paused: held by SIGSTOP; down: killed or shut down. */
export type BrokerState = 'running' | 'paused' | 'down'

export interface TestCluster {
  readonly etcd: EtcdProcess
  readonly brokerIds: number[]
  readonly sessionTimeoutMs: number
  /** The broker's ws://127.0.0.1:PORT (it may change on a restart if the port was taken). */
  url(brokerId: number): string
  /** Every broker's URL, for a client's bootstrap list. */
  urls(): string[]
  broker(brokerId: number): BrokerProcess
  state(brokerId: number): BrokerState
  /** SIGKILL, waits for the exit. */
  kill9(brokerId: number): Promise<void>
  /** SIGTERM (a clean shutdown: the broker resigns), waits for the exit. */
  shutdown(brokerId: number): Promise<void>
  /** SIGSTOP: the process stays, frozen (its lease runs out after the session timeout). */
  stop(brokerId: number): void
  /** SIGCONT after stop(). */
  cont(brokerId: number): void
  /** Starts it again on its data dir (after SIGTERM if it runs; a paused one is resumed first). */
  restart(brokerId: number): Promise<void>
  /** etcd stopped and started again on the same ports and data; resolves once it is healthy. */
  restartEtcd(): Promise<void>
  /** The `metadata` op's answer from `via`, else from the first running broker that answers. */
  metadata(topics?: string[], options?: { via?: number }): Promise<MetadataResponse>
  partition(topic: string, partition: number, options?: { via?: number }): Promise<MetadataPartition>
  /** The partition's leader as a running broker says (-1: none). */
  leaderOf(topic: string, partition: number): Promise<number>
  /** Waits until the partition has a leader that `accept` accepts (default any); returns it. */
  waitForLeader(topic: string, partition: number, accept?: (leader: number) => boolean): Promise<number>
  /** Waits until the ISR has `expected` members (a count), or exactly these members (a list). */
  waitForIsr(topic: string, partition: number, expected: number | number[]): Promise<MetadataPartition>
  /** Waits until a controller that `accept` accepts (default any) is elected; returns its id. */
  waitForController(accept?: (controllerId: number) => boolean): Promise<number>
  /** Every record of the partition, read from its leader up to its high watermark (raw session). */
  readPartition(topic: string, partition: number): Promise<{ offsets: number[]; values: string[] }>
  /** A @faecie/client with every broker in its bootstrap list. */
  client(config?: Partial<FaecieConfig>): Faecie
  /** Has close() disconnect `part` (a producer, consumer or admin) if the test did not. */
  track<T extends { disconnect(): Promise<void> }>(part: T): T
  /** The last lines each broker logged, for a failing test's message. */
  logs(): string
  close(): Promise<void>
}

const POLL_MS = 50
/** A raw session's connect and each request on it: a check inside waitFor must never hang. */
const REQUEST_TIMEOUT_MS = 5_000

/** A raw session, or an error after `timeoutMs` (the socket, if it opens later, is closed). */
function connectWithin(url: string, timeoutMs: number): Promise<RawClient> {
  const connecting = RawClient.connect(url)
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void connecting.then((late) => late.close(), () => undefined)
      reject(new Error(`no session with ${url} within ${timeoutMs} ms`))
    }, timeoutMs)
  })
  return Promise.race([connecting, timeout]).finally(() => clearTimeout(timer))
}

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.brokers ?? 3
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 2000
  const waitTimeoutMs = options.waitTimeoutMs ?? 30_000
  const brokerIds = Array.from({ length: count }, (_, i) => i + 1)
  const etcd = await startEtcdProcess()
  const brokers = new Map<number, BrokerProcess>()
  const states = new Map<number, BrokerState>()
  const sessions = new Map<number, Promise<RawClient>>()
  /** What client() made, each disconnected by close() (a test that failed may not have). */
  const clients: Array<{ disconnect(): Promise<void> }> = []

  const dropSession = (brokerId: number): void => {
    const session = sessions.get(brokerId)
    sessions.delete(brokerId)
    void session?.then((s) => s.close(), () => undefined)
  }
  const sessionOf = (brokerId: number): Promise<RawClient> => {
    let session = sessions.get(brokerId)
    if (session === undefined) {
      session = connectWithin(brokerOf(brokerId).url, REQUEST_TIMEOUT_MS)
      sessions.set(brokerId, session)
      session.then((s) => void s.closed.then(() => { if (sessions.get(brokerId) === session) sessions.delete(brokerId) }), () => sessions.delete(brokerId))
    }
    return session
  }
  const brokerOf = (brokerId: number): BrokerProcess => {
    const broker = brokers.get(brokerId)
    if (broker === undefined) throw new Error(`no broker ${brokerId} in this cluster (ids ${brokerIds.join(', ')})`)
    return broker
  }
  const running = (): number[] => brokerIds.filter((id) => states.get(id) === 'running')
  const wait = <T>(what: string, check: () => T | Promise<T>) => waitFor(what, check, { timeoutMs: waitTimeoutMs, intervalMs: POLL_MS })

  const metadata = async (topics?: string[], opts: { via?: number } = {}): Promise<MetadataResponse> => {
    const candidates = opts.via === undefined ? running() : [opts.via]
    let lastError: unknown = new Error('no broker is running')
    for (const brokerId of candidates) {
      try {
        const answer = await (await sessionOf(brokerId)).request('metadata', topics === undefined ? {} : { topics }, REQUEST_TIMEOUT_MS)
        if (answer.error !== undefined) throw new Error(`metadata from broker ${brokerId}: ${JSON.stringify(answer.error)}`)
        return answer as unknown as MetadataResponse
      } catch (err) {
        dropSession(brokerId)
        lastError = err
      }
    }
    throw lastError
  }
  const partition = async (topic: string, p: number, opts: { via?: number } = {}): Promise<MetadataPartition> => {
    const answer = await metadata([topic], opts)
    const found = answer.topics.find((t) => t.topic === topic)?.partitions.find((m) => m.partition === p)
    if (found === undefined) throw new Error(`${topic}-${p} is not in the metadata: ${JSON.stringify(answer.topics)}`)
    return found
  }

  const cluster: TestCluster = {
    etcd,
    brokerIds,
    sessionTimeoutMs,
    url: (brokerId) => brokerOf(brokerId).url,
    urls: () => brokerIds.map((id) => brokerOf(id).url),
    broker: brokerOf,
    state: (brokerId) => states.get(brokerId) ?? 'down',
    async kill9(brokerId) {
      dropSession(brokerId)
      states.set(brokerId, 'down')
      await brokerOf(brokerId).kill()
    },
    async shutdown(brokerId) {
      dropSession(brokerId)
      if (states.get(brokerId) === 'paused') brokerOf(brokerId).signal('SIGCONT')
      states.set(brokerId, 'down')
      await brokerOf(brokerId).stop()
    },
    stop(brokerId) {
      dropSession(brokerId)
      brokerOf(brokerId).signal('SIGSTOP')
      states.set(brokerId, 'paused')
    },
    cont(brokerId) {
      brokerOf(brokerId).signal('SIGCONT')
      states.set(brokerId, 'running')
    },
    async restart(brokerId) {
      dropSession(brokerId)
      if (states.get(brokerId) === 'paused') brokerOf(brokerId).signal('SIGCONT')
      states.set(brokerId, 'down')
      await brokerOf(brokerId).restart()
      states.set(brokerId, 'running')
    },
    restartEtcd: () => etcd.restart(),
    metadata,
    partition,
    async leaderOf(topic, p) {
      return (await partition(topic, p)).leader
    },
    waitForLeader: (topic, p, accept = () => true) => wait(`a leader of ${topic}-${p}`, async () => {
      const leader = (await partition(topic, p)).leader
      return leader >= 0 && accept(leader) ? leader : undefined
    }),
    waitForIsr: (topic, p, expected) => wait(`the ISR of ${topic}-${p} to be ${JSON.stringify(expected)}`, async () => {
      const state = await partition(topic, p)
      const isr = [...(state.isr ?? [])].sort((a, b) => a - b)
      const ok = typeof expected === 'number' ? isr.length === expected : JSON.stringify(isr) === JSON.stringify([...expected].sort((a, b) => a - b))
      // Thrown, not returned: waitFor keeps the last error, so a timeout says what the ISR was.
      if (!ok || state.leader < 0) throw new Error(`leader ${state.leader}, isr [${isr.join(',')}]`)
      return state
    }),
    waitForController: (accept = () => true) => wait('a controller', async () => {
      const { controllerId } = await metadata([])
      return controllerId !== undefined && controllerId >= 0 && accept(controllerId) ? controllerId : undefined
    }),
    // Asked again while the leader named by the metadata is not the leader yet (or any more).
    readPartition: (topic, p) => wait(`the records of ${topic}-${p} from its leader`, async () => {
      const leader = await cluster.waitForLeader(topic, p, (id) => states.get(id) === 'running')
      return readAll(await sessionOf(leader), topic, p)
    }),
    client(config = {}) {
      return new Faecie({ clientId: 'cluster-test', ...config, brokers: config.brokers ?? cluster.urls() })
    },
    track(part) {
      clients.push(part)
      return part
    },
    logs: () => brokerIds.map((id) => brokers.get(id)?.logs().slice(-30).map((line) => `[broker ${id}] ${line}`).join('\n') ?? '').join('\n'),
    async close() {
      await Promise.allSettled(clients.splice(0).map((client) => client.disconnect()))
      for (const brokerId of [...sessions.keys()]) dropSession(brokerId)
      await Promise.allSettled([...brokers.values()].map(async (broker) => {
        await broker.kill()
        removeTempDir(broker.dataDir)
      }))
      await etcd.stop()
    },
  }

  try {
    const args = (brokerId: number): string[] => ['--cluster', etcd.clientUrl, '--broker-id', String(brokerId),
      '--broker-session-timeout-ms', String(sessionTimeoutMs), ...(options.extraArgs ?? []), ...(options.brokerArgs?.(brokerId) ?? [])]
    const started = await Promise.allSettled(brokerIds.map(async (brokerId) => {
      brokers.set(brokerId, await startBrokerProcess({ args: args(brokerId) }))
      states.set(brokerId, 'running')
    }))
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    // Formed: every broker sees every other, and a controller is elected.
    for (const via of brokerIds) {
      await wait(`broker ${via} to see ${count} brokers and a controller`, async () => {
        const answer = await metadata([], { via })
        return answer.brokers.length === count && (answer.controllerId ?? -1) >= 0
      })
    }
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

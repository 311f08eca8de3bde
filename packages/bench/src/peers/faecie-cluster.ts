// faecie with three brokers for the replication workload: its own etcd (etcd.ts) and N broker
// processes (the built packages/broker/dist/main.js) with `--cluster ETCD --broker-id N --port P
// --kafka-port 0 --data-dir D`, ports chosen free at start and kept across a restart (so a broker
// comes back at the URL it had), data dirs in one temp dir of the suite. `--broker-session-timeout-ms`
// is passed only when set (the broker's default, 6 s, otherwise). Every process is tracked by PID. A
// broker restarted after a kill -9 is started again when refused at first (its old registration).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Started, freePort, headAndTail, removeTempDir, sleep, startProcess, tempDir, waitForPort } from '../suite/processes.js'
import { type Etcd, startEtcd } from './etcd.js'

const START_TIMEOUT_MS = 60_000
/**
 * A restarted broker may be refused while etcd still holds its previous registration (its lease
 * not yet expired): it is started again, up to this many times, this far apart.
 */
const RESTART_ATTEMPTS = 10
const RESTART_PAUSE_MS = 1_000

export interface FaecieClusterOptions {
  repoRoot: string
  brokers: number
  /** --broker-session-timeout-ms; the broker's default when absent. */
  sessionTimeoutMs?: number
  log(message: string): void
}

export interface FaecieCluster {
  /** ws://127.0.0.1:PORT of every broker (the client's bootstrap list). */
  urls: string[]
  brokerIds: number[]
  etcdUrl: string
  /** SIGKILL to broker `id`; resolves once it is gone. */
  kill9(id: number): Promise<void>
  /** Starts broker `id` again on its port and data dir; resolves once it listens. */
  restart(id: number): Promise<void>
  stop(): Promise<void>
}

interface Broker {
  port: number
  dataDir: string
  process?: Started
  /** Set while the suite stops or kills it, so that its exit is not reported as a crash. */
  stopping?: boolean
}

export async function startFaecieCluster(options: FaecieClusterOptions): Promise<FaecieCluster> {
  if (!(Number.isInteger(options.brokers) && options.brokers >= 1 && options.brokers <= 9)) throw new RangeError('brokers must be 1 to 9')
  const root = tempDir('faecie-cluster')
  const etcd: Etcd = await startEtcd(options.log)
  const main = join(options.repoRoot, 'packages/broker/dist/main.js')
  const brokerIds = Array.from({ length: options.brokers }, (_, i) => i + 1)
  const brokers = new Map<number, Broker>()
  for (const id of brokerIds) {
    const dataDir = join(root, `broker-${id}`)
    mkdirSync(dataDir, { recursive: true })
    brokers.set(id, { port: await freePort(), dataDir })
  }
  const brokerOf = (id: number): Broker => {
    const broker = brokers.get(id)
    if (broker === undefined) throw new RangeError(`no faecie broker ${id}`)
    return broker
  }
  const start = async (id: number): Promise<void> => {
    const broker = brokerOf(id)
    broker.stopping = false
    const started = startProcess(process.execPath, [
      main, '--cluster', etcd.clientUrl, '--broker-id', String(id), '--port', String(broker.port), '--kafka-port', '0', '--data-dir', broker.dataDir,
      ...(options.sessionTimeoutMs === undefined ? [] : ['--broker-session-timeout-ms', String(options.sessionTimeoutMs)]),
    ], { cwd: options.repoRoot, env: { ...process.env, FAECIE_LOG_LEVEL: 'warn' } })
    broker.process = started
    // A broker that exits without being told to (a crash) is reported with its output at once: the
    // run that then stalls would otherwise say nothing of why.
    void started.exited.then((code) => {
      if (broker.process !== started || broker.stopping === true) return
      options.log(`    faecie broker ${id} exited by itself (code ${String(code)}, signal ${String(started.child.signalCode)}): ${headAndTail(started.output(), 2_000)}`)
    })
    try {
      await waitForPort(broker.port, START_TIMEOUT_MS, () => started.child.exitCode !== null)
    } catch (err) {
      broker.stopping = true
      await started.stop()
      throw new Error(`faecie broker ${id}: ${(err as Error).message}: ${headAndTail(started.output())}`)
    }
  }
  const stop = async (): Promise<void> => {
    await Promise.all([...brokers.values()].map((broker) => {
      broker.stopping = true
      return broker.process?.stop()
    }))
    await etcd.process.stop()
    removeTempDir(etcd.dataDir)
    removeTempDir(root)
  }
  try {
    await Promise.all(brokerIds.map(start))
  } catch (err) {
    await stop()
    throw err
  }
  return {
    urls: brokerIds.map((id) => `ws://127.0.0.1:${brokerOf(id).port}`),
    brokerIds,
    etcdUrl: etcd.clientUrl,
    async kill9(id) {
      const started = brokerOf(id).process
      if (started === undefined || started.child.exitCode !== null || started.child.signalCode !== null) throw new Error(`faecie broker ${id} is not running`)
      brokerOf(id).stopping = true
      started.child.kill('SIGKILL')
      await started.exited
    },
    async restart(id) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await start(id)
        } catch (err) {
          if (attempt >= RESTART_ATTEMPTS) throw err
          options.log(`    faecie broker ${id} did not restart (attempt ${attempt} of ${RESTART_ATTEMPTS}): ${(err as Error).message.slice(0, 200)}`)
          await sleep(RESTART_PAUSE_MS)
        }
      }
    },
    stop,
  }
}

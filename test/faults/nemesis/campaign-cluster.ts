// The cluster of a fault campaign (issue 15): etcd and N brokers as real processes placed by a
// Topology (../net/topology.ts): each started with the topology's command prefix (its network
// namespace) and bind host, the etcd URL the topology gives it, the topology's own flags, a short
// --broker-session-timeout-ms, and (when the brokers take it) `--fault-injection <its own plan file>`.
//
//   const cluster = await startCampaignCluster({ topology, brokerIds: [1, 2, 3], sessionTimeoutMs: 4000, faultInjection: true })
//   await cluster.kill9(2); await cluster.restart(2)          // SIGKILL; start again on its data dir
//   cluster.pause(1); cluster.resume(1)                        // SIGSTOP / SIGCONT
//   cluster.setFaultPlan(3, { fsyncError: 'EIO' })             // written atomically: tmp + rename
//   await cluster.metadata(['t'])                              // the `metadata` op, raw session
//   await cluster.close()
//
// A plan file is rewritten whole (temporary file, then rename over it): the broker polls it and must
// never read half a plan. What the cluster says is read through the protocol's `metadata` op on a raw
// session (test/support/broker-raw-client.ts), never through @faecie/client, whose behaviour is what
// the campaign tests.
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MetadataResponse } from '@faecie/protocol'
import { EMPTY_FAULT_PLAN, type FaultPlan } from '../../../packages/broker/src/faults/fault-plan.js'
import { type BrokerProcess, runBrokerToExit, startBrokerProcess } from '../../support/broker-process.js'
import { RawClient } from '../../support/broker-raw-client.js'
import { type EtcdProcess, startEtcdProcess } from '../../support/etcd-process.js'
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js'
import { waitFor } from '../../support/wait-for.js'
import { brokerNode, type Topology } from '../net/topology.js'

export type BrokerState = 'running' | 'paused' | 'down'

export interface CampaignClusterOptions {
  topology: Topology
  brokerIds: number[]
  /** --broker-session-timeout-ms (whole seconds, at least 2000). */
  sessionTimeoutMs: number
  /** Start every broker with --fault-injection (see brokersTakeFaultInjection). */
  faultInjection: boolean
  /** Waits for the cluster to form, and for a restarted broker; default 60 s. */
  waitTimeoutMs?: number
}

export interface CampaignCluster {
  readonly etcd: EtcdProcess
  readonly brokerIds: number[]
  readonly sessionTimeoutMs: number
  url(brokerId: number): string
  urls(): string[]
  state(brokerId: number): BrokerState
  /** Whether the broker's process runs (false: it exited, by a kill or by itself). */
  alive(brokerId: number): boolean
  kill9(brokerId: number): Promise<void>
  /** Starts it again on its data dir (resumed first if paused, stopped first if it runs). */
  restart(brokerId: number): Promise<void>
  pause(brokerId: number): void
  resume(brokerId: number): void
  /** The broker's --fault-injection file. */
  planFile(brokerId: number): string
  /** Replaces the broker's fault plan (the keys not given are cleared). */
  setFaultPlan(brokerId: number, plan: Partial<FaultPlan>): void
  /** The `metadata` op's answer from the first running broker that answers within the timeout. */
  metadata(topics?: string[]): Promise<MetadataResponse>
  /** The last lines each broker logged. */
  logs(linesPerBroker?: number): string
  close(): Promise<void>
}

/** A raw session's connect and each request on it: a metadata call must never hang the nemesis. */
const REQUEST_TIMEOUT_MS = 3_000

/** True when the built broker knows `--fault-injection` (its --help names it). */
export function brokersTakeFaultInjection(): boolean {
  const run = runBrokerToExit(['--help'])
  return `${run.stdout}${run.stderr}`.includes('--fault-injection')
}

export async function startCampaignCluster(options: CampaignClusterOptions): Promise<CampaignCluster> {
  const { topology, brokerIds, sessionTimeoutMs } = options
  const waitTimeoutMs = options.waitTimeoutMs ?? 60_000
  const planDir = makeTempDir('fault-plans')
  const planFile = (id: number): string => join(planDir, `broker-${id}.json`)
  const brokers = new Map<number, BrokerProcess>()
  const states = new Map<number, BrokerState>()
  const etcd = await startEtcdProcess({ commandPrefix: topology.commandPrefix('etcd'), host: topology.bindHost('etcd') })

  const brokerOf = (id: number): BrokerProcess => {
    const broker = brokers.get(id)
    if (broker === undefined) throw new Error(`no broker ${id} in this campaign (ids ${brokerIds.join(', ')})`)
    return broker
  }
  const setFaultPlan = (id: number, plan: Partial<FaultPlan>): void => {
    const tmp = `${planFile(id)}.tmp`
    writeFileSync(tmp, JSON.stringify({ ...EMPTY_FAULT_PLAN, ...plan }))
    renameSync(tmp, planFile(id))
  }
  const metadata = async (topics?: string[]): Promise<MetadataResponse> => {
    let lastError: unknown = new Error('no broker is running')
    for (const id of brokerIds.filter((b) => states.get(b) === 'running')) {
      let session: RawClient | undefined
      try {
        session = await withTimeout(RawClient.connect(brokerOf(id).url), REQUEST_TIMEOUT_MS, (late) => late.close())
        const answer = await session.request('metadata', topics === undefined ? {} : { topics }, REQUEST_TIMEOUT_MS)
        if (answer.error !== undefined) throw new Error(`metadata from broker ${id}: ${JSON.stringify(answer.error)}`)
        return answer as unknown as MetadataResponse
      } catch (err) {
        lastError = err
      } finally {
        void session?.close()
      }
    }
    throw lastError
  }
  const start = async (id: number): Promise<BrokerProcess> => {
    const node = brokerNode(id)
    if (options.faultInjection) setFaultPlan(id, {})
    const broker = await startBrokerProcess({
      commandPrefix: topology.commandPrefix(node),
      host: topology.bindHost(node),
      args: ['--cluster', await topology.etcdUrlFor(id, etcd.clientUrl), '--broker-id', String(id),
        '--broker-session-timeout-ms', String(sessionTimeoutMs), ...(await topology.brokerFlags(id)),
        ...(options.faultInjection ? ['--fault-injection', planFile(id)] : [])],
    })
    topology.brokerListening(id, broker.port)
    return broker
  }

  const cluster: CampaignCluster = {
    etcd,
    brokerIds,
    sessionTimeoutMs,
    url: (id) => brokerOf(id).url,
    urls: () => brokerIds.filter((id) => brokers.has(id)).map((id) => brokerOf(id).url),
    state: (id) => states.get(id) ?? 'down',
    alive: (id) => brokers.get(id)?.alive ?? false,
    async kill9(id) {
      states.set(id, 'down')
      await brokerOf(id).kill()
    },
    async restart(id) {
      const broker = brokerOf(id)
      if (states.get(id) === 'paused') broker.signal('SIGCONT')
      states.set(id, 'down')
      await broker.restart()
      topology.brokerListening(id, broker.port)
      states.set(id, 'running')
    },
    pause(id) {
      brokerOf(id).signal('SIGSTOP')
      states.set(id, 'paused')
    },
    resume(id) {
      brokerOf(id).signal('SIGCONT')
      states.set(id, 'running')
    },
    planFile,
    setFaultPlan,
    metadata,
    logs: (lines = 30) => brokerIds.map((id) => brokers.get(id)?.logs().slice(-lines).map((l) => `[broker ${id}] ${l}`).join('\n') ?? '').join('\n'),
    async close() {
      await Promise.allSettled([...brokers.values()].map(async (broker) => {
        await broker.kill()
        removeTempDir(broker.dataDir)
      }))
      await etcd.stop()
      removeTempDir(planDir)
    },
  }

  try {
    const started = await Promise.allSettled(brokerIds.map(async (id) => {
      brokers.set(id, await start(id))
      states.set(id, 'running')
    }))
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    await waitFor(`every broker to see ${brokerIds.length} brokers and a controller`, async () => {
      const answer = await metadata([])
      return answer.brokers.length === brokerIds.length && (answer.controllerId ?? -1) >= 0
    }, { timeoutMs: waitTimeoutMs, intervalMs: 100 })
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

/** `promise`, or an error after `timeoutMs` (what it yields later is handed to `dispose`). */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, dispose: (late: T) => void = () => undefined): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void promise.then(dispose, () => undefined)
      reject(new Error(`no answer within ${timeoutMs} ms`))
    }, timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

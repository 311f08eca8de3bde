// The cluster of a fault campaign (issue 15): etcd and N brokers as real processes placed by a
// Topology (../net/topology.ts): each started with the topology's command prefix (its network
// namespace) and bind host, the etcd URL the topology gives it, the topology's own flags, a short
// --broker-session-timeout-ms, and (when the brokers take it) `--fault-injection <its own plan file>`.
//
//   const cluster = await startCampaignCluster({ topology, brokerIds: [1, 2, 3], sessionTimeoutMs: 4000, faultInjection: true })
//   await cluster.kill9(2); await cluster.restart(2)          // SIGKILL; start again on its data dir
//   cluster.pause(1); cluster.resume(1)                        // SIGSTOP / SIGCONT
//   cluster.setFaultPlan(3, { fsyncError: 'EIO' })             // written atomically: tmp + rename
//   await cluster.applyFaultPlan(3, { fsyncError: 'EIO' }, 3000) // ... and true once the broker logs it in force
//   await cluster.metadata(['t'])                              // the `metadata` op, raw session
//   await cluster.metadataAnswers(['t'], 1500)                 // every running broker's answer, at once
//   cluster.exits()                                            // the brokers that exited by themselves
//   await cluster.close()
//
// Every broker process's exit is seen as it happens: one the cluster did not cause (kill9, restart,
// close) is recorded with its exit code, signal and last log lines (History.brokerExits), and the
// broker is 'crashed' until something restarts it.
// A plan file is rewritten whole (temporary file, then rename over it): the broker polls it and must
// never read half a plan. What the cluster says is read through the protocol's `metadata` op on a raw
// session (test/support/broker-raw-client.ts), never through @faecie/client, whose behaviour is what
// the campaign tests.
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { MetadataResponse } from '@faecie/protocol'
import { EMPTY_FAULT_PLAN, type FaultPlan } from '../../../packages/broker/src/faults/fault-plan.js'
import { type BrokerProcess, runBrokerToExit, startBrokerProcess } from '../../support/broker-process.js'
import { RawClient } from '../../support/broker-raw-client.js'
import { type EtcdProcess, startEtcdProcess } from '../../support/etcd-process.js'
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js'
import { waitFor } from '../../support/wait-for.js'
import type { BrokerExit } from '../history/history.js'
import { brokerNode, type Topology } from '../net/topology.js'
import type { BrokerAnswer } from './cluster-view.js'

/** down: stopped by the cluster (kill9, a restart under way); crashed: exited by itself. */
export type BrokerState = 'running' | 'paused' | 'down' | 'crashed'

export interface CampaignClusterOptions {
  topology: Topology
  brokerIds: number[]
  /** --broker-session-timeout-ms (whole seconds, at least 2000). */
  sessionTimeoutMs: number
  /** Start every broker with --fault-injection (see brokersTakeFaultInjection). */
  faultInjection: boolean
  /** Waits for the cluster to form, and for a restarted broker; default 60 s. */
  waitTimeoutMs?: number
  /** The history's clock, for when an exit was seen; default performance.now. */
  clock?: () => number
  /** Told of every exit nobody asked for, as it is seen. */
  onCrash?: (exit: BrokerExit) => void
  /** Told of a (re)start the broker refused while its plan holds a disk fault: expected, no crash. */
  onRefusedStart?: (brokerId: number, why: string) => void
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
  /** The broker's process id now (-1 when it has none). */
  pid(brokerId: number): number
  /** The broker's --fault-injection file. */
  planFile(brokerId: number): string
  /** The broker's --data-dir (the same across restarts; removed by close()). */
  dataDir(brokerId: number): string
  /** Replaces the broker's fault plan (the keys not given are cleared). */
  setFaultPlan(brokerId: number, plan: Partial<FaultPlan>): void
  /**
   * setFaultPlan, then waits up to timeoutMs for the broker to log that this plan is in force (any of
   * its threads): true when it did, false when not within timeoutMs (paused, down, or slow).
   */
  applyFaultPlan(brokerId: number, plan: Partial<FaultPlan>, timeoutMs: number): Promise<boolean>
  /** The `metadata` op's answer from the first running broker that answers within the timeout. */
  metadata(topics?: string[]): Promise<MetadataResponse>
  /** Every running broker asked at once; the answers that came within timeoutMs (maybe none). */
  metadataAnswers(topics: string[], timeoutMs: number): Promise<BrokerAnswer[]>
  /** The broker processes that exited without the cluster ending them, in the order seen. */
  exits(): BrokerExit[]
  /** The last lines each broker logged. */
  logs(linesPerBroker?: number): string
  close(): Promise<void>
}

/** A raw session's connect and each request on it: a metadata call must never hang the nemesis. */
const REQUEST_TIMEOUT_MS = 3_000
/** The last log lines of a broker kept with its exit. */
const EXIT_LINES = 30
/** What the broker's fault-plan watcher logs (packages/broker/src/faults/fault-watcher.ts). */
const PLAN_IN_FORCE_MSG = 'fault injection: new fault plan in force'

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
  const clock = options.clock ?? (() => performance.now())
  const exits: BrokerExit[] = []
  let closing = false
  /** Per broker, the waiters for a plan in force: the plan as JSON, and what to call. */
  const planWaiters = new Map<number, Set<{ plan: string; done: () => void }>>()
  const etcd = await startEtcdProcess({ commandPrefix: topology.commandPrefix('etcd'), host: topology.bindHost('etcd') })

  const brokerOf = (id: number): BrokerProcess => {
    const broker = brokers.get(id)
    if (broker === undefined) throw new Error(`no broker ${id} in this campaign (ids ${brokerIds.join(', ')})`)
    return broker
  }
  /** Per broker, the disk fault its plan holds now (a start refused under one is no crash). */
  const diskFaults = new Map<number, string>()
  const setFaultPlan = (id: number, plan: Partial<FaultPlan>): void => {
    const diskFault = plan.fsyncError ?? plan.writeError ?? null
    if (diskFault === null) diskFaults.delete(id)
    else diskFaults.set(id, diskFault)
    const tmp = `${planFile(id)}.tmp`
    writeFileSync(tmp, JSON.stringify({ ...EMPTY_FAULT_PLAN, ...plan }))
    renameSync(tmp, planFile(id))
  }
  const onLine = (id: number, line: string): void => {
    const waiters = planWaiters.get(id)
    if (waiters === undefined || waiters.size === 0 || !line.includes(PLAN_IN_FORCE_MSG)) return
    let plan: string
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; plan?: Partial<FaultPlan> }
      if (parsed.msg !== PLAN_IN_FORCE_MSG) return
      plan = planKey(parsed.plan ?? {})
    } catch {
      return
    }
    for (const waiter of waiters) if (waiter.plan === plan) waiter.done()
  }
  const onExit = (id: number, exitCode: number | null, signal: NodeJS.Signals | null): void => {
    const state = states.get(id)
    // kill9, restart and close mark the broker down (or closing) before they end it; a start that
    // fails is the restart's to report.
    if (closing || (state !== 'running' && state !== 'paused')) return
    states.set(id, 'crashed')
    // Called once the broker's output is read to the end (broker-process.ts): its last lines are in.
    const exit: BrokerExit = { brokerId: id, atMs: clock(), exitCode, signal, lastLines: brokers.get(id)?.logs().slice(-EXIT_LINES) ?? [] }
    exits.push(exit)
    options.onCrash?.(exit)
  }
  const applyFaultPlan = async (id: number, plan: Partial<FaultPlan>, timeoutMs: number): Promise<boolean> => {
    const waiters = planWaiters.get(id) ?? new Set()
    planWaiters.set(id, waiters)
    let timer: ReturnType<typeof setTimeout> | undefined
    let waiter!: { plan: string; done: () => void }
    const seen = new Promise<boolean>((resolve) => {
      waiter = { plan: planKey(plan), done: () => resolve(true) }
      timer = setTimeout(() => resolve(false), timeoutMs)
    })
    waiters.add(waiter)
    try {
      setFaultPlan(id, plan)
      return await seen
    } finally {
      clearTimeout(timer)
      waiters.delete(waiter)
    }
  }
  const metadataAnswers = async (topics: string[], timeoutMs: number): Promise<BrokerAnswer[]> => {
    const asked = brokerIds.filter((b) => states.get(b) === 'running').map(async (id): Promise<BrokerAnswer | undefined> => {
      let session: RawClient | undefined
      try {
        session = await withTimeout(RawClient.connect(brokerOf(id).url), timeoutMs, (late) => late.close())
        const answer = await session.request('metadata', { topics }, timeoutMs)
        return answer.error === undefined ? { brokerId: id, answer: answer as unknown as MetadataResponse } : undefined
      } catch {
        return undefined
      } finally {
        void session?.close()
      }
    })
    // Each broker's connect and request are bounded; the whole is bounded once more, for the sum.
    const answers = await withTimeout(Promise.all(asked), 2 * timeoutMs + 500).catch((): Array<BrokerAnswer | undefined> => [])
    return answers.filter((a): a is BrokerAnswer => a !== undefined)
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
        // The network-namespace topology binds 10.x addresses: an open broker there is meant (secure defaults).
        '--insecure',
        ...(options.faultInjection ? ['--fault-injection', planFile(id)] : [])],
      onLine: (line) => onLine(id, line),
      onExit: (code, signal) => onExit(id, code, signal),
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
      try {
        await broker.restart()
      } catch (err) {
        const diskFault = diskFaults.get(id)
        if (diskFault !== undefined) {
          // A broker refuses to start on a data dir whose disk fails (Kafka stops with its only log
          // dir offline): expected while the fault lasts; the heal of the fault starts it again.
          states.set(id, 'crashed')
          options.onRefusedStart?.(id, `refused to start under the injected ${diskFault}: ${String(err).split('\n')[0]}`)
          return
        }
        // It did not come back: a broker that cannot start on its own data is as bad as a crash.
        const exit: BrokerExit = { brokerId: id, atMs: clock(), exitCode: broker.exitCode, signal: null, lastLines: [`restart failed: ${String(err)}`.slice(0, 4000), ...broker.logs().slice(-EXIT_LINES)] }
        exits.push(exit)
        states.set(id, 'crashed')
        options.onCrash?.(exit)
        throw err
      }
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
    pid: (id) => brokers.get(id)?.pid ?? -1,
    planFile,
    dataDir: (id) => brokerOf(id).dataDir,
    setFaultPlan,
    applyFaultPlan,
    metadata,
    metadataAnswers,
    exits: () => [...exits],
    logs: (lines = 30) => brokerIds.map((id) => brokers.get(id)?.logs().slice(-lines).map((l) => `[broker ${id}] ${l}`).join('\n') ?? '').join('\n'),
    async close() {
      closing = true
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

/** A plan as the broker logs it, whole (the keys not given are the empty plan's), in one key order. */
function planKey(plan: Partial<FaultPlan>): string {
  const e = EMPTY_FAULT_PLAN
  return JSON.stringify([plan.fsyncDelayMs ?? e.fsyncDelayMs, plan.fsyncError ?? e.fsyncError, plan.writeError ?? e.writeError, plan.clockOffsetMs ?? e.clockOffsetMs])
}

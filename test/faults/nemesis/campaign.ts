// One fault campaign (issue 15), start to end:
//
//   topology (netns, else TCP proxies) -> etcd + N brokers on it -> the workload starts recording
//   -> the nemesis applies the seed's schedule -> at the end every fault healed -> the workload runs
//   on until every partition acknowledged a produce sent after the heal (bounded) -> the workload
//   stopped, every op completed -> the final logs read (from each leader) -> every ISR member's copy
//   of each partition read from its data dir (History.replicaLogs) -> the checker -> the report
//
//   const { history, result, report } = await runCampaign({ seed: 7, durationMs: 60_000 })
//
// Everything it started (processes, namespaces, proxies, temp dirs) is removed whether it passes,
// fails or throws. The report ends with the command that replays the campaign. A broker that exits by
// itself (nobody killed it) is in History.brokerExits, seen as it happens.
import { performance } from 'node:perf_hooks'
import { checkHistory, type CheckResult } from '../history/checker.js'
import type { History, ReplicaLog } from '../history/history.js'
import { formatReport, replayCommand as replayOf } from '../history/report.js'
import { createTopology } from '../net/topologies.js'
import { readLogOnDisk } from '../../cluster/log-on-disk.js'
import { waitFor } from '../../support/wait-for.js'
import { topicState } from '../workload/final-logs.js'
import { Workload } from '../workload/workload.js'
import { brokersTakeFaultInjection, type CampaignCluster, startCampaignCluster } from './campaign-cluster.js'
import { Nemesis } from './nemesis.js'
import { describeSchedule, makeSchedule, type ScheduledFault } from './schedule.js'

export interface CampaignOptions {
  /** uint32: the fault schedule's seed. */
  seed: number
  /** From the workload's start to the end of the faults (the final read comes after). */
  durationMs: number
  /** 3 (default) or 5. */
  brokers?: number
  /** The topology: 'auto' (default) netns when it works, else proxy. */
  mode?: 'auto' | 'netns' | 'proxy'
  /** --broker-session-timeout-ms of every broker; default 4000. */
  sessionTimeoutMs?: number
  /** The workload's topic's partitions; default 3. */
  partitions?: number
  /** Progress lines (the nemesis's faults, the phases); default none. */
  log?: (line: string) => void
}

export interface CampaignOutcome {
  history: History
  result: CheckResult
  /** The checker's report, what the campaign ran on, and the replay command. */
  report: string
  /** The command that runs this campaign again. */
  replay: string
  /** What it ran on: the topology built (netns, else proxy and why) and whether brokers took fault plans. */
  setup: { topology: 'netns' | 'proxy'; fallbackReason: string | undefined; faultInjection: boolean }
  /** The faults the seed scheduled (some may have been skipped: see history.faults). */
  schedule: ScheduledFault[]
}

/** What the proxy topology means for the results (topology.ts, proxy-topology.ts), in the report. */
export const PROXY_MODE_NOTE = 'proxy mode: the clients bootstrap on the brokers\' own listeners, past the front proxies (only ' +
  'what they learn from metadata goes through a front); an isolated broker is cut from its clients too, and ' +
  'the sessions it opened to its peers stay up until its etcd session expires: isolation is coarser than in netns mode'

export const CAMPAIGN_TOPIC = 'nemesis'
/** After the heal, how long the cluster has to acknowledge a new produce on every partition. */
export const RECOVERY_TIMEOUT_MS = 30_000

/** The command that runs a campaign of these options again (the report's own last line). */
export function replayCommand(options: Pick<CampaignOptions, 'seed' | 'durationMs' | 'brokers' | 'mode'>): string {
  return replayOf({ ...campaignFields(options), startedMs: 0, endedMs: 0, ops: [], faults: [], finalLogs: [] })
}

/** What a History records of the options, for its replay command. */
function campaignFields(options: Pick<CampaignOptions, 'seed' | 'durationMs' | 'brokers' | 'mode'>): Pick<History, 'seed' | 'minutes' | 'brokers' | 'mode'> {
  return { seed: options.seed, minutes: Math.round((options.durationMs / 60_000) * 100) / 100, brokers: options.brokers ?? 3, mode: options.mode ?? 'auto' }
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignOutcome> {
  const log = options.log ?? (() => undefined)
  const brokers = options.brokers ?? 3
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 4000
  const partitions = options.partitions ?? 3
  const brokerIds = Array.from({ length: brokers }, (_, i) => i + 1)
  const clock = (): number => performance.now()
  const replay = replayCommand(options)

  const faultInjection = brokersTakeFaultInjection()
  const topology = await createTopology({ brokerIds, mode: options.mode ?? 'auto' })
  try {
    const schedule = makeSchedule({
      seed: options.seed, durationMs: options.durationMs, brokers, sessionTimeoutMs,
      can: { pairwise: topology.can.pairwise, oneWay: topology.can.oneWay, faultInjection },
    })
    const setup = [
      `campaign: seed ${options.seed}, ${options.durationMs} ms, ${brokers} brokers, topology ${topology.mode}` +
        (topology.fallbackReason !== undefined ? ` (fallback: ${topology.fallbackReason})` : ''),
      faultInjection ? undefined : 'campaign: the brokers do not take --fault-injection: no disk or clock faults',
      topology.mode === 'proxy' ? `campaign: ${PROXY_MODE_NOTE}` : undefined,
      `campaign: ${schedule.length} faults scheduled\n${describeSchedule(schedule)}`,
    ].filter((line): line is string => line !== undefined)
    for (const line of setup) log(line)

    const cluster = await startCampaignCluster({
      topology, brokerIds, sessionTimeoutMs, faultInjection, clock,
      onCrash: (exit) => log(`campaign: broker ${exit.brokerId} exited by itself (code ${String(exit.exitCode)}, signal ${String(exit.signal)})`),
      onRefusedStart: (brokerId, why) => log(`campaign: broker ${brokerId} ${why}; started again when the fault heals`),
    })
    const nemesis = new Nemesis({ cluster, topology, topic: CAMPAIGN_TOPIC, partitions, clock, log })
    try {
      const workload = new Workload({ urls: () => cluster.urls(), topic: CAMPAIGN_TOPIC, partitions, clock })
      await workload.start()
      const startedMs = clock()
      log('campaign: workload started, nemesis running')
      await Promise.all([nemesis.run(schedule, startedMs), sleep(options.durationMs)])
      log('campaign: healing everything')
      await nemesis.healAll()
      const healedMs = clock()
      const recovered = await recovery(workload, partitions, healedMs)
      log(recovered ? `campaign: every partition acknowledged a produce sent after the heal (${Math.round(clock() - healedMs)} ms)`
        : `campaign: some partition acknowledged no produce sent after the heal within ${RECOVERY_TIMEOUT_MS} ms`)
      await workload.stop()
      const endedMs = clock()
      log('campaign: reading the final logs')
      const finalLogs = await workload.readFinalLogs()
      const replicaLogs = await readReplicaLogs(cluster, partitions, log)
      log(`campaign: ${replicaLogs.length} replica copies read from the brokers' data dirs`)
      const history: History = {
        ...campaignFields(options), startedMs, endedMs, ops: workload.ops(), faults: nemesis.windows(), finalLogs, replicaLogs, brokerExits: cluster.exits(),
      }
      const result = checkHistory(history)
      const notes = [
        ...setup.slice(0, -1),
        ...cluster.exits().map((e) => `broker ${e.brokerId} exited by itself at ${Math.round(e.atMs - startedMs)} ms ` +
          `(code ${String(e.exitCode)}, signal ${String(e.signal)}); its last lines:\n  ${e.lastLines.slice(-10).join('\n  ')}`),
      ]
      const report = [formatReport(history, result), '', ...notes].join('\n')
      return {
        history, result, report, replay, schedule,
        setup: { topology: topology.mode, fallbackReason: topology.fallbackReason, faultInjection },
      }
    } catch (err) {
      nemesis.abort()
      throw new Error(`campaign (seed ${options.seed}) broke: ${String(err)}\nreplay: ${replay}\n${cluster.logs(20)}`)
    } finally {
      await cluster.close()
    }
  } finally {
    await topology.close()
  }
}

/**
 * Every ISR member's copy of each partition of the campaign topic, read from its data dir while the
 * brokers run (the workload has stopped; a follower pwrites what it fetched before it fetches again,
 * so an ISR member's file holds everything below the high watermark; a torn last batch ends a read).
 * The ISR is asked once, after the final read; a replica out of it then is not compared (logged). An
 * ISR member without a readable copy is recorded empty: the checker finds everything lacking.
 */
async function readReplicaLogs(cluster: CampaignCluster, partitions: number, log: (line: string) => void): Promise<ReplicaLog[]> {
  const state = await topicState(cluster.urls(), CAMPAIGN_TOPIC)
  const copies: ReplicaLog[] = []
  for (let partition = 0; partition < partitions; partition++) {
    const meta = state.partitions.find((p) => p.partition === partition)
    const isr = meta?.isr ?? []
    const outside = (meta?.replicas ?? []).filter((id) => !isr.includes(id))
    if (outside.length > 0) log(`campaign: ${CAMPAIGN_TOPIC}-${partition}: replicas ${outside.join(', ')} out of the ISR after the final read: not compared`)
    for (const brokerId of isr) {
      const copy: ReplicaLog = { brokerId, topic: CAMPAIGN_TOPIC, partition, records: [], endOffset: 0 }
      try {
        const onDisk = readLogOnDisk(cluster.dataDir(brokerId), CAMPAIGN_TOPIC, partition)
        copy.records = onDisk.offsets.map((offset, i) => ({ offset, value: onDisk.values[i]! }))
        copy.endOffset = onDisk.endOffset
      } catch (err) {
        log(`campaign: broker ${brokerId}'s copy of ${CAMPAIGN_TOPIC}-${partition} could not be read (recorded empty): ${String(err)}`)
      }
      copies.push(copy)
    }
  }
  return copies
}

/** Whether every partition acknowledged a produce invoked after healedMs, within RECOVERY_TIMEOUT_MS. */
async function recovery(workload: Workload, partitions: number, healedMs: number): Promise<boolean> {
  const acked = new Set<number>()
  let seen = 0
  try {
    await waitFor('every partition to acknowledge a produce sent after the heal', () => {
      const ops = workload.ops()
      for (; seen < ops.length; seen++) {
        const op = ops[seen]!
        if (op.type === 'produce' && op.outcome === 'ok' && op.invokedMs > healedMs) acked.add(op.partition)
      }
      return acked.size >= partitions
    }, { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 250 })
    return true
  } catch {
    return false
  }
}

/** The campaign's own length: the one wait that stands for time itself, not for an event. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

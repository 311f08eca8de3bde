// One fault campaign (issue 15), start to end:
//
//   topology (netns, else TCP proxies) -> etcd + N brokers on it -> the workload starts recording
//   -> the nemesis applies the seed's schedule -> at the end every fault healed -> the workload
//   stopped, every op completed -> the final logs read -> the checker -> the report
//
//   const { history, result, report } = await runCampaign({ seed: 7, durationMs: 60_000 })
//
// Everything it started (processes, namespaces, proxies, temp dirs) is removed whether it passes,
// fails or throws. The report ends with the command that replays the campaign.
import { performance } from 'node:perf_hooks'
import { checkHistory, type CheckResult } from '../history/checker.js'
import type { History } from '../history/history.js'
import { formatReport, replayCommand as replayOf } from '../history/report.js'
import { createTopology } from '../net/topologies.js'
import { Workload } from '../workload/workload.js'
import { brokersTakeFaultInjection, startCampaignCluster } from './campaign-cluster.js'
import { Nemesis } from './nemesis.js'
import { describeSchedule, makeSchedule } from './schedule.js'

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
}

export const CAMPAIGN_TOPIC = 'nemesis'

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
      `campaign: ${schedule.length} faults scheduled\n${describeSchedule(schedule)}`,
    ].filter((line): line is string => line !== undefined)
    for (const line of setup) log(line)

    const cluster = await startCampaignCluster({ topology, brokerIds, sessionTimeoutMs, faultInjection })
    const nemesis = new Nemesis({ cluster, topology, topic: CAMPAIGN_TOPIC, partitions, clock, log })
    try {
      const workload = new Workload({ urls: () => cluster.urls(), topic: CAMPAIGN_TOPIC, partitions, clock })
      await workload.start()
      const startedMs = clock()
      log('campaign: workload started, nemesis running')
      await Promise.all([nemesis.run(schedule, startedMs), sleep(options.durationMs)])
      log('campaign: healing everything')
      await nemesis.healAll()
      await workload.stop()
      const endedMs = clock()
      log('campaign: reading the final logs')
      const finalLogs = await workload.readFinalLogs()
      const history: History = { ...campaignFields(options), startedMs, endedMs, ops: workload.ops(), faults: nemesis.windows(), finalLogs }
      const result = checkHistory(history)
      const notes = [
        ...setup.slice(0, 2),
        ...nemesis.unexpectedExits.map((line) => `unexpected exit: ${line}`),
      ]
      const report = [formatReport(history, result), '', ...notes].join('\n')
      return { history, result, report, replay }
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

/** The campaign's own length: the one wait that stands for time itself, not for an event. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

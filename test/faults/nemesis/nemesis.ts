// The nemesis of a fault campaign (issue 15): it applies a schedule (schedule.ts) to a campaign
// cluster (campaign-cluster.ts) and its topology, each fault at its time, and records a FaultWindow
// (../history/history.ts) per fault from when it was applied to when it was healed.
//
// Targets are picked when a fault is applied, from the cluster's metadata and the fault's own seeded
// `choice`: a role (a partition's leader, one of its followers, the controller), then the broker in
// that role if it runs (not killed, not paused); when none fits, any running broker. Faults overlap
// only across classes (the schedule sees to it), so one net fault at a time owns the topology's cuts
// and heal() undoes all of them, and a broker may be under a cut, a disk fault and a clock jump at once.
//
// At the end (or on abort) healAll() undoes everything: cuts healed, paused brokers resumed, fault
// plans cleared, and every broker that is not running (killed, or exited by itself) restarted.
import type { FaultPlan } from '../../../packages/broker/src/faults/fault-plan.js'
import { seededRandom } from '../../../packages/broker/src/storage/simulated-disk.js'
import type { FaultKind, FaultWindow } from '../history/history.js'
import { brokerNode, type NodeName, type Topology } from '../net/topology.js'
import type { CampaignCluster } from './campaign-cluster.js'
import { BROKERS_DOWN_MAX, brokersDown, faultClass, type ScheduledFault } from './schedule.js'

export interface NemesisOptions {
  cluster: CampaignCluster
  topology: Topology
  /** The workload's topic and its partition count (leaders and followers are picked from it). */
  topic: string
  partitions: number
  /** The history's clock (performance.now of the test process). */
  clock: () => number
  log: (line: string) => void
}

type Role = 'leader' | 'follower' | 'controller'

interface Applied {
  targets: number[]
  description: string
  heal: () => Promise<void>
}

export class Nemesis {
  readonly #options: NemesisOptions
  readonly #windows: FaultWindow[] = []
  /** Each broker's fault plan as the nemesis last wrote it. */
  readonly #plans = new Map<number, Partial<FaultPlan>>()
  /** Broker exits nobody asked for, seen when a fault was healed: "broker 2 exited during fsync-fail". */
  readonly unexpectedExits: string[] = []
  /** Per fault class, the end of the last fault of that class (healed, a restart done): the next waits for it. */
  readonly #classFree = new Map<string, Promise<void>>()
  #aborted = false
  readonly #wakeUps = new Set<() => void>()

  constructor(options: NemesisOptions) {
    this.#options = options
  }

  windows(): FaultWindow[] {
    return [...this.#windows]
  }

  /** Applies every fault at startedMs + atMs and heals it durationMs later; resolves when all are done (or abort()ed). */
  async run(schedule: ScheduledFault[], startedMs: number): Promise<void> {
    await Promise.all(schedule.map((fault) => this.#runOne(fault, startedMs)))
  }

  /** Cuts every wait short: the faults in force are healed at once, the rest never applied. */
  abort(): void {
    this.#aborted = true
    for (const wake of this.#wakeUps) wake()
  }

  async #runOne(fault: ScheduledFault, startedMs: number): Promise<void> {
    // The schedule keeps one fault per class at a time, but a heal takes time (a restart waits for the
    // broker to listen): a fault of the same class waits for it, or a kill could come while two
    // brokers of a kill-two still restart, and three be down at once.
    const cls = faultClass(fault.kind)
    const previous = this.#classFree.get(cls) ?? Promise.resolve()
    let done!: () => void
    this.#classFree.set(cls, new Promise<void>((resolve) => { done = resolve }))
    try {
      await previous
      await this.#runApplied(fault, startedMs)
    } finally {
      done()
    }
  }

  async #runApplied(fault: ScheduledFault, startedMs: number): Promise<void> {
    await this.#sleepUntil(startedMs + fault.atMs)
    if (this.#aborted) return
    let applied: Applied | undefined
    const startMs = this.#options.clock()
    try {
      applied = await this.#apply(fault)
    } catch (err) {
      this.#options.log(`nemesis: ${fault.kind} could not be applied: ${String(err)}`)
    }
    if (applied === undefined) return
    this.#options.log(`nemesis: ${fault.kind} on ${applied.description} for ${fault.durationMs} ms`)
    await this.#sleepUntil(startMs + fault.durationMs)
    try {
      await applied.heal()
    } catch (err) {
      this.#options.log(`nemesis: healing ${fault.kind} on ${applied.description} failed (healAll retries): ${String(err)}`)
    }
    this.#windows.push({ kind: fault.kind, description: applied.description, targets: applied.targets, startMs, endMs: this.#options.clock() })
    this.#options.log(`nemesis: healed ${fault.kind} on ${applied.description}`)
  }

  async #apply(fault: ScheduledFault): Promise<Applied | undefined> {
    const { cluster, topology } = this.#options
    const random = seededRandom(fault.choice)
    const picked = await this.#pick(random, fault.kind === 'kill-two' || fault.kind === 'partition-brokers' || fault.kind === 'partition-one-way' ? 2 : 1)
    if (picked === undefined) {
      this.#options.log(`nemesis: ${fault.kind} skipped: too few running brokers`)
      return undefined
    }
    const { targets, described } = picked
    const down = cluster.brokerIds.filter((id) => cluster.state(id) !== 'running').length
    if (down + brokersDown(fault.kind) > BROKERS_DOWN_MAX) {
      this.#options.log(`nemesis: ${fault.kind} skipped: ${down} brokers already down (at most ${BROKERS_DOWN_MAX})`)
      return undefined
    }
    const [a, b] = [targets[0]!, targets[1]]
    const plan = async (patch: Partial<FaultPlan>): Promise<Applied> => {
      this.#setPlan(a, patch)
      const cleared = Object.fromEntries(Object.keys(patch).map((key) => [key, undefined])) as Partial<FaultPlan>
      return { targets, description: `${described} ${JSON.stringify(patch)}`, heal: async () => this.#healPlan(a, cleared, fault.kind) }
    }
    switch (fault.kind) {
      case 'kill':
      case 'kill-two':
        await Promise.all(targets.map((id) => cluster.kill9(id)))
        return { targets, description: described, heal: async () => { await Promise.all(targets.map((id) => cluster.restart(id))) } }
      case 'pause-short':
      case 'pause-long':
        cluster.pause(a)
        return { targets, description: described, heal: async () => cluster.resume(a) }
      case 'partition-majority': {
        const others = shuffled(cluster.brokerIds.filter((id) => id !== a), random)
        const minority = [a, ...others.slice(0, Math.floor((cluster.brokerIds.length - 1) / 2) - 1)]
        const majority = cluster.brokerIds.filter((id) => !minority.includes(id))
        const groups: NodeName[][] = [minority.map(brokerNode), [...majority.map(brokerNode), 'etcd']]
        await topology.partition(groups)
        return this.#cut(minority, `{${minority.join(',')}} | {${majority.join(',')},etcd} (${described})`)
      }
      case 'partition-leader':
        await topology.isolate(brokerNode(a))
        return this.#cut(targets, `${described} isolated`)
      case 'partition-etcd':
        await topology.cutBoth(brokerNode(a), 'etcd')
        return this.#cut(targets, `${described} <-> etcd`)
      case 'partition-brokers':
        await topology.cutBoth(brokerNode(a), brokerNode(b!))
        return this.#cut(targets, `${described} cut from each other`)
      case 'partition-one-way':
        await topology.cut(brokerNode(a), brokerNode(b!))
        return this.#cut(targets, `${described}: b${a} -> b${b!} dropped`)
      case 'fsync-slow': return plan({ fsyncDelayMs: fault.fsyncDelayMs ?? 500 })
      case 'fsync-fail': return plan({ fsyncError: 'EIO' })
      case 'disk-full': return plan({ writeError: 'ENOSPC' })
      case 'clock-jump': return plan({ clockOffsetMs: fault.clockOffsetMs ?? 60_000 })
    }
  }

  #cut(targets: number[], description: string): Applied {
    return { targets, description, heal: () => this.#options.topology.heal() }
  }

  /** `count` distinct running brokers, the first in a role drawn from `random`. */
  async #pick(random: () => number, count: number): Promise<{ targets: number[]; described: string } | undefined> {
    const { cluster, topic, partitions } = this.#options
    const free = cluster.brokerIds.filter((id) => cluster.state(id) === 'running')
    if (free.length < count) return undefined
    const role = (['leader', 'follower', 'controller'] as Role[])[Math.floor(random() * 3)]!
    const partition = Math.floor(random() * partitions)
    let wanted: number[] = []
    try {
      const metadata = await cluster.metadata(role === 'controller' ? [] : [topic])
      const state = metadata.topics.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)
      if (role === 'controller') wanted = [metadata.controllerId ?? -1]
      else if (role === 'leader') wanted = [state?.leader ?? -1]
      else wanted = (state?.replicas ?? []).filter((id) => id !== state?.leader)
    } catch {
      // No metadata now (brokers down or cut): any free broker will do.
    }
    const inRole = shuffled(wanted.filter((id) => free.includes(id)), random)
    const first = inRole[0] ?? free[Math.floor(random() * free.length)]!
    const rest = shuffled(free.filter((id) => id !== first), random).slice(0, count - 1)
    const what = inRole[0] === undefined ? 'a broker' : role === 'controller' ? 'the controller' : `${role === 'leader' ? 'leader' : 'a follower'} of ${topic}-${partition}`
    const targets = [first, ...rest]
    return { targets, described: `broker ${first} (${what})${rest.length > 0 ? ` and broker ${rest.join(', ')}` : ''}` }
  }

  #setPlan(id: number, patch: Partial<FaultPlan>): void {
    const plan = { ...this.#plans.get(id), ...patch }
    for (const key of Object.keys(plan) as Array<keyof FaultPlan>) if (plan[key] === undefined) delete plan[key]
    this.#plans.set(id, plan)
    this.#options.cluster.setFaultPlan(id, plan)
  }

  async #healPlan(id: number, cleared: Partial<FaultPlan>, kind: FaultKind): Promise<void> {
    this.#setPlan(id, cleared)
    const { cluster } = this.#options
    if (cluster.state(id) === 'running' && !cluster.alive(id)) {
      this.unexpectedExits.push(`broker ${id} exited during ${kind}`)
      this.#options.log(`nemesis: broker ${id} exited during ${kind}; restarting it`)
      await cluster.restart(id)
    }
  }

  /** Undoes everything: cuts, pauses, fault plans; restarts every broker not running. */
  async healAll(): Promise<void> {
    const { cluster, topology } = this.#options
    await topology.heal()
    for (const id of cluster.brokerIds) {
      if (this.#plans.has(id)) {
        this.#plans.set(id, {})
        cluster.setFaultPlan(id, {})
      }
      if (cluster.state(id) === 'paused') cluster.resume(id)
      if (cluster.state(id) === 'running' && !cluster.alive(id)) this.unexpectedExits.push(`broker ${id} exited by itself`)
      if (cluster.state(id) !== 'running' || !cluster.alive(id)) await cluster.restart(id)
    }
  }

  #sleepUntil(atMs: number): Promise<void> {
    const delayMs = atMs - this.#options.clock()
    if (delayMs <= 0 || this.#aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#wakeUps.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, delayMs)
      this.#wakeUps.add(wake)
    })
  }
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

// The nemesis of a fault campaign (issue 15): it applies a schedule (schedule.ts) to a campaign
// cluster (campaign-cluster.ts) and its topology, each fault at its time, and records a FaultWindow
// (../history/history.ts) per fault from when it was in force (applied: a kill done, a cut made, a
// fault plan logged in force by the broker) to when it was healed (the heal done). A fault plan the
// broker did not confirm within PLAN_CONFIRM_TIMEOUT_MS is recorded all the same, its description
// saying so.
//
// Targets are picked when a fault is applied, from the cluster's metadata (every running broker's
// answer, each partition's leader from the one with the highest leader epoch: cluster-view.ts) and the
// fault's own seeded `choice`: a role the kind allows (partition-leader: a leader, always; a disk
// fault or a cut between two brokers: a leader or a follower, and the second broker of a cut is the
// other side of the same partition; the rest: leader, follower or controller), then a running broker
// (not killed, not paused) in that role; when none is known, any running broker, described so. Faults overlap
// only across classes (the schedule sees to it), so one net fault at a time owns the topology's cuts
// and heal() undoes all of them, and a broker may be under a cut, a disk fault and a clock jump at once.
//
// At the end (or on abort) healAll() undoes everything: cuts healed, paused brokers resumed, fault
// plans cleared, and every broker that is not running (killed, or exited by itself) restarted. A broker
// that exits by itself is seen by the cluster (campaign-cluster.ts exits()); the nemesis restarts it
// when the disk or clock fault it was under is healed, else at healAll.
import type { FaultPlan } from '../../../packages/broker/src/faults/fault-plan.js'
import { seededRandom } from '../../../packages/broker/src/storage/simulated-disk.js'
import type { FaultKind, FaultWindow } from '../history/history.js'
import { brokerNode, type NodeName, type Topology } from '../net/topology.js'
import type { CampaignCluster } from './campaign-cluster.js'
import { type ClusterView, followersOf, mergeViews } from './cluster-view.js'
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

/** How long the nemesis waits for a broker to log that a new fault plan is in force. */
export const PLAN_CONFIRM_TIMEOUT_MS = 3_000
/** Each broker's connect and metadata request when targets are picked. */
const METADATA_REQUEST_TIMEOUT_MS = 1_500
/** How long the nemesis looks for a running broker in the wanted role before it takes any. */
const VIEW_TIMEOUT_MS = 3_000
/** Between two looks at the cluster's metadata. */
const VIEW_RETRY_MS = 200

/** The roles a kind's (first) target is drawn from. */
export function rolesFor(kind: FaultKind): Role[] {
  if (kind === 'partition-leader') return ['leader']
  if (kind === 'partition-brokers' || kind === 'partition-one-way' || faultClass(kind) === 'disk') return ['leader', 'follower']
  return ['leader', 'follower', 'controller']
}

/** Kinds whose second target is the other side of the first's partition (its leader, or a follower). */
const PAIRED_KINDS: ReadonlySet<FaultKind> = new Set(['partition-brokers', 'partition-one-way'])

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
    try {
      applied = await this.#apply(fault)
    } catch (err) {
      this.#options.log(`nemesis: ${fault.kind} could not be applied: ${String(err)}`)
    }
    if (applied === undefined) return
    // In force from now (the targets looked up, the kill done, the plan confirmed): the fault lasts
    // its whole duration from here, whatever the applying took.
    const startMs = this.#options.clock()
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
    const picked = await this.#pick(fault.kind, random, fault.kind === 'kill-two' || PAIRED_KINDS.has(fault.kind) ? 2 : 1)
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
      const confirmed = await this.#setPlan(a, patch)
      const cleared = Object.fromEntries(Object.keys(patch).map((key) => [key, undefined])) as Partial<FaultPlan>
      const unconfirmed = confirmed ? '' : ` (not confirmed in force within ${PLAN_CONFIRM_TIMEOUT_MS} ms)`
      return { targets, description: `${described} ${JSON.stringify(patch)}${unconfirmed}`, heal: async () => this.#healPlan(a, cleared, fault.kind) }
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

  /** `count` distinct running brokers, the first in a role `kind` allows, drawn from `random`. */
  async #pick(kind: FaultKind, random: () => number, count: number): Promise<{ targets: number[]; described: string } | undefined> {
    const { cluster, topic, partitions } = this.#options
    const free = cluster.brokerIds.filter((id) => cluster.state(id) === 'running')
    if (free.length < count) return undefined
    const roles = rolesFor(kind)
    const role = roles[Math.floor(random() * roles.length)]!
    const firstPartition = Math.floor(random() * partitions)
    const inRole = (view: ClusterView, partition: number): number[] => {
      if (role === 'controller') return [view.controllerId].filter((id) => free.includes(id))
      const state = view.partitions.get(partition)
      const ids = role === 'leader' ? [state?.leader ?? -1] : followersOf(state)
      return ids.filter((id) => free.includes(id))
    }
    // From the first partition drawn on, the first whose role has a running broker.
    const find = (view: ClusterView): { partition: number; ids: number[] } | undefined => {
      for (let k = 0; k < partitions; k++) {
        const partition = (firstPartition + k) % partitions
        const ids = inRole(view, partition)
        if (ids.length > 0) return { partition, ids }
      }
      return undefined
    }
    const view = await this.#view((v) => find(v) !== undefined)
    const found = find(view)
    const first = found === undefined ? free[Math.floor(random() * free.length)]! : shuffled(found.ids, random)[0]!
    let rest: number[]
    if (found !== undefined && role !== 'controller' && PAIRED_KINDS.has(kind)) {
      // The other side of the same partition: a leader's follower, a follower's leader.
      const state = view.partitions.get(found.partition)
      const peers = (role === 'leader' ? followersOf(state) : [state?.leader ?? -1]).filter((id) => id !== first && free.includes(id))
      const others = shuffled(free.filter((id) => id !== first && !peers.includes(id)), random)
      rest = [...shuffled(peers, random), ...others].slice(0, count - 1)
    } else {
      rest = shuffled(free.filter((id) => id !== first), random).slice(0, count - 1)
    }
    const what = found === undefined
      ? `a broker: no running ${role} of ${topic} known`
      : role === 'controller' ? 'the controller' : `${role === 'leader' ? 'leader' : 'a follower'} of ${topic}-${found.partition}`
    const targets = [first, ...rest]
    return { targets, described: `broker ${first} (${what})${rest.length > 0 ? ` and broker ${rest.join(', ')}` : ''}` }
  }

  /** The cluster as its running brokers see it, looked at again (bounded) until `enough` says it will do. */
  async #view(enough: (view: ClusterView) => boolean): Promise<ClusterView> {
    const { cluster, topic, clock } = this.#options
    const deadlineMs = clock() + VIEW_TIMEOUT_MS
    for (;;) {
      const view = mergeViews(topic, await cluster.metadataAnswers([topic], METADATA_REQUEST_TIMEOUT_MS))
      if (enough(view) || this.#aborted || clock() >= deadlineMs) return view
      await this.#sleepUntil(Math.min(deadlineMs, clock() + VIEW_RETRY_MS))
    }
  }

  /** Writes the broker's plan with `patch`; true once the broker logged it in force (bounded wait). */
  async #setPlan(id: number, patch: Partial<FaultPlan>): Promise<boolean> {
    const plan = { ...this.#plans.get(id), ...patch }
    for (const key of Object.keys(plan) as Array<keyof FaultPlan>) if (plan[key] === undefined) delete plan[key]
    this.#plans.set(id, plan)
    return this.#options.cluster.applyFaultPlan(id, plan, PLAN_CONFIRM_TIMEOUT_MS)
  }

  async #healPlan(id: number, cleared: Partial<FaultPlan>, kind: FaultKind): Promise<void> {
    const confirmed = await this.#setPlan(id, cleared)
    const { cluster } = this.#options
    if (cluster.state(id) === 'crashed') {
      this.#options.log(`nemesis: broker ${id} exited by itself during ${kind}; restarting it`)
      await cluster.restart(id)
    } else if (!confirmed) {
      this.#options.log(`nemesis: broker ${id} did not confirm the heal of ${kind} within ${PLAN_CONFIRM_TIMEOUT_MS} ms`)
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
      if (cluster.state(id) !== 'running' || !cluster.alive(id)) await cluster.restart(id)
    }
  }

  /** Resolves once clock() >= atMs (a timer may fire a little early: it sleeps again), or on abort(). */
  async #sleepUntil(atMs: number): Promise<void> {
    while (atMs - this.#options.clock() > 0 && !this.#aborted) await this.#sleepFor(atMs - this.#options.clock())
  }

  #sleepFor(delayMs: number): Promise<void> {
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

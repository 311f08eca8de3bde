// The reconciler: makes this broker run what etcd says (reconciler-plan.ts) for every partition it is
// a replica of: opens the replica (and changes its config), makes its actor leader or follower at the
// epoch etcd names, starts or stops the fetcher, and, when the replica is no longer assigned here or
// its topic is gone (or was made again under a new id), stops fetching and deletes it. Directories of
// partitions it never opened (on disk from before, unknown to etcd) are left alone.
//
// Per partition the steps run one at a time and in order (open -> becomeLeader/becomeFollower ->
// follow); a change seen while a step runs makes the partition run again after it, toward the state
// as it is then (intermediate states are skipped, never applied out of order). A failed step is
// retried after a backoff (retryBackoffMs, doubling up to retryBackoffMaxMs) on the injected clock.
// At most concurrencyMax partitions have a step under way. `localRole` is what the actor has been
// told and has answered: it changes only after becomeLeader/becomeFollower returned, so produce is
// routed here only to a replica that really leads at etcd's epoch.
//
// Fencing: the runtime calls reconcile() when the broker's session is fenced or unfenced; isFenced()
// is read on every pass. Events: 'applied' ({ topic, partition, role }), role undefined once deleted.
import { strict as assert } from 'node:assert'
import { EventEmitter } from 'node:events'
import { readdirSync } from 'node:fs'
import type { LocalPartitionRole } from '../gateway/context.js'
import type { Logger } from '../log.js'
import type { LeaderRole, PartitionConfig, ReplicaRoleResult } from '../partition/messages.js'
import type { TopicConfig } from '../topics/config.js'
import type { MonotonicClock } from './broker-session.js'
import type { WatchedClusterState } from './controller.js'
import type { PartitionState } from './partition-state.js'
import { partitionsHere, replicaTarget, unknownPartitionDirs, type ReconcilerFetchers, type ReconcilerPartitions, type ReplicaTarget } from './reconciler-plan.js'
import { claimPartitionDir, recordPartitionTopic } from './partition-dir-claim.js'

export type { ReconcilerFetchers, ReconcilerPartitions } from './reconciler-plan.js'

export const RECONCILE_RETRY_BACKOFF_MS_DEFAULT = 200
export const RECONCILE_RETRY_BACKOFF_MAX_MS_DEFAULT = 10_000
export const RECONCILE_CONCURRENCY_MAX_DEFAULT = 16

export interface ReconcilerOptions {
  brokerId: number
  watch: WatchedClusterState
  partitions: ReconcilerPartitions
  fetchers: ReconcilerFetchers
  partitionConfigOf: (config: TopicConfig) => PartitionConfig
  leaderRoleOf: (topic: string, state: PartitionState, config: TopicConfig) => LeaderRole
  isFenced: () => boolean
  logger: Logger
  clock: MonotonicClock
  retryBackoffMs?: number
  retryBackoffMaxMs?: number
  concurrencyMax?: number
  /** The broker's data dir: partition directories there that etcd does not assign here are logged at start (and left alone). */
  dataDir?: string
}

interface Entry {
  topic: string
  partition: number
  /** The topic id of the replica opened here; undefined: not open. */
  topicId: string | undefined
  configJson: string | undefined
  applied: LocalPartitionRole | undefined
  /** The LeaderRole last applied (an ISR or min.insync change at the same epoch is applied again). */
  leaderRoleJson: string | undefined
  /** The follower's offsets as its last becomeFollower answered, for follow(). */
  followerResult: ReplicaRoleResult | undefined
  /** `${leader}@${leaderEpoch}` being fetched from, if any. */
  following: string | undefined
  /** The target last applied in full, as JSON: a pass skips a partition whose target is the same. */
  doneJson: string | undefined
  running: boolean
  dirty: boolean
  failures: number
  retryTimer: unknown
}

export class Reconciler extends EventEmitter {
  readonly #o: Required<Omit<ReconcilerOptions, 'dataDir'>> & Pick<ReconcilerOptions, 'dataDir'>
  readonly #logger: Logger
  readonly #entries = new Map<string, Entry>()
  readonly #ready = new Set<Entry>()
  #inFlight = 0
  #idle: (() => void)[] = []
  #stopped = false
  #passQueued = false
  readonly #onChange = (): void => this.reconcile()

  constructor(options: ReconcilerOptions) {
    super()
    this.#o = { retryBackoffMs: RECONCILE_RETRY_BACKOFF_MS_DEFAULT, retryBackoffMaxMs: RECONCILE_RETRY_BACKOFF_MAX_MS_DEFAULT,
      concurrencyMax: RECONCILE_CONCURRENCY_MAX_DEFAULT, ...options }
    assert(this.#o.retryBackoffMs >= 1 && this.#o.retryBackoffMaxMs >= this.#o.retryBackoffMs, 'bad reconciler retry backoff')
    assert(this.#o.concurrencyMax >= 1, 'concurrencyMax must be at least 1')
    this.#logger = options.logger.child({ module: 'reconciler' })
  }

  /** Subscribes to etcd's changes and runs the first full pass: resolves when every partition's first attempt has ended. */
  async start(): Promise<void> {
    this.#o.watch.on('change', this.#onChange)
    this.#pass()
    await this.settled()
    if (this.#o.dataDir !== undefined) this.#logUnknownDirs(this.#o.dataDir)
  }

  #logUnknownDirs(dataDir: string): void {
    let names: string[]
    try {
      names = readdirSync(dataDir)
    } catch (err) {
      this.#logger.warn({ err, dataDir }, 'could not list the data dir')
      return
    }
    const unknown = unknownPartitionDirs(names, (topic, partition) => this.#entries.get(keyOf(topic, partition))?.topicId !== undefined)
    if (unknown.length > 0) this.#logger.info({ count: unknown.length, dirs: unknown.slice(0, 20) }, 'partition directories etcd does not assign here: left alone')
  }

  /** Stops reacting; resolves when the steps under way have ended. Fetchers are left as they are. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#o.watch.off('change', this.#onChange)
    for (const entry of this.#entries.values()) this.#o.clock.clearTimeout(entry.retryTimer)
    this.#ready.clear()
    await this.settled()
  }

  /** What the actor of this partition's replica here was told and answered; undefined: no replica here. */
  localRole(topic: string, partition: number): LocalPartitionRole | undefined {
    return this.#entries.get(keyOf(topic, partition))?.applied
  }

  /**
   * The replica's actor lost its role (its thread restarted and reopened it as a single broker's):
   * localRole is unset at once, and the role applied again.
   */
  replicaRestarted(topic: string, partition: number): void {
    const entry = this.#entries.get(keyOf(topic, partition))
    if (entry === undefined || this.#stopped) return
    Object.assign(entry, { applied: undefined, leaderRoleJson: undefined, followerResult: undefined, doneJson: undefined })
    this.#kick(entry)
    this.#drain()
  }

  /** Compares etcd's state with what runs here again (on every change; the runtime calls it when fencing changes). */
  reconcile(): void {
    if (this.#passQueued || this.#stopped) return
    this.#passQueued = true
    queueMicrotask(() => {
      this.#passQueued = false
      this.#pass()
    })
  }

  /** Resolves when no step is under way or ready (a partition waiting for its retry timer does not count). */
  settled(): Promise<void> {
    if (!this.#passQueued && this.#inFlight === 0 && this.#ready.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #pass(): void {
    if (this.#stopped) return this.#drain()
    const { state } = this.#o.watch
    const fenced = this.#o.isFenced()
    const keys = new Set(this.#entries.keys())
    for (const [topic, partition] of partitionsHere(state, this.#o.brokerId)) {
      const key = keyOf(topic, partition)
      keys.add(key)
      if (!this.#entries.has(key)) {
        this.#entries.set(key, { topic, partition, topicId: undefined, configJson: undefined, applied: undefined, leaderRoleJson: undefined,
          followerResult: undefined, following: undefined, doneJson: undefined, running: false, dirty: false, failures: 0, retryTimer: undefined })
      }
    }
    for (const key of keys) {
      const entry = this.#entries.get(key)!
      const target = replicaTarget(state, this.#o.brokerId, fenced, entry.topic, entry.partition)
      if (entry.doneJson !== JSON.stringify(target) || entry.failures > 0) this.#kick(entry)
    }
    this.#drain()
  }

  #kick(entry: Entry): void {
    entry.dirty = true
    if (!entry.running && entry.retryTimer === undefined) this.#ready.add(entry)
  }

  #drain(): void {
    while (this.#inFlight < this.#o.concurrencyMax && this.#ready.size > 0 && !this.#stopped) {
      const entry = this.#ready.values().next().value as Entry
      this.#ready.delete(entry)
      void this.#run(entry)
    }
    if (!this.#passQueued && this.#inFlight === 0 && (this.#ready.size === 0 || this.#stopped)) for (const resolve of this.#idle.splice(0)) resolve()
  }

  async #run(entry: Entry): Promise<void> {
    assert(!entry.running, `${entry.topic}-${entry.partition}: two steps at once`)
    entry.running = true
    entry.dirty = false
    this.#inFlight++
    try {
      await this.#apply(entry)
      entry.failures = 0
    } catch (err) {
      entry.failures++
      entry.doneJson = undefined
      const backoffMs = Math.min(this.#o.retryBackoffMaxMs, this.#o.retryBackoffMs * 2 ** Math.min(entry.failures - 1, 30))
      this.#logger.warn({ err, topic: entry.topic, partition: entry.partition, failures: entry.failures, backoffMs }, 'could not apply the partition state; retrying')
      if (!this.#stopped) {
        entry.retryTimer = this.#o.clock.setTimeout(() => {
          entry.retryTimer = undefined
          this.#kick(entry)
          this.#drain()
        }, backoffMs)
      }
    } finally {
      entry.running = false
      this.#inFlight--
    }
    if (entry.dirty && entry.retryTimer === undefined && !this.#stopped) this.#ready.add(entry)
    this.#drain()
  }

  /** One partition toward its target as etcd has it now. */
  async #apply(entry: Entry): Promise<void> {
    const { topic, partition } = entry
    const { partitions, fetchers, brokerId } = this.#o
    const target: ReplicaTarget = replicaTarget(this.#o.watch.state, brokerId, this.#o.isFenced(), topic, partition)
    const targetJson = JSON.stringify(target)
    if (target.kind === 'absent' || (entry.topicId !== undefined && entry.topicId !== target.topicId)) {
      if (entry.following !== undefined) fetchers.unfollow(topic, partition)
      entry.following = undefined
      if (entry.topicId !== undefined) {
        await partitions.delete(topic, partition)
        this.#logger.info({ topic, partition }, 'replica deleted: not assigned here any more, or its topic is gone')
      }
      const hadRole = entry.applied !== undefined
      Object.assign(entry, { topicId: undefined, configJson: undefined, applied: undefined, leaderRoleJson: undefined, followerResult: undefined })
      if (hadRole) this.emit('applied', { topic, partition, role: undefined })
      if (target.kind === 'absent') {
        if (!entry.dirty && entry.retryTimer === undefined) this.#entries.delete(keyOf(topic, partition))
        return
      }
    }
    const config = this.#o.partitionConfigOf(target.config)
    const configJson = JSON.stringify(config)
    if (entry.topicId === undefined) {
      const dataDir = this.#o.dataDir
      if (dataDir !== undefined) claimPartitionDir(dataDir, topic, partition, target.topicId, Date.now(), this.#logger)
      await partitions.open(topic, partition, config)
      if (dataDir !== undefined) recordPartitionTopic(dataDir, topic, partition, target.topicId)
      entry.topicId = target.topicId
      entry.configJson = configJson
    } else if (entry.configJson !== configJson) {
      await partitions.updateConfig(topic, partition, config)
      entry.configJson = configJson
    }
    if (target.kind === 'leader') await this.#lead(entry, target)
    else await this.#follow(entry, target)
    entry.doneJson = targetJson
  }

  async #lead(entry: Entry, target: Extract<ReplicaTarget, { kind: 'leader' }>): Promise<void> {
    const { topic, partition } = entry
    if (entry.following !== undefined) this.#o.fetchers.unfollow(topic, partition)
    entry.following = undefined
    const role = this.#o.leaderRoleOf(topic, target.state, target.config)
    const roleJson = JSON.stringify(role)
    if (entry.applied?.role === 'leader' && entry.leaderRoleJson === roleJson) return
    await this.#o.partitions.request(topic, partition, { op: 'becomeLeader', role })
    entry.applied = { role: 'leader', leader: this.#o.brokerId, leaderEpoch: role.leaderEpoch }
    entry.leaderRoleJson = roleJson
    entry.followerResult = undefined
    this.#logger.info({ topic, partition, leaderEpoch: role.leaderEpoch, isr: role.isr }, 'leading')
    this.emit('applied', { topic, partition, role: entry.applied })
  }

  async #follow(entry: Entry, target: Extract<ReplicaTarget, { kind: 'follower' }>): Promise<void> {
    const { topic, partition } = entry
    const { leader, leaderEpoch } = target
    const applied = entry.applied
    if (applied?.role !== 'follower' || applied.leader !== leader || applied.leaderEpoch !== leaderEpoch || entry.followerResult === undefined) {
      // Stop fetching from the previous leader before the log may be truncated for the next.
      if (entry.following !== undefined) this.#o.fetchers.unfollow(topic, partition)
      entry.following = undefined
      entry.followerResult = await this.#o.partitions.request(topic, partition, { op: 'becomeFollower', leader, leaderEpoch })
      entry.applied = { role: 'follower', leader, leaderEpoch }
      entry.leaderRoleJson = undefined
      this.#logger.info({ topic, partition, leader, leaderEpoch }, 'following')
      this.emit('applied', { topic, partition, role: entry.applied })
    }
    const following = leader >= 0 ? `${leader}@${leaderEpoch}` : undefined
    if (following === entry.following) return
    if (following === undefined) {
      this.#o.fetchers.unfollow(topic, partition)
    } else {
      const { latestEpoch, logEndOffset } = entry.followerResult
      this.#o.fetchers.follow(topic, partition, { leader, leaderEpoch, latestEpoch, logEndOffset })
    }
    entry.following = following
  }
}

/** Topic names never hold '/' (topics/names.ts). */
function keyOf(topic: string, partition: number): string {
  return `${topic}/${partition}`
}

// The controller: the one broker (elected, controller-election.ts) that administers topics
// (controller-admin.ts) and keeps every partition led as the brokers come and go. The runtime calls
// start() when this broker is elected and stop() when it is deposed.
//
// While started it runs a pass after every change of the watched cluster state (and every
// preferredLeaderCheckMs, with the preferred-leader check on): controller-decisions.ts decides which
// partition states must change (a broker gone: out of every ISR, new leaders from the live ISR,
// leader -1 when none is live; an offline partition back when a member of its last ISR returns;
// leadership back to the preferred replica), and each is written by a compare-and-swap fenced by the
// controller epoch. The same pass completes partition reassignments whose adding replicas have all
// joined the ISR (controller-reassign.ts); the reassignment and preferred-election ops themselves run
// in controller-reassign-admin.ts. Passes never overlap; a change seen during one runs another after it. A CAS
// conflict is left alone (the watch brings the newer state, which causes a new pass); a fenced
// write means this broker is no longer the controller and stops the writing; any other failure
// (etcd unreachable) retries the pass after retryBackoffMs on the injected clock.
import { strict as assert } from 'node:assert'
import type { OpRequest, OpResponse } from '@faecie/protocol'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { Logger } from '../log.js'
import type { TopicConfig, TopicConfigChanges } from '../topics/config.js'
import type { MonotonicClock } from './broker-session.js'
import type { ClusterState } from './cluster-state.js'
import { DEFAULT_REPLICATION_FACTOR, TopicAdmin, type ControllerLimits } from './controller-admin.js'
import { decidePartitionWrites, shuttingDownOf, type PartitionWrite } from './controller-decisions.js'
import { decideCompletions, eligibleBrokers } from './controller-reassign.js'
import { ReassignmentAdmin } from './controller-reassign-admin.js'
import type { ClusterKeys } from './keys.js'
import { CasConflictError, ControllerFencedError, type ControllerFence, type EtcdMetadataStore } from './metadata-store.js'

export type { ControllerLimits } from './controller-admin.js'

/** How often leadership goes back to preferred replicas (Kafka: leader.imbalance.check.interval.seconds, 300 s). */
export const PREFERRED_LEADER_CHECK_MS_DEFAULT = 10_000
/** Pause before a pass that failed (etcd unreachable) runs again. */
export const CONTROLLER_RETRY_BACKOFF_MS_DEFAULT = 500

/** The watched cluster state, as the controller and the reconciler use it (cluster-state.ts ClusterStateWatch). */
export interface WatchedClusterState {
  readonly state: ClusterState
  on(event: 'change', listener: (state: ClusterState) => void): unknown
  off(event: 'change', listener: (state: ClusterState) => void): unknown
}

export interface ControllerOptions {
  store: EtcdMetadataStore
  keys: ClusterKeys
  watch: WatchedClusterState
  /** This broker's controller fence while it is the controller (ClusterMember.controllerFence). */
  fence: () => ControllerFence | undefined
  clock: MonotonicClock
  logger: Logger
  limits: ControllerLimits
  preferredLeaderCheckMs?: number
  /** Replicas per partition when a create names none, capped by the live brokers. Default 3. */
  defaultReplicationFactor?: number
  retryBackoffMs?: number
}

export class Controller {
  readonly #options: Required<Omit<ControllerOptions, 'keys'>>
  readonly #admin: TopicAdmin
  readonly #reassign: ReassignmentAdmin
  readonly #logger: Logger
  #started = false
  #running: Promise<void> | undefined
  #again = false
  #preferredAsked = false
  #preferredTimer: unknown
  #retryTimer: unknown
  readonly #onChange = (): void => this.#schedule(false)
  /** Partition states written, by reason (tests, logs). */
  readonly writes: Record<PartitionWrite['reason'], number> = { 'isr-shrink': 0, 'leader-election': 0, offline: 0, 'preferred-leader': 0 }

  constructor(options: ControllerOptions) {
    this.#options = {
      preferredLeaderCheckMs: PREFERRED_LEADER_CHECK_MS_DEFAULT,
      defaultReplicationFactor: DEFAULT_REPLICATION_FACTOR,
      retryBackoffMs: CONTROLLER_RETRY_BACKOFF_MS_DEFAULT,
      ...options,
    }
    assert(this.#options.preferredLeaderCheckMs >= 1, 'preferredLeaderCheckMs must be at least 1')
    assert(this.#options.retryBackoffMs >= 1, 'retryBackoffMs must be at least 1')
    assert(Number.isSafeInteger(this.#options.defaultReplicationFactor) && this.#options.defaultReplicationFactor >= 1, 'defaultReplicationFactor must be at least 1')
    this.#logger = options.logger.child({ module: 'controller' })
    this.#admin = new TopicAdmin({ store: options.store, state: () => options.watch.state, fence: options.fence, limits: options.limits,
      defaultReplicationFactor: this.#options.defaultReplicationFactor })
    this.#reassign = new ReassignmentAdmin({ store: options.store, state: () => options.watch.state, fence: options.fence, logger: this.#logger })
  }

  /** Reassignments this controller completed (tests, logs). */
  get reassignmentsCompleted(): number { return this.#reassign.completed }

  get started(): boolean { return this.#started }

  /** Starts reacting to the cluster's changes (this broker was elected); the first pass runs at once. */
  start(): void {
    if (this.#started) return
    this.#started = true
    this.#options.watch.on('change', this.#onChange)
    this.#armPreferredCheck()
    this.#schedule(false)
  }

  /** Stops (deposed, or the broker stops); resolves when a pass under way has ended. */
  async stop(): Promise<void> {
    this.#started = false
    this.#options.watch.off('change', this.#onChange)
    this.#options.clock.clearTimeout(this.#preferredTimer)
    this.#options.clock.clearTimeout(this.#retryTimer)
    await this.#running
  }

  /** Resolves when no pass is under way (tests: the controller has acted on what it has seen). */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running
  }

  /** Partitions with no leader (faecie_offline_partitions), as the watched state has them. */
  offlinePartitionCount(): number {
    let count = 0
    for (const partitions of this.#options.watch.state.partitions.values()) for (const p of partitions.values()) if (p.value.leader === -1) count++
    return count
  }

  createTopic(topic: string, numPartitions: number, replicationFactor: number | undefined, config: TopicConfig,
    options: { validateOnly?: boolean } = {}): Promise<TopicMeta> {
    return this.#admin.createTopic(topic, numPartitions, replicationFactor, config, options.validateOnly ?? false)
  }

  /** `__consumer_offsets`, made as a broker asked (controller-admin.ts ensureOffsetsTopic). */
  ensureOffsetsTopic(numPartitions: number, replicationFactor: number, config: TopicConfig): Promise<TopicMeta> {
    return this.#admin.ensureOffsetsTopic(numPartitions, replicationFactor, config)
  }

  deleteTopic(topic: string): Promise<TopicMeta> {
    return this.#admin.deleteTopic(topic)
  }

  alterTopicConfig(topic: string, changes: TopicConfigChanges): Promise<TopicMeta> {
    return this.#admin.alterTopicConfig(topic, changes)
  }

  createPartitions(topic: string, count: number): Promise<TopicMeta> {
    return this.#admin.createPartitions(topic, count)
  }

  alterPartitionReassignments(request: OpRequest<'alterPartitionReassignments'>): Promise<OpResponse<'alterPartitionReassignments'>> {
    return this.#reassign.alter(request)
  }

  electLeaders(request: OpRequest<'electLeaders'>): Promise<OpResponse<'electLeaders'>> {
    return this.#reassign.electPreferred(request)
  }

  #armPreferredCheck(): void {
    this.#preferredTimer = this.#options.clock.setTimeout(() => {
      if (!this.#started) return
      this.#schedule(true)
      this.#armPreferredCheck()
    }, this.#options.preferredLeaderCheckMs)
  }

  /** Runs a pass now, or after the one under way. */
  #schedule(preferred: boolean): void {
    this.#preferredAsked ||= preferred
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = this.#loop().finally(() => { this.#running = undefined })
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false
      const preferred = this.#preferredAsked
      this.#preferredAsked = false
      if (!this.#started) return
      try {
        await this.#pass(preferred)
      } catch (err) {
        if (err instanceof ControllerFencedError) {
          this.#logger.warn({ err }, 'fenced: no longer the controller; writing stopped')
          return
        }
        this.#preferredAsked ||= preferred
        this.#logger.warn({ err }, 'controller pass failed; retrying')
        this.#options.clock.clearTimeout(this.#retryTimer)
        this.#retryTimer = this.#options.clock.setTimeout(() => { if (this.#started) this.#schedule(false) }, this.#options.retryBackoffMs)
        return
      }
    } while (this.#again && this.#started)
  }

  /** Topics with fewer partition states than partitions: a predecessor died while creating them (over several transactions). */
  async #completeTopics(state: ClusterState, fence: ControllerFence): Promise<void> {
    for (const [topic, record] of state.topics) {
      const assignment = state.assignments.get(topic)
      const have = state.partitions.get(topic)?.size ?? 0
      if (have >= record.value.partitions || assignment?.length !== record.value.partitions) continue
      this.#logger.info({ topic, partitions: record.value.partitions, have }, 'creating the partition states a topic creation left out')
      await this.#options.store.createMissingPartitions(fence, topic, assignment, 0)
    }
  }

  async #pass(preferred: boolean): Promise<void> {
    const fence = this.#options.fence()
    if (fence === undefined) return
    const state = this.#options.watch.state
    await this.#completeTopics(state, fence)
    // Partitions of a topic being created or deleted are left alone until the topic key says which.
    const partitions = new Map([...state.partitions].filter(([topic]) => state.topics.has(topic)))
    const writes = decidePartitionWrites({ live: new Set(state.brokers.keys()), partitions, preferred, shuttingDown: shuttingDownOf(state.brokers) })
    const written = new Set(writes.map((w) => `${w.topic}/${w.partition}`))
    for (const w of writes) {
      if (!this.#started) return
      try {
        await this.#options.store.updatePartition(w.topic, w.partition, w.expected, w.next, fence)
        this.writes[w.reason]++
        this.#logger.info({ topic: w.topic, partition: w.partition, reason: w.reason, leader: w.next.leader, leaderEpoch: w.next.leaderEpoch,
          isr: w.next.isr, from: { leader: w.expected.value.leader, isr: w.expected.value.isr } }, 'partition state changed')
      } catch (err) {
        // Someone (the partition's leader changing its ISR) wrote first: the watch brings it, and another pass.
        if (!(err instanceof CasConflictError)) throw err
      }
    }
    // Moves ready to complete; a partition just written above waits for the next pass (its state changed).
    for (const c of decideCompletions(partitions, eligibleBrokers(state))) {
      if (!this.#started) return
      if (!written.has(`${c.topic}/${c.partition}`)) await this.#reassign.complete(fence, c)
    }
  }
}

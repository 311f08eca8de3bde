// Consumer groups in cluster mode (docs/cluster.md "Consumer groups"): which GroupShards
// (groups/group-shard.ts) run on this broker, and where each group op goes.
//
// Shards: one per `__consumer_offsets` partition (offsets-topic.ts) this broker leads NOW (isLeaderNow,
// after the reconciler applied the leadership), made for the epoch it leads at and loaded; closed
// when this broker stops leading it or leads it at another epoch (another leader may have written
// in between); a shard that failed (an append did not commit, or its load did) is dropped and,
// while this broker still leads, loaded anew after a backoff that doubles with each failure in a row
// (reloadBackoffMs, 2x, 4x, ... up to reloadBackoffMaxMs; reset once a load succeeds: a partition
// whose ISR stays below min.insync.replicas is not replayed in full every second). A partition
// gets no new shard while a dropped one's appends are still in flight (appendsSettled): they may be
// queued in the partition's thread, and the new shard's read must see them. Checked on every change
// of etcd's state and every tick (tickMs); each tick also ticks every active shard (member expiry,
// offset retention). Topic changes reach loading shards too (they apply them once loaded).
//
// Routing (route()): a group lives in partition groupPartition(groupId, partitions of the topic).
//   - a client's session (or another broker forwarding): the local shard serves it (its own answer
//     while loading: COORDINATOR_LOAD_IN_PROGRESS), else NOT_COORDINATOR naming the coordinator;
//     listGroups: this broker's shards only (the client asks every broker).
//   - Kafka's classic ops and OffsetDelete (routeKafka): the local shard only, never forwarded (a
//     Kafka client finds its coordinator with FindCoordinator and asks it again on NOT_COORDINATOR).
//   - HTTP (forwardGroupOps): forwarded over the peer links to the coordinator; listGroups asks every
//     live broker and merges; describeGroups is split by coordinator.
// findCoordinator: the leader of the group's partition; the topic missing: asks the controller to
// make it (one ask at a time) and answers COORDINATOR_NOT_AVAILABLE, as while the partition has no
// leader. ensureOffsetsTopic may refuse at once (fewer live brokers than the topic's replication
// factor: offsets-topic.ts); that refusal is the answer.
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError, groupPartition, type DescribedGroup, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { GroupOp } from '../coordinator/messages.js'
import type { KafkaGroupOp, KafkaGroupRequest, KafkaGroupResult } from '../groups/kafka-group-ops.js'
import type { GroupTopics } from '../groups/consumer-group.js'
import type { Logger } from '../log.js'
import type { MonotonicClock } from './broker-session.js'
import type { PeerLinksLike } from './cluster-parts.js'
import { OFFSETS_TOPIC } from './offsets-topic.js'

/** groups/group-shard.ts GroupShard, as this file uses it. */
export interface ShardLike {
  readonly partition: number
  readonly state: 'loading' | 'active' | 'failed' | 'closed'
  readonly groupCount: number
  load(): Promise<void>
  run<Op extends GroupOp>(op: Op, request: OpRequest<Op>): Promise<OpResponse<Op>>
  runKafka<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): Promise<KafkaGroupResult<Op>>
  tick(): void
  onTopicChanged(topic: string, deleted: boolean): void
  /** Appends sent and not settled yet. */
  readonly appendsInFlight: number
  /** Resolves once every append sent has settled. */
  appendsSettled(): Promise<void>
  close(reason: string): void
  on(event: 'failed', listener: (err: unknown) => void): unknown
}

export const GROUP_SHARDS_TICK_MS_DEFAULT = 100
/** After a shard failed (or its load did), its partition gets a new shard no sooner than this. */
export const SHARD_RELOAD_BACKOFF_MS_DEFAULT = 1_000
/** The backoff doubles with each failure in a row, up to this. */
export const SHARD_RELOAD_BACKOFF_MAX_MS_DEFAULT = 30_000

export interface GroupShardsOptions {
  brokerId: number
  /** The partition count of `__consumer_offsets` in etcd; undefined while it does not exist. */
  offsetsPartitions: () => number | undefined
  /** The epoch this broker leads the partition at, at this instant; undefined when it does not lead it. */
  leaderEpochNow: (partition: number) => number | undefined
  /** The leader etcd names for the partition (-1: none) and its URL. */
  leaderOf: (partition: number) => { brokerId: number; url: string | undefined }
  liveBrokers: () => number[]
  links: Pick<PeerLinksLike, 'request'>
  /** Asks the controller (here or over the links) to make `__consumer_offsets`. */
  ensureOffsetsTopic: () => Promise<unknown>
  /** A shard for `partition`, led at `leaderEpoch` (not loaded yet). */
  makeShard: (partition: number, leaderEpoch: number) => ShardLike
  clock: MonotonicClock
  tickMs?: number
  reloadBackoffMs?: number
  reloadBackoffMaxMs?: number
  logger: Logger
}

export interface RouteOptions {
  /** An HTTP request: the op goes to the coordinator wherever it is. */
  forwardGroupOps?: boolean
}

export class GroupShards {
  readonly #o: GroupShardsOptions
  readonly #shards = new Map<number, { shard: ShardLike; leaderEpoch: number }>()
  /** partition -> when (clock.now()) its last shard failed, and its failures since a load last succeeded. */
  readonly #failures = new Map<number, { atMs: number; count: number }>()
  /** partition -> a dropped shard whose appends have not all settled: no new shard before they have. */
  readonly #draining = new Map<number, ShardLike>()
  #ensuring: Promise<unknown> | undefined
  #timer: unknown
  #stopped = false

  constructor(options: GroupShardsOptions) {
    assert((options.tickMs ?? GROUP_SHARDS_TICK_MS_DEFAULT) >= 1, 'tickMs must be at least 1')
    this.#o = options
  }

  start(): void {
    this.sync()
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    this.#o.clock.clearTimeout(this.#timer)
    for (const { shard } of this.#shards.values()) shard.close('the broker is leaving the cluster')
    this.#shards.clear()
    this.#draining.clear()
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = this.#o.clock.setTimeout(() => {
      this.sync()
      for (const { shard } of this.#shards.values()) if (shard.state === 'active') shard.tick()
      this.#schedule()
    }, this.#o.tickMs ?? GROUP_SHARDS_TICK_MS_DEFAULT)
  }

  /** Starts shards for the partitions led here now, closes the others. */
  sync(): void {
    if (this.#stopped) return
    const n = this.#o.offsetsPartitions() ?? 0
    for (const [partition, held] of this.#shards) {
      const epoch = partition < n ? this.#o.leaderEpochNow(partition) : undefined
      const gone = held.shard.state === 'failed' || held.shard.state === 'closed'
      if (epoch === held.leaderEpoch && !gone) continue
      if (held.shard.state === 'failed') {
        this.#failures.set(partition, { atMs: this.#o.clock.now(), count: (this.#failures.get(partition)?.count ?? 0) + 1 })
      }
      held.shard.close(epoch === undefined ? 'no longer the leader' : `leader epoch ${held.leaderEpoch} -> ${String(epoch)}`)
      this.#shards.delete(partition)
      this.#drain(partition, held.shard)
      this.#o.logger.info({ partition, leaderEpoch: held.leaderEpoch, now: epoch, state: held.shard.state,
        appendsInFlight: held.shard.appendsInFlight }, 'group shard closed')
    }
    for (let partition = 0; partition < n; partition++) {
      if (this.#shards.has(partition) || this.#draining.has(partition)) continue
      const leaderEpoch = this.#o.leaderEpochNow(partition)
      if (leaderEpoch === undefined) continue
      const failures = this.#failures.get(partition)
      if (failures !== undefined && this.#o.clock.now() < failures.atMs + this.#backoffMs(failures.count)) continue
      const shard = this.#o.makeShard(partition, leaderEpoch)
      this.#shards.set(partition, { shard, leaderEpoch })
      shard.on('failed', (err) => this.#o.logger.warn({ err, partition, leaderEpoch }, 'group shard failed: it is dropped and loaded again while this broker leads'))
      this.#o.logger.info({ partition, leaderEpoch, failuresInARow: failures?.count ?? 0 }, 'group shard loading')
      shard.load().then(
        () => {
          this.#failures.delete(partition)
          this.#o.logger.info({ partition, leaderEpoch, groups: shard.groupCount }, 'group shard loaded')
        },
        (err: unknown) => this.#o.logger.warn({ err, partition, leaderEpoch }, 'group shard load failed'),
      )
    }
  }

  /** The wait before a new shard after `failures` failures in a row: reloadBackoffMs doubled per failure, capped. */
  #backoffMs(failures: number): number {
    const base = this.#o.reloadBackoffMs ?? SHARD_RELOAD_BACKOFF_MS_DEFAULT
    const max = this.#o.reloadBackoffMaxMs ?? SHARD_RELOAD_BACKOFF_MAX_MS_DEFAULT
    return Math.min(max, base * 2 ** Math.min(failures - 1, 30))
  }

  /** Keeps the partition from a new shard until the dropped shard's appends have settled. */
  #drain(partition: number, shard: ShardLike): void {
    if (shard.appendsInFlight === 0) return
    assert(!this.#draining.has(partition), `partition ${partition}: two dropped shards draining at once`)
    this.#draining.set(partition, shard)
    void shard.appendsSettled().then(() => {
      if (this.#draining.get(partition) === shard) this.#draining.delete(partition)
      this.#o.logger.info({ partition }, "a dropped group shard's appends have settled")
      this.sync()
    })
  }

  /** A topic changed or went: every shard's groups hear it (a loading shard applies it once loaded). */
  onTopicChanged(topic: string, deleted: boolean): void {
    for (const { shard } of this.#shards.values()) if (shard.state === 'active' || shard.state === 'loading') shard.onTopicChanged(topic, deleted)
  }

  /** Groups held by the shards of this broker (metrics). */
  get groupCount(): number {
    let count = 0
    for (const { shard } of this.#shards.values()) if (shard.state === 'active') count += shard.groupCount
    return count
  }

  /** The partitions whose shard is active here (tests, logs). */
  activePartitions(): number[] {
    return [...this.#shards.values()].filter((s) => s.shard.state === 'active').map((s) => s.shard.partition).sort((a, b) => a - b)
  }

  async findCoordinator(request: OpRequest<'findCoordinator'>): Promise<OpResponse<'findCoordinator'>> {
    const partition = this.#partitionOf(request.key)
    const leader = this.#o.leaderOf(partition)
    if (leader.brokerId < 0 || leader.url === undefined) {
      throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC}-${partition}, which holds group ${request.key}, has no leader right now.`)
    }
    return { key: request.key, brokerId: leader.brokerId, url: leader.url, partition }
  }

  route<Op extends GroupOp>(op: Op, request: OpRequest<Op>, options: RouteOptions = {}): Promise<OpResponse<Op>> {
    if (op === 'listGroups') return this.#listGroups(request as OpRequest<'listGroups'>, options) as Promise<OpResponse<Op>>
    if (op === 'describeGroups') return this.#describeGroups(request as OpRequest<'describeGroups'>, options) as Promise<OpResponse<Op>>
    const groupId = (request as { groupId: string }).groupId
    return this.#one(op, request, groupId, options)
  }

  /** A Kafka-only group op: the local shard of the group, else COORDINATOR_LOAD_IN_PROGRESS (taking over) or NOT_COORDINATOR. */
  routeKafka<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): Promise<KafkaGroupResult<Op>> {
    try {
      return this.#local(request.groupId).runKafka(op, request)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** The group's shard here (loading or active); throws the answer for a group coordinated elsewhere. */
  #local(groupId: string): ShardLike {
    const partition = this.#partitionOf(groupId)
    const local = this.#shards.get(partition)
    if (local !== undefined && local.shard.state !== 'closed' && local.shard.state !== 'failed') return local.shard
    const leader = this.#o.leaderOf(partition)
    if (leader.brokerId === this.#o.brokerId) {
      throw new FaecieError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `Broker ${this.#o.brokerId} is taking over ${OFFSETS_TOPIC}-${partition}, which holds group ${groupId}.`)
    }
    throw notCoordinator(this.#o.brokerId, groupId, partition, leader.brokerId)
  }

  async #one<Op extends GroupOp>(op: Op, request: OpRequest<Op>, groupId: string, options: RouteOptions): Promise<OpResponse<Op>> {
    const partition = this.#partitionOf(groupId)
    const local = this.#shards.get(partition)
    if (local !== undefined && local.shard.state !== 'closed' && local.shard.state !== 'failed') return local.shard.run(op, request)
    const leader = this.#o.leaderOf(partition)
    if (options.forwardGroupOps === true && leader.brokerId >= 0 && leader.brokerId !== this.#o.brokerId) {
      return this.#forward(leader.brokerId, op, request)
    }
    if (leader.brokerId === this.#o.brokerId) {
      // Named leader in etcd, but its shard is not made (leadership not applied yet) or is being made again.
      throw new FaecieError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `Broker ${this.#o.brokerId} is taking over ${OFFSETS_TOPIC}-${partition}, which holds group ${groupId}.`)
    }
    throw notCoordinator(this.#o.brokerId, groupId, partition, leader.brokerId)
  }

  async #listGroups(request: OpRequest<'listGroups'>, options: RouteOptions): Promise<OpResponse<'listGroups'>> {
    const local = await Promise.all([...this.#shards.values()].filter((s) => s.shard.state === 'active').map((s) => s.shard.run('listGroups', request)))
    const groups = local.flatMap((answer) => answer.groups)
    if (options.forwardGroupOps === true) {
      const others = this.#o.liveBrokers().filter((id) => id !== this.#o.brokerId)
      for (const answer of await Promise.all(others.map((id) => this.#forward(id, 'listGroups', request)))) groups.push(...answer.groups)
    }
    groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
    return { groups }
  }

  async #describeGroups(request: OpRequest<'describeGroups'>, options: RouteOptions): Promise<OpResponse<'describeGroups'>> {
    const byPartition = new Map<number, string[]>()
    for (const groupId of request.groupIds) {
      const partition = this.#partitionOf(groupId)
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), groupId])
    }
    const described = new Map<string, DescribedGroup>()
    await Promise.all([...byPartition.values()].map(async (groupIds) => {
      try {
        const answer = await this.#one('describeGroups', { ...request, groupIds }, groupIds[0]!, options)
        for (const g of answer.groups) described.set(g.groupId, g)
      } catch (err) {
        if (!(err instanceof FaecieError)) throw err
        for (const groupId of groupIds) {
          described.set(groupId, { groupId, state: 'Dead', groupEpoch: 0, assignmentEpoch: 0, assignor: '', members: [], error: err.toWire() })
        }
      }
    }))
    return { groups: request.groupIds.map((groupId) => described.get(groupId)!) }
  }

  async #forward<Op extends GroupOp>(brokerId: number, op: Op, request: OpRequest<Op>): Promise<OpResponse<Op>> {
    try {
      return await this.#o.links.request(brokerId, op, request as Record<string, unknown>)
    } catch (err) {
      if (err instanceof FaecieError && err.code === ErrorCode.BROKER_NOT_AVAILABLE) {
        throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `Broker ${brokerId}, which coordinates the group, is unreachable: ${err.message}`)
      }
      throw err
    }
  }

  /** The group's partition; the topic missing: asks for it and throws COORDINATOR_NOT_AVAILABLE. */
  #partitionOf(groupId: string): number {
    const n = this.#o.offsetsPartitions()
    if (n !== undefined && n > 0) return groupPartition(groupId, n)
    // A refusal thrown at once (too few live brokers for the topic's replication factor) is the answer.
    this.#ensuring ??= this.#o.ensureOffsetsTopic()
      .then(() => this.#o.logger.info({ topic: OFFSETS_TOPIC }, 'offsets topic made (or already there)'),
        (err: unknown) => this.#o.logger.warn({ err, topic: OFFSETS_TOPIC }, 'could not make the offsets topic; the next group request asks again'))
      .finally(() => { this.#ensuring = undefined })
    throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} is being made: ask again shortly.`)
  }
}

function notCoordinator(brokerId: number, groupId: string, partition: number, leader: number): FaecieError {
  return new FaecieError(ErrorCode.NOT_COORDINATOR, `Broker ${brokerId} does not coordinate group ${groupId} (${OFFSETS_TOPIC}-${partition}); ` +
    (leader >= 0 ? `broker ${leader} does.` : 'that partition has no leader right now.'))
}

// One partition of `__consumer_offsets` that this broker leads, with the consumer groups that hash
// to it (cluster mode): a GroupCoordinator (the same sync op logic as a single broker's) made safe
// over a replicated log whose appends are asynchronous and may fail.
//
// The write path and its barrier: an op runs synchronously against the coordinator, whose host
// calls (appendOffsets / recordGroups) only collect batches; right after the op returns, the shard
// appends them (one batch per host call, in order; an oversized call is split) without waiting for
// earlier appends (they pipeline). Appends are numbered 1, 2, ...; an op's answer (or its error)
// waits for the barrier = the number of appends made so far, including its own, and is released once
// every append up to it has resolved. So no answer reflects state that is not committed, a read
// included (it waits for the writes before it), and answers come out in op order. tick() and
// onTopicChanged() write through the same path, with no answer.
//
// Failure: a rejected append means memory is ahead of the log. The shard goes 'failed' (emits
// 'failed' once); every pending and later answer is NOT_COORDINATOR; its owner drops it and, if it
// still leads the partition, loads a new shard from the log.
//
// Kafka's classic ops (runKafka) go through the same barrier; a join or sync the group holds (a
// Promise: the rebalance waits for its members) is chained after it. A shard that closes or fails
// shuts every classic group down, so each held answer is NOT_COORDINATOR and none hangs.
//
// Load: the log is replayed up to the log end read at the start (load markers skipped), then a load
// marker is appended with acks=all: once it is committed so is everything replayed (a previous
// leader's uncommitted tail included), and only then does the shard answer ('active'). Its replayed
// groups' readmission window (startupAssignmentDelayMs) starts then, not when the shard was made.
// A shard's owner makes no new shard for the partition before this one's appends have all settled
// (appendsSettled): the new one's read must see them.
import { strict as assert } from 'node:assert'
import { EventEmitter } from 'node:events'
import { ErrorCode, FaecieError, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { GROUP_OPS, type GroupOp } from '../coordinator/messages.js'
import type { ClassicGroupSettings } from './classic-group.js'
import type { KafkaGroupOp, KafkaGroupRequest, KafkaGroupResult } from './kafka-group-ops.js'
import type { GroupSettings, GroupTopics } from './consumer-group.js'
import { GroupCoordinator } from './group-coordinator.js'
import { ShardBarrier } from './shard-barrier.js'
import { ShardWriter } from './shard-writer.js'
import { replayOffsetsPartition } from './shard-replay.js'

export interface OffsetsPartitionHost {
  /** Batches from `fromOffset` (concatenated RecordBatch v2 bytes, whole batches), at most ~1 MiB;
   *  logEndOffset: the leader's log end at the time of the read. Rejects with FaecieError. */
  read(fromOffset: number): Promise<{ bytes: Uint8Array; nextOffset: number; logEndOffset: number }>
  /** Appends one batch as the leader with acks=all; resolves once the high watermark passed it
   *  (committed), rejects (FaecieError: NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS*, REQUEST_TIMED_OUT,
   *  KAFKA_STORAGE_ERROR...) otherwise. Appends are sent in call order. */
  append(batch: Uint8Array): Promise<void>
}

export type ShardState = 'loading' | 'active' | 'failed' | 'closed'

export interface GroupShardOptions {
  partition: number
  host: OffsetsPartitionHost
  clock: () => number
  topics: GroupTopics
  logger: Logger
  settings?: Partial<GroupSettings>
  classicSettings?: Partial<ClassicGroupSettings>
  newMemberId?: () => string
  /** Answers held at once (ops waiting for their appends); beyond: COORDINATOR_NOT_AVAILABLE. */
  pendingOpsMax?: number
  /** Largest batch one append sends; a host call with more records is split. */
  appendBatchBytesMax?: number
}

export const DEFAULT_PENDING_OPS_MAX = 1_000
export const DEFAULT_APPEND_BATCH_BYTES_MAX = 512 * 1024
/** Topic changes remembered while loading (applied once active); past this, the rest are dropped and logged. */
const TOPIC_CHANGES_WHILE_LOADING_MAX = 10_000

export class GroupShard extends EventEmitter {
  readonly partition: number
  readonly #o: GroupShardOptions
  readonly #logger: Logger
  readonly #coordinator: GroupCoordinator
  readonly #writer: ShardWriter
  readonly #barrier: ShardBarrier
  readonly #pendingOpsMax: number
  #state: ShardState = 'loading'
  #loadStarted = false
  /** topic -> deleted, from onTopicChanged calls made while loading. */
  readonly #topicChangesWhileLoading = new Map<string, boolean>()

  constructor(o: GroupShardOptions) {
    super()
    assert(Number.isSafeInteger(o.partition) && o.partition >= 0, `partition ${o.partition}`)
    this.#pendingOpsMax = o.pendingOpsMax ?? DEFAULT_PENDING_OPS_MAX
    assert(Number.isSafeInteger(this.#pendingOpsMax) && this.#pendingOpsMax > 0, `pendingOpsMax ${this.#pendingOpsMax} must be positive`)
    this.partition = o.partition
    this.#o = o
    this.#logger = o.logger.child({ module: 'group-shard', partition: o.partition })
    this.#barrier = new ShardBarrier()
    this.#writer = new ShardWriter({
      host: o.host, clock: o.clock, batchBytesMax: o.appendBatchBytesMax ?? DEFAULT_APPEND_BATCH_BYTES_MAX,
      onAppended: (seq) => this.#barrier.resolved(seq),
      onFailed: (seq, err) => this.#fail(err, `append ${seq} failed`),
    })
    this.#coordinator = new GroupCoordinator({
      clock: o.clock,
      topics: o.topics,
      appendOffsets: (records) => this.#writer.collectOffsets(records),
      recordGroups: (records) => this.#writer.collectGroups(records),
      logger: this.#logger,
      ...(o.newMemberId === undefined ? {} : { newMemberId: o.newMemberId }),
    }, o.settings, o.classicSettings)
  }

  get state(): ShardState {
    return this.#state
  }

  get groupCount(): number {
    return this.#coordinator.groupCount
  }

  /** Appends sent whose outcome is not known yet (they may still be queued in the partition's thread). */
  get appendsInFlight(): number {
    return this.#writer.inFlight
  }

  /** Resolves once every append this shard sent has settled: only then may another shard read the partition. */
  appendsSettled(): Promise<void> {
    return this.#writer.settled()
  }

  /** Answers waiting for their appends. */
  get pendingOps(): number {
    return this.#barrier.waiting
  }

  /**
   * Replays the partition to its log end, then appends a load marker (acks=all) and goes 'active'.
   * Rejects (NOT_COORDINATOR, the cause in its message) when the shard failed or was closed
   * meanwhile; a failure also emits 'failed'.
   */
  async load(): Promise<void> {
    assert(!this.#loadStarted, `shard ${this.partition}: load() called twice`)
    this.#loadStarted = true
    if (this.#state !== 'loading') throw this.#notCoordinator('closed before its load')
    try {
      const replay = await replayOffsetsPartition(this.#o.host, this.#coordinator, this.partition, () => this.#state === 'loading')
      if (this.#state !== 'loading') throw this.#notCoordinator()
      const seq = this.#writer.appendLoadMarker(this.partition)
      await this.#barrier.wait(seq)
      if (this.#state !== 'loading') throw this.#notCoordinator()
      this.#state = 'active'
      // The members of before get their hold window from now, however long the load took.
      this.#coordinator.beginReadmission()
      this.#logger.info({ ...replay, groups: this.groupCount }, 'group shard loaded')
    } catch (err) {
      if (this.#state === 'loading') this.#fail(err, 'load failed')
      throw this.#notCoordinator()
    }
    for (const [topic, deleted] of this.#topicChangesWhileLoading) this.onTopicChanged(topic, deleted)
    this.#topicChangesWhileLoading.clear()
  }

  run<Op extends GroupOp>(op: Op, request: OpRequest<Op>): Promise<OpResponse<Op>> {
    return this.#run(op, () => runGroupOp(this.#coordinator, op, request))
  }

  /** A Kafka-only group op (kafka-group-ops.ts); a held join or sync answers once its barrier passed and the group answered. */
  runKafka<Op extends KafkaGroupOp>(op: Op, request: KafkaGroupRequest<Op>): Promise<KafkaGroupResult<Op>> {
    return this.#run(op, () => this.#coordinator.kafkaGroup(op, request))
  }

  #run<T>(op: string, work: () => T | Promise<T>): Promise<T> {
    if (this.#state === 'loading') {
      return Promise.reject(new FaecieError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        `The coordinator of __consumer_offsets-${this.partition} is still loading its groups.`))
    }
    if (this.#state !== 'active') return Promise.reject(this.#notCoordinator())
    if (this.#barrier.waiting >= this.#pendingOpsMax) {
      return Promise.reject(new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE,
        `The coordinator of __consumer_offsets-${this.partition} holds ${this.#barrier.waiting} answers (pendingOpsMax); try again.`))
    }
    let outcome: { ok: true; value: T | Promise<T> } | { ok: false; error: unknown }
    try {
      outcome = { ok: true, value: this.#write(work) }
    } catch (err) {
      outcome = { ok: false, error: err }
    }
    if (!outcome.ok && !(outcome.error instanceof FaecieError)) {
      // Not a refusal but a broken invariant: the coordinator's state is not to be trusted.
      this.#fail(outcome.error, `${op} threw`)
      return Promise.reject(this.#notCoordinator())
    }
    if (this.#state !== 'active') return Promise.reject(this.#notCoordinator())
    const released = this.#barrier.wait(this.#writer.appended)
    return outcome.ok ? released.then(() => outcome.value) : released.then(() => { throw outcome.error })
  }

  /** Member expiry and offset retention; their records go through the same write path (no answer). */
  tick(): void {
    if (this.#state !== 'active') return
    this.#writeQuietly('tick', () => this.#coordinator.tick())
  }

  /** A topic was created, grown or deleted (deleted: its offsets are tombstoned). */
  onTopicChanged(topic: string, deleted: boolean): void {
    if (this.#state === 'loading') {
      if (this.#topicChangesWhileLoading.size < TOPIC_CHANGES_WHILE_LOADING_MAX || this.#topicChangesWhileLoading.has(topic)) {
        this.#topicChangesWhileLoading.set(topic, deleted)
      } else this.#logger.warn({ topic, deleted }, 'too many topic changes while loading: this one is dropped')
      return
    }
    if (this.#state !== 'active') return
    this.#writeQuietly('onTopicChanged', () => this.#coordinator.onTopicChanged(topic, deleted))
  }

  /** This broker no longer leads the partition (or stops): pending and later ops fail NOT_COORDINATOR. */
  close(reason: string): void {
    if (this.#state === 'closed' || this.#state === 'failed') return
    this.#state = 'closed'
    this.#logger.info({ reason, pendingOps: this.#barrier.waiting }, 'group shard closed')
    this.#barrier.failAll(this.#notCoordinator(reason))
    this.#coordinator.shutdownClassicGroups(ErrorCode.NOT_COORDINATOR)
  }

  /** Runs `work` collecting its batches, then appends them (after the op: even when it threw a refusal). */
  #write<T>(work: () => T): T {
    this.#writer.begin()
    try {
      return work()
    } finally {
      this.#writer.flush()
    }
  }

  #writeQuietly(what: string, work: () => void): void {
    try {
      this.#write(work)
    } catch (err) {
      this.#fail(err, `${what} threw`)
    }
  }

  #fail(err: unknown, what: string): void {
    if (this.#state === 'failed' || this.#state === 'closed') return
    this.#state = 'failed'
    this.#logger.warn({ err, pendingOps: this.#barrier.waiting }, `group shard failed: ${what}`)
    this.#barrier.failAll(this.#notCoordinator(`${what}: ${err instanceof Error ? err.message : String(err)}`))
    this.#coordinator.shutdownClassicGroups(ErrorCode.NOT_COORDINATOR)
    this.emit('failed', err)
  }

  #notCoordinator(reason?: string): FaecieError {
    return new FaecieError(ErrorCode.NOT_COORDINATOR,
      `This broker no longer coordinates the groups of __consumer_offsets-${this.partition}${reason === undefined ? '' : ` (${reason})`}: find the coordinator again.`)
  }
}

/** Dispatches one group op (the gateway's request, validated) to the coordinator. */
export function runGroupOp<Op extends GroupOp>(groups: GroupCoordinator, op: Op, request: OpRequest<Op>): OpResponse<Op> {
  switch (op) {
    case 'heartbeat': return groups.heartbeat(request as OpRequest<'heartbeat'>) as OpResponse<Op>
    case 'leaveGroup': return groups.leaveGroup(request as OpRequest<'leaveGroup'>) as OpResponse<Op>
    case 'commitOffsets': return groups.commitOffsets(request as OpRequest<'commitOffsets'>) as OpResponse<Op>
    case 'fetchOffsets': return groups.fetchOffsets(request as OpRequest<'fetchOffsets'>) as OpResponse<Op>
    case 'describeGroups': return groups.describeGroups(request as OpRequest<'describeGroups'>) as OpResponse<Op>
    case 'listGroups': return groups.listGroups(request as OpRequest<'listGroups'>) as OpResponse<Op>
    case 'deleteGroup': return groups.deleteGroup((request as OpRequest<'deleteGroup'>).groupId) as OpResponse<Op>
    case 'alterGroupOffsets': return groups.alterGroupOffsets(request as OpRequest<'alterGroupOffsets'>) as OpResponse<Op>
  }
  throw new FaecieError(ErrorCode.INVALID_REQUEST, `${String(op)} is not a group op (${GROUP_OPS.join(', ')}).`)
}

// The consumer in a group: `faecie.consumer({ groupId })`. The coordinator decides which partitions
// this member reads (membership.ts heartbeats and reconciles); reading them is the group-less
// Consumer's job, whose assignment this class keeps in step with the member's. What it adds: the
// subscription (names or RegExps), where assigned partitions start (the committed offset, else
// autoOffsetReset), what was consumed and its commits (auto every autoCommitIntervalMs, on a
// revocation and on disconnect), the rebalance listeners, and maxPollIntervalMs.
//
// A message counts as consumed once its eachMessage resolves (eachBatch: the batch, or as far as
// resolveOffset said), or, with stream(), once the loop asks for the next message or leaves. Commits
// are at-least-once: after a crash, records consumed since the last commit are read again.
//
// A handler (or a message held by stream()) that runs past maxPollIntervalMs makes the member leave
// the group: its partitions go to others, and it joins again once the handler returns. Heartbeats
// run on their own timer meanwhile, so a slow handler within that bound causes no rebalance.
//
// disconnect() awaited from inside eachMessage (stop after N messages) does not wait for that
// handler: it counts the handler's message as consumed (the handler chose to stop after it),
// commits, and leaves. Time and timers come from a Clock, so tests can drive them.
//
// Every group op (heartbeat, leave, commit, fetchOffsets) goes to the group's coordinator
// (coordinators.ts), found again whenever it moves; the reading goes to the partitions' leaders.
import { type Clock, systemClock } from '../clock.js'
import type { ClientConfig } from '../config.js'
import { Coordinators } from '../coordinators.js'
import { Consumer, type PartitionSelector } from './consumer.js'
import { type GroupConsumerConfig, type PartitionsListener, type ResolvedGroupConfig, resolveGroupConfig } from './group-config.js'
import { GroupOffsets, type TopicPartitionOffset } from './group-offsets.js'
import { type HeartbeatFields, Membership, type MembershipHost } from './membership.js'
import { throwIfCorrupt } from './batch.js'
import type { ConsumedMessage } from './message.js'
import type { EachBatchPayload, EachMessagePayload, RunOptions } from './run.js'
import { type TopicPartition, partitionKey } from './state.js'

export type GroupConsumerEvent = 'partitionsAssigned' | 'partitionsRevoked' | 'partitionsLost' | 'crash'

export interface SubscribeOptions {
  /** Topic names, or RegExps matched against whole topic names (new matching topics join as they appear). */
  topics: Array<string | RegExp>
}

interface Busy {
  sinceMs: number
  done: Promise<void>
  finish: () => void
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** RE2's inline form of the flags that change what a RegExp matches (i, m, s); the rest do not. */
const RE2_INLINE_FLAGS = ['i', 'm', 's']

/**
 * The one subscribedTopicRegex for these names and RegExps: the broker matches it whole against topic
 * names with RE2 (docs/protocol.md). A RegExp's i, m and s flags travel inline, as `(?i:...)`.
 */
export function subscriptionRegex(names: string[], patterns: RegExp[]): string {
  const sources = patterns.map((p) => {
    const flags = RE2_INLINE_FLAGS.filter((f) => p.flags.includes(f)).join('')
    return flags === '' ? p.source : `(?${flags}:${p.source})`
  })
  return [...names.map(escapeRegExp), ...sources].map((s) => `(?:${s})`).join('|')
}

export class GroupConsumer {
  readonly groupId: string
  readonly group: ResolvedGroupConfig
  private readonly reader: Consumer
  private readonly clientId: string
  private readonly membership: Membership
  private readonly coordinators: Coordinators
  private readonly offsets: GroupOffsets
  private subscription: Pick<HeartbeatFields, 'subscribedTopicNames' | 'subscribedTopicRegex'> | undefined
  /** Partitions this member reads; `revoking` ones are being handed over (their handlers may finish). */
  private readonly owned = new Map<string, TopicPartition>()
  private readonly revoking = new Set<string>()
  private readonly busy = new Map<string, Busy>()
  private readonly listeners = new Map<GroupConsumerEvent, Set<(arg: never) => unknown>>()
  private autoCommitTimer: unknown
  private pollTimer: unknown
  /** The message (or batch, as far as resolveOffset said) a run() handler is on: the offset after it. */
  private handling: { topic: string; partition: number; next: number | undefined } | undefined
  private readonly clock: Clock
  /** Set while the member is out of the group because a handler ran past maxPollIntervalMs. */
  private stuck = false
  private stuckLeave: Promise<void> | undefined
  private closed = false

  constructor(clientConfig: ClientConfig, config: GroupConsumerConfig, clock: Clock = systemClock) {
    this.clock = clock
    this.group = resolveGroupConfig(config)
    this.groupId = this.group.groupId
    this.clientId = clientConfig.clientId
    this.reader = new Consumer(clientConfig, config)
    this.coordinators = new Coordinators(this.reader.cluster, { clock })
    this.offsets = new GroupOffsets(this.coordinators, this.groupId, () => this.memberIdentity())
    this.membership = new Membership(this.host(), { clock, retry: clientConfig.retry })
    if (config.onPartitionsAssigned !== undefined) this.on('partitionsAssigned', config.onPartitionsAssigned)
    if (config.onPartitionsRevoked !== undefined) this.on('partitionsRevoked', config.onPartitionsRevoked)
    this.reader.on('crash', (err) => void this.crashed(err))
    // As Kafka's auto-commit does: where a partition with nothing committed starts (autoOffsetReset)
    // is committed too, so records produced while the group is down are not skipped on its return.
    this.reader.onPositionResolved = (topic, partition, offset) => {
      if (this.group.autoCommit && this.owned.has(partitionKey(topic, partition))) this.offsets.consume(topic, partition, offset)
    }
  }

  /** The member's id and epoch in the group ('' and 0 until it has joined). */
  get memberId(): string {
    return this.membership.memberId
  }

  get memberEpoch(): number {
    return this.membership.memberEpoch
  }

  async connect(): Promise<void> {
    await this.reader.connect()
  }

  /** Joins the group (or changes the subscription) with these topic names and RegExps. */
  async subscribe(options: SubscribeOptions): Promise<void> {
    if (this.closed) throw new Error('The consumer is disconnected.')
    const topics = options?.topics
    if (!Array.isArray(topics) || topics.length === 0) throw new TypeError('subscribe() needs topics: names or RegExps')
    const names = topics.filter((t): t is string => typeof t === 'string' && t !== '')
    const patterns = topics.filter((t): t is RegExp => t instanceof RegExp)
    if (names.length + patterns.length !== topics.length) throw new TypeError('subscribe() takes topic names (non-empty strings) and RegExps')
    this.subscription = patterns.length === 0
      ? { subscribedTopicNames: [...new Set(names)] }
      : { subscribedTopicRegex: subscriptionRegex(names, patterns) }
    if (this.membership.isActive) this.membership.heartbeatNow()
    else this.start()
  }

  /** Resolves once the coordinator has answered this member (it has an id and an epoch). */
  async joined(): Promise<void> {
    await this.membership.joined()
  }

  /** The partitions this member owns now. */
  assignment(): TopicPartition[] {
    return [...this.owned.values()]
  }

  async run(options: RunOptions): Promise<void> {
    if (this.subscription === undefined) throw new Error('subscribe() before run()')
    const wrapped: RunOptions = {}
    const { eachMessage, eachBatch } = options
    if (eachMessage !== undefined) wrapped.eachMessage = (payload) => this.handleMessage(eachMessage, payload)
    if (eachBatch !== undefined) wrapped.eachBatch = (payload) => this.handleBatch(eachBatch, payload)
    await this.reader.run(wrapped)
  }

  /** Stops run() after the message or batch being handled (the member stays in the group). */
  async stop(): Promise<void> {
    await this.reader.stop()
  }

  /** The assigned partitions' messages as they come (see the file's comment for what counts as consumed). */
  async *stream(): AsyncGenerator<ConsumedMessage, void, undefined> {
    if (this.subscription === undefined) throw new Error('subscribe() before stream()')
    for await (const message of this.reader.stream()) {
      const key = partitionKey(message.topic, message.partition)
      if (!this.owned.has(key)) continue
      const busy = this.begin(key)
      try {
        yield message
      } finally {
        this.end(key, busy, message.topic, message.partition, message.offset + 1)
      }
    }
  }

  /**
   * Commits offsets now: these (each the offset of the NEXT record to read, as in Kafka), or,
   * without an argument, everything consumed and not yet committed.
   */
  async commitOffsets(offsets?: TopicPartitionOffset[]): Promise<void> {
    if (offsets === undefined) await this.offsets.commitConsumed()
    else await this.offsets.commit(offsets)
  }

  /** Reads the partition from `offset` next; with auto-commit, that is what is committed for it. */
  seek(target: TopicPartitionOffset): void {
    this.reader.seek(target)
    if (target.offset >= 0) this.offsets.consume(target.topic, target.partition, target.offset)
  }

  position(target: TopicPartition): number | undefined {
    return this.reader.position(target)
  }

  pause(selectors: PartitionSelector[]): void {
    this.reader.pause(selectors)
  }

  resume(selectors: PartitionSelector[]): void {
    this.reader.resume(selectors)
  }

  paused(): TopicPartition[] {
    return this.reader.paused()
  }

  /** partitionsAssigned / partitionsRevoked / partitionsLost (default: the revoked listeners) get the partitions; crash gets the error. */
  on(event: 'partitionsAssigned' | 'partitionsRevoked' | 'partitionsLost', listener: PartitionsListener): () => void
  on(event: 'crash', listener: (err: unknown) => void): () => void
  on(event: GroupConsumerEvent, listener: ((partitions: TopicPartition[]) => unknown) | ((err: unknown) => void)): () => void {
    if (!['partitionsAssigned', 'partitionsRevoked', 'partitionsLost', 'crash'].includes(event)) throw new RangeError(`unknown event: ${String(event)}`)
    let set = this.listeners.get(event)
    if (set === undefined) this.listeners.set(event, (set = new Set()))
    set.add(listener as (arg: never) => unknown)
    return () => set.delete(listener as (arg: never) => unknown)
  }

  /**
   * Stops run() (after the handler in progress), commits what was consumed, calls the revoked
   * listeners, and leaves the group at once, so the partitions move to the other members now.
   */
  async disconnect(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.clock.clearTimeout(this.autoCommitTimer)
    this.clock.clearTimeout(this.pollTimer)
    const inside = this.reader.insideHandler()
    await this.reader.stop()
    // Called from inside a handler: that handler is waiting for us, and is done with its message.
    const handling = inside ? this.handling : undefined
    if (handling?.next !== undefined && this.owned.has(partitionKey(handling.topic, handling.partition))) {
      this.offsets.consume(handling.topic, handling.partition, handling.next)
    }
    await this.membership.confirm()
    this.membership.freeze()
    await this.membership.drain()
    const owned = [...this.owned.values()]
    if (owned.length > 0) {
      // run() has stopped; a message stream() holds now is not waited for (nor counted consumed).
      await this.handOver(owned, { lost: false, wait: false }).catch((err: unknown) => this.emit('crash', err))
    }
    await this.membership.leave()
    await this.reader.disconnect()
  }

  private start(): void {
    this.membership.join()
    if (this.autoCommitTimer === undefined && this.group.autoCommit) {
      const autoCommit = (): void => {
        if (this.closed) return
        // A failed auto-commit stays dirty and goes with the next one (or the next revocation).
        this.offsets.commitConsumed().catch(() => undefined)
        this.autoCommitTimer = this.clock.setTimeout(autoCommit, this.group.autoCommitIntervalMs)
      }
      this.autoCommitTimer = this.clock.setTimeout(autoCommit, this.group.autoCommitIntervalMs)
    }
    if (this.pollTimer === undefined) {
      const pollCheckMs = Math.min(1_000, Math.max(50, this.group.maxPollIntervalMs / 4))
      const poll = (): void => {
        if (this.closed) return
        this.checkPoll()
        this.pollTimer = this.clock.setTimeout(poll, pollCheckMs)
      }
      this.pollTimer = this.clock.setTimeout(poll, pollCheckMs)
    }
  }

  private host(): MembershipHost {
    return {
      memberFields: () => ({
        groupId: this.groupId,
        clientId: this.clientId,
        rebalanceTimeoutMs: this.group.rebalanceTimeoutMs,
        ...(this.group.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: this.group.sessionTimeoutMs }),
        ...(this.group.groupInstanceId === undefined ? {} : { groupInstanceId: this.group.groupInstanceId }),
        ...(this.group.assignor === undefined ? {} : { serverAssignor: this.group.assignor as HeartbeatFields['serverAssignor'] }),
        ...this.subscription,
      }),
      heartbeat: (fields) => this.coordinators.send(this.groupId, 'heartbeat', fields),
      assigned: (partitions) => this.takeUp(partitions),
      revoked: (partitions, lost) => this.handOver(partitions, { lost }),
      fatal: (err) => void this.crashed(err),
    }
  }

  private memberIdentity(): { memberId: string; memberEpoch: number } | undefined {
    const { memberId, memberEpoch } = this.membership
    return memberId === '' || memberEpoch <= 0 ? undefined : { memberId, memberEpoch }
  }

  /** New partitions: their committed offsets, reading from there, then the assigned listeners. */
  private async takeUp(partitions: TopicPartition[]): Promise<void> {
    const committed = await this.offsets.fetchCommitted(partitions)
    const keep = this.reader.assignment()
    const added = partitions.map(({ topic, partition }) => {
      const offset = committed.get(partitionKey(topic, partition)) ?? -1
      if (offset >= 0) this.offsets.started(topic, partition, offset)
      return offset >= 0 ? { topic, partition, offset } : { topic, partition }
    })
    this.reader.assign([...keep, ...added])
    this.offsets.hold(partitions)
    for (const tp of partitions) this.owned.set(partitionKey(tp.topic, tp.partition), tp)
    await this.emit('partitionsAssigned', partitions)
  }

  /** Partitions leaving: stop reading; unless lost, let their handlers finish and commit; then the listeners. */
  private async handOver(partitions: TopicPartition[], options: { lost: boolean; wait?: boolean }): Promise<void> {
    const { lost } = options
    const keys = partitions.map((tp) => partitionKey(tp.topic, tp.partition))
    for (const key of keys) {
      this.owned.delete(key)
      if (!lost) this.revoking.add(key)
    }
    this.reader.assign(this.reader.assignment().filter((tp) => !keys.includes(partitionKey(tp.topic, tp.partition))))
    try {
      if (!lost) {
        if (options.wait !== false) await this.idle(keys, this.group.rebalanceTimeoutMs)
        // A commit that fails here (the member was fenced meanwhile) costs a re-read, not the member.
        if (this.group.autoCommit) await this.offsets.commitConsumed(partitions).catch(() => undefined)
      }
    } finally {
      for (const key of keys) this.revoking.delete(key)
      this.offsets.forget(partitions)
    }
    const event = lost && (this.listeners.get('partitionsLost')?.size ?? 0) > 0 ? 'partitionsLost' : 'partitionsRevoked'
    await this.emit(event, partitions)
  }

  private async handleMessage(eachMessage: NonNullable<RunOptions['eachMessage']>, payload: EachMessagePayload): Promise<void> {
    const key = partitionKey(payload.topic, payload.partition)
    if (!this.owned.has(key)) return
    const busy = this.begin(key)
    let next: number | undefined
    this.handling = { topic: payload.topic, partition: payload.partition, next: payload.message.offset + 1 }
    try {
      await eachMessage(payload)
      next = payload.message.offset + 1
    } finally {
      this.handling = undefined
      this.end(key, busy, payload.topic, payload.partition, next)
    }
  }

  private async handleBatch(eachBatch: NonNullable<RunOptions['eachBatch']>, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload
    const { topic, partition } = batch
    const key = partitionKey(topic, partition)
    if (!this.owned.has(key)) return
    const busy = this.begin(key)
    let resolved = -1
    let next: number | undefined
    const handling: NonNullable<GroupConsumer['handling']> = { topic, partition, next: undefined }
    this.handling = handling
    try {
      await eachBatch({
        ...payload,
        resolveOffset: (offset) => {
          resolved = Math.max(resolved, offset)
          handling.next = resolved + 1
          payload.resolveOffset(offset)
        },
        heartbeat: async () => this.membership.heartbeatNow(),
      })
      throwIfCorrupt(batch) // a record that did not parse: nothing from it on is consumed
      next = batch.lastOffset() + 1
    } catch (err) {
      if (resolved >= 0) next = resolved + 1
      throw err
    } finally {
      this.handling = undefined
      this.end(key, busy, topic, partition, next)
    }
  }

  private begin(key: string): Busy {
    let finish!: () => void
    const done = new Promise<void>((resolve) => (finish = resolve))
    const busy = { sinceMs: this.clock.now(), done, finish }
    this.busy.set(key, busy)
    return busy
  }

  /** A handler is done with a partition; `next` is the offset consumed up to (undefined: none). */
  private end(key: string, busy: Busy, topic: string, partition: number, next: number | undefined): void {
    if (this.busy.get(key) === busy) this.busy.delete(key)
    busy.finish()
    if (next !== undefined && (this.owned.has(key) || this.revoking.has(key))) this.offsets.consume(topic, partition, next)
    if (this.stuck && this.busy.size === 0 && !this.closed) {
      // The handler that held the member up is done: join again (epoch 0, as a new member) once
      // the leave is through.
      this.stuck = false
      const leaving = this.stuckLeave
      void leaving?.then(() => {
        if (!this.closed) this.membership.join()
      })
    }
  }

  private async idle(keys: string[], timeoutMs: number): Promise<void> {
    const waits = keys.map((key) => this.busy.get(key)?.done).filter((p): p is Promise<void> => p !== undefined)
    if (waits.length === 0) return
    let timer: unknown
    const timeout = new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, timeoutMs)))
    await Promise.race([Promise.all(waits), timeout])
    this.clock.clearTimeout(timer)
  }

  /** maxPollIntervalMs: a handler stuck past it takes the member out of the group. */
  private checkPoll(): void {
    if (this.stuck || this.closed || !this.membership.isActive) return
    const nowMs = this.clock.now()
    const stuck = [...this.busy.values()].some((b) => nowMs - b.sinceMs > this.group.maxPollIntervalMs)
    if (!stuck) return
    this.stuck = true
    this.stuckLeave = (async () => {
      this.membership.freeze()
      await this.membership.drain()
      const owned = [...this.owned.values()]
      // The stuck handler's partition is not committed for (it has not finished); the rest are.
      const free = owned.filter((tp) => !this.busy.has(partitionKey(tp.topic, tp.partition)))
      if (this.group.autoCommit) await this.offsets.commitConsumed(free).catch(() => undefined)
      await this.handOver(owned, { lost: true })
      await this.membership.leave()
    })().catch((err: unknown) => void this.emit('crash', err))
  }

  private async crashed(err: unknown): Promise<void> {
    await this.emit('crash', err)
    // A member that cannot go on gives its partitions to the others rather than sit on them.
    await this.disconnect().catch(() => undefined)
  }

  private async emit(event: GroupConsumerEvent, arg: unknown): Promise<void> {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        await (listener as (a: unknown) => unknown)(arg)
      } catch (err) {
        if (event !== 'crash') await this.emit('crash', err)
      }
    }
  }
}

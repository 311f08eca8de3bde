// The consumer without a group: the application assigns partitions (and offsets), and reads them
// through stream() (an async iterator: the consumer reads ahead only as far as its bounded buffer,
// so a slow loop slows the reading) or run({eachMessage | eachBatch}) as in kafkajs. It owns the
// partition states, the buffer and the error policy; reading itself is fetch.ts or push.ts.
//
// Error policy per partition: OFFSET_OUT_OF_RANGE applies autoOffsetReset (earliest / latest; with
// 'none' the error surfaces); a lost connection is retried for as long as it takes (the cluster
// backs off); other retriable errors are retried within the retry budget; anything else, or a
// spent budget, surfaces: stream() throws it, run() stops and reports it to 'crash' listeners,
// once the partition's messages read before it are delivered (message-buffer.ts). Errors saying the
// partition's leader moved (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, ...) are retriable: the
// cluster re-asks the topic's leaders and the next read goes to the new leader from the same
// position, so nothing is skipped or read twice; they are retried for as long as it takes (a
// partition without a serving leader for minutes is no crash, as in Kafka). A surfaced
// partition stops until it is seeked: an error that cannot succeed (LOG_DAMAGED: offsets the broker
// lost) is neither retried nor stepped over.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { ClientConfig } from '../config.js'
import { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import { isRoutingError } from '../leaders.js'
import { backoffMs, isRetriable } from '../retry.js'
import { LeaderRoutes } from '../routes.js'
import { type ConsumerConfig, ROUTING_RETRY_MIN_MS, type ResolvedConsumerConfig, resolveConsumerConfig } from './config.js'
import { FetchReader } from './fetch.js'
import { type Chunk, MessageBuffer } from './message-buffer.js'
import type { ConsumedMessage } from './message.js'
import { resolvePositions } from './positions.js'
import { PushReader } from './push.js'
import type { ReadContext, Reader } from './reader.js'
import { RecordSet } from './records.js'
import { RunLoop, type RunOptions } from './run.js'
import { EARLIEST, LATEST, PartitionState, type TopicPartition, partitionKey } from './state.js'

/** Backoff steps of a routing error's retries: enough for any multiplier to reach maxRetryTimeMs. */
const ROUTING_BACKOFF_STEPS_MAX = 30

export interface PartitionAssignment extends TopicPartition {
  /** Where to start; absent: autoOffsetReset decides (earliest or latest). */
  offset?: number
}

/** kafkajs's shape for pause/resume ({topic, partitions: [...]}) or one partition ({topic, partition}). */
export type PartitionSelector = { topic: string; partitions?: number[] } | TopicPartition

export class Consumer implements ReadContext {
  readonly config: ResolvedConsumerConfig
  readonly cluster: Cluster
  readonly buffer: MessageBuffer
  private readonly assigned = new Map<string, PartitionState>()
  private readonly reader: Reader
  /** The first connection made; partitions are read over their leaders' connections. */
  private connection: Connection | undefined
  private readonly routes: LeaderRoutes
  private connecting = false
  private pumpScheduled = false
  private wakeTimer: ReturnType<typeof setTimeout> | undefined
  private wakeAtMs = Infinity
  private closed = false
  private readonly runLoop: RunLoop
  private readonly crashListeners = new Set<(err: unknown) => void>()
  /** Hears where a partition without an offset starts (autoOffsetReset); a group commits it. */
  onPositionResolved: ((topic: string, partition: number, offset: number) => void) | undefined

  constructor(clientConfig: ClientConfig, config: ConsumerConfig = {}) {
    this.config = resolveConsumerConfig(config, clientConfig.retry)
    this.cluster = new Cluster(clientConfig)
    this.buffer = new MessageBuffer((chunk) => this.reader.released(chunk), (chunk) => this.corrupted(chunk))
    this.reader = this.config.mode === 'push' ? new PushReader(this) : new FetchReader(this)
    this.runLoop = new RunLoop(this, (err) => this.crashed(err))
    this.routes = new LeaderRoutes(this.cluster, () => this.wake(), (err) => this.connectFailed(err))
  }

  async connect(): Promise<void> {
    await this.cluster.connect()
  }

  /** Reads exactly these partitions from now on (replacing any earlier assignment). */
  assign(partitions: PartitionAssignment[]): void {
    const next = new Map<string, PartitionState>()
    for (const { topic, partition, offset } of partitions) {
      if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || partition < 0) throw new TypeError(`not a topic partition: ${topic}-${partition}`)
      if (offset !== undefined && !(Number.isSafeInteger(offset) && offset >= 0)) throw new RangeError(`offset must be an integer >= 0, not ${offset}`)
      const existing = this.assigned.get(partitionKey(topic, partition))
      const state = existing ?? new PartitionState(topic, partition, offset ?? this.resetOffset(topic, partition))
      if (existing !== undefined && offset !== undefined) this.moveTo(state, offset)
      next.set(state.key, state)
    }
    for (const [key, state] of this.assigned) {
      if (next.has(key)) continue
      state.generation++
      this.reader.reset(state)
      this.buffer.drop(state)
    }
    this.assigned.clear()
    for (const [key, state] of next) this.assigned.set(key, state)
    this.wake()
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map(({ topic, partition }) => ({ topic, partition }))
  }

  /** Reads the partition from `offset` next; what was read ahead of it is dropped. */
  seek(target: { topic: string; partition: number; offset: number }): void {
    const state = this.stateOf(target.topic, target.partition)
    if (!Number.isSafeInteger(target.offset) || target.offset < EARLIEST) throw new RangeError(`offset must be an integer >= 0 (or -2 earliest, -1 latest), not ${target.offset}`)
    this.moveTo(state, target.offset)
    this.wake()
  }

  /** The next offset the consumer will read from the partition; undefined while earliest/latest is being looked up. */
  position(target: TopicPartition): number | undefined {
    const offset = this.stateOf(target.topic, target.partition).offset
    return offset < 0 ? undefined : offset
  }

  pause(selectors: PartitionSelector[]): void {
    for (const state of this.select(selectors)) state.paused = true
  }

  resume(selectors: PartitionSelector[]): void {
    for (const state of this.select(selectors)) state.paused = false
    this.buffer.wake()
    this.wake()
  }

  paused(): TopicPartition[] {
    return [...this.assigned.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }))
  }

  /** The assigned partitions' messages, as they come; throws a surfaced error; ends on disconnect(). */
  async *stream(): AsyncGenerator<ConsumedMessage, void, undefined> {
    this.wake()
    while (!this.closed) {
      const err = this.buffer.takeError()
      if (err !== undefined) throw err
      const message = this.buffer.nextMessage()
      if (message !== undefined) yield message
      else await this.buffer.wait()
    }
  }

  /** Starts calling eachMessage (or eachBatch) for the assigned partitions; resolves once started. */
  async run(options: RunOptions): Promise<void> {
    if (this.closed) throw new Error('The consumer is disconnected.')
    this.runLoop.start(options)
    this.wake()
  }

  /** Stops run() after the message or batch being handled (called from inside a handler: without waiting for it). */
  async stop(): Promise<void> {
    await this.runLoop.stop()
  }

  /** True when called from inside a run() handler of this consumer. */
  insideHandler(): boolean {
    return this.runLoop.insideHandler()
  }

  /** Listens for run() stopping on an error it could not get past. */
  on(event: 'crash', listener: (err: unknown) => void): () => void {
    if (event !== 'crash') throw new RangeError(`unknown event: ${String(event)}`)
    this.crashListeners.add(listener)
    return () => this.crashListeners.delete(listener)
  }

  async disconnect(): Promise<void> {
    if (this.closed) return
    await this.runLoop.stop()
    this.closed = true
    clearTimeout(this.wakeTimer)
    for (const state of this.assigned.values()) this.reader.reset(state)
    this.buffer.wake()
    await this.cluster.disconnect()
  }

  // ReadContext, for the readers and the run loop.

  states(): Iterable<PartitionState> {
    return this.assigned.values()
  }

  stateOf(topic: string, partition: number): PartitionState {
    const state = this.assigned.get(partitionKey(topic, partition))
    if (state === undefined) throw new RangeError(`${topic}-${partition} is not assigned to this consumer`)
    return state
  }

  readable(state: PartitionState, nowMs: number): boolean {
    if (state.paused || state.failed !== undefined || state.offset < 0) return false
    if (state.retryAtMs > nowMs) {
      this.wakeAt(state.retryAtMs)
      return false
    }
    return state.bufferedBytes < this.config.maxBytesPerPartition
  }

  deliver(state: PartitionState, generation: number, fromOffset: number, records: Uint8Array, highWatermark: number, sub?: number): void {
    if (generation !== state.generation || this.closed) return
    // Only the batch headers and CRCs are read now; records are read when the application asks.
    let set: RecordSet
    try {
      set = new RecordSet(state.topic, state.partition, records, fromOffset)
    } catch (err) {
      this.fail(state, generation, err instanceof FaecieError ? err : new FaecieError(ErrorCode.CORRUPT_MESSAGE, String(err)))
      return
    }
    state.offset = Math.max(state.offset, set.nextOffset)
    state.errors = 0
    state.routingErrors = 0
    state.retryAtMs = 0
    state.highWatermark = highWatermark
    const chunk = { state, generation, records: set, index: 0, bytes: records.length, highWatermark, sub }
    if (set.count === 0) this.reader.released(chunk)
    else this.buffer.push(chunk)
  }

  /**
   * A record of the chunk did not parse when its messages were made (stream(), eachMessage): the
   * messages before it are delivered, then the error surfaces (stream() throws it, run() stops),
   * and the partition stops there (what was read past it is dropped) until seeked. Not retried: its
   * CRC matched, so these are the bytes its producer wrote (a CRC mismatch is caught on arrival and
   * retried as before).
   */
  corrupted(chunk: Chunk): void {
    const { state, records } = chunk
    const err = records.error
    if (chunk.generation !== state.generation || this.closed || err === undefined) return
    state.seek(records.resumeOffset)
    chunk.generation = state.generation
    this.reader.reset(state)
    this.fail(state, state.generation, new FaecieError(err.code, err.message, { retriable: false, cause: err }))
  }

  positionResolved(state: PartitionState): void {
    this.onPositionResolved?.(state.topic, state.partition, state.offset)
  }

  fail(state: PartitionState, generation: number, err: FaecieError): void {
    if (generation !== state.generation || this.closed) return
    const code = err instanceof FaecieError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE && this.config.autoOffsetReset !== 'none') {
      this.moveTo(state, this.config.autoOffsetReset === 'earliest' ? EARLIEST : LATEST)
    } else if (code === ErrorCode.NETWORK_EXCEPTION || code === ErrorCode.REQUEST_TIMED_OUT) {
      // The connection went; the next pump reconnects (the cluster paces the attempts).
    } else if (isRoutingError(err)) {
      // The leader moved, or is being elected, or has not taken the partition up yet: as Kafka's
      // consumer does, refresh and retry for as long as it takes, backing off up to maxRetryTimeMs.
      // Counted apart from the budget of other errors, which a long election must not use up.
      this.cluster.noteError(state.topic, err)
      const waitMs = backoffMs(Math.min(state.routingErrors++, ROUTING_BACKOFF_STEPS_MAX), this.config.retry)
      state.retryAtMs = Date.now() + Math.max(ROUTING_RETRY_MIN_MS, waitMs)
    } else if (isRetriable(err) && state.errors < this.config.retry.retries) {
      // A moved leader marks the topic for a metadata refresh; the retry goes to the new leader.
      this.cluster.noteError(state.topic, err)
      state.retryAtMs = Date.now() + backoffMs(state.errors++, this.config.retry)
    } else {
      state.failed = err instanceof FaecieError ? err : new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, String(err))
      const surfaced = new FaecieError(state.failed.code, `${state.topic}-${state.partition}: ${state.failed.message}`, {
        errorName: state.failed.errorName,
        retriable: state.failed.retriable,
        cause: err,
      })
      this.buffer.pushError(surfaced, state)
    }
    this.wake()
  }

  wake(): void {
    if (this.pumpScheduled || this.closed) return
    this.pumpScheduled = true
    queueMicrotask(() => {
      this.pumpScheduled = false
      this.pump()
    })
  }

  private pump(): void {
    if (this.closed || this.assigned.size === 0) return
    if (this.connection === undefined) {
      this.reconnect()
      return
    }
    // Each partition is read from its leader (cluster.ts, routes.ts): the states grouped by connection.
    const states = [...this.assigned.values()].filter((state) => state.failed === undefined)
    const nowMs = Date.now()
    for (const [connection, routed] of this.routes.group(states)) {
      // A listOffsets that failed backs off as a fetch does (not re-asked at once on the next pump).
      const due = routed.filter((state) => {
        if (state.offset >= 0 || state.retryAtMs <= nowMs) return true
        this.wakeAt(state.retryAtMs)
        return false
      })
      resolvePositions(this, connection, due)
      this.reader.pump(connection, routed, nowMs)
    }
  }

  private reconnect(): void {
    if (this.connecting || this.cluster.isClosed) return
    this.connecting = true
    this.cluster.connect().then(
      (connection) => {
        this.connection = connection
        this.routes.watch(connection)
      },
      (err: unknown) => this.connectFailed(err),
    ).finally(() => {
      this.connecting = false
      this.wake()
    })
  }

  /** Retriable: the cluster backs off before the next attempt. Anything else surfaces. */
  private connectFailed(err: unknown): void {
    if (this.closed || isRetriable(err)) return
    this.buffer.pushError(err instanceof FaecieError ? err : new FaecieError(ErrorCode.NETWORK_EXCEPTION, String(err), { retriable: false }))
  }

  private moveTo(state: PartitionState, offset: number): void {
    state.seek(offset)
    this.reader.reset(state)
    this.buffer.drop(state)
  }

  private resetOffset(topic: string, partition: number): number {
    if (this.config.autoOffsetReset === 'none') {
      throw new RangeError(`${topic}-${partition} needs an offset: autoOffsetReset is 'none'`)
    }
    return this.config.autoOffsetReset === 'earliest' ? EARLIEST : LATEST
  }

  private select(selectors: PartitionSelector[]): PartitionState[] {
    const out: PartitionState[] = []
    for (const selector of selectors) {
      const partitions = 'partition' in selector ? [selector.partition] : selector.partitions
      for (const state of this.assigned.values()) {
        if (state.topic === selector.topic && (partitions === undefined || partitions.includes(state.partition))) out.push(state)
      }
    }
    return out
  }

  private wakeAt(atMs: number): void {
    if (atMs >= this.wakeAtMs) return
    clearTimeout(this.wakeTimer)
    this.wakeAtMs = atMs
    this.wakeTimer = setTimeout(() => {
      this.wakeAtMs = Infinity
      this.wake()
    }, Math.max(0, atMs - Date.now()))
  }

  private crashed(err: unknown): void {
    for (const listener of this.crashListeners) listener(err)
  }
}

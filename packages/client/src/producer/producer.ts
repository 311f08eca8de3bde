// The producer: send() partitions messages (Kafka's default partitioner: murmur2 of the key, sticky
// for keyless records), appends them to per-partition batches (accumulator.ts), which encode each
// record as it comes (batch.ts), and resolves once every batch holding them is acknowledged. A send
// appends at once when it can (connected, partition count known, room in the buffer, no earlier
// send waiting), else in turn behind the sends before it. The drain loop below takes ready batches
// from each partition's sender (sender.ts), fills in their headers, and packs at most one batch per
// partition into each produce request (an idempotent request carries one batch per partition),
// within the broker's frame limit and in-flight limits. docs/perf-notes.md says why it is so.
//
// Memory is bounded: record bytes held (open, queued or unacknowledged) stay under bufferBytesMax,
// and send() waits for room. A dropped connection fails what was in flight retriably; the senders put
// it back in order, and the drain loop reconnects (with the cluster's backoff) and sends it again.
//
// In a cluster each partition's batches go to its leader (cluster.route): the drain loop groups the
// partitions by their leader's connection and sends each connection its own requests. A partition
// answered NOT_LEADER_OR_FOLLOWER (or another error saying the leader moved) is retried like any
// retriable error, after the cluster re-asks its topic's leaders; its batches keep their producer id
// and sequence numbers, so the new leader (which has the producer's state from replication)
// answers a batch the old one had written as a duplicate, with its offset.
//
// Time comes from the injected Clock (clock.ts): lingering, backoffs before resends and delivery
// timeouts read its `now` and wait on its timers, so tests can drive them with a manual clock.
import { DefaultPartitioner, ErrorCode, FaecieError } from '@faecie/protocol'
import { type Clock, systemClock } from '../clock.js'
import type { ClientConfig } from '../config.js'
import { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import { backoffMs, isRetriable, withRetry } from '../retry.js'
import { LeaderRoutes } from '../routes.js'
import { RecordAccumulator } from './accumulator.js'
import { type ProducerBatch, type RecordMetadata, SendTracker } from './batch.js'
import { type ProducerConfig, type ResolvedProducerConfig, resolveProducerConfig } from './config.js'
import { type Message, checkMessage, recordOf } from './records.js'
import { type PartitionEntry, applyProduceAnswer, applyProduceFailure, buildProduceRequest } from './request.js'
import { PartitionSender } from './sender.js'
import { type ProducerValues, type ValuesPlan, checkValues, checkValuesShape } from './values.js'

export interface ProducerRecord {
  topic: string
  messages: Message[]
}

/** Appends a send's records to a topic of `count` partitions (see Producer.enqueue). */
type AppendNow = (count: number, wait: boolean) => SendTracker | undefined | Promise<SendTracker>

function checkShape(record: ProducerRecord): void {
  const { topic, messages } = record ?? {}
  if (typeof topic !== 'string' || topic === '' || !Array.isArray(messages)) throw new TypeError('send() needs {topic, messages: [...]}')
}

export class Producer {
  readonly config: ResolvedProducerConfig
  private readonly cluster: Cluster
  private readonly partitioner = new DefaultPartitioner()
  private readonly accumulator: RecordAccumulator
  private readonly partitions = new Map<string, PartitionEntry>()
  private readonly partitionCounts = new Map<string, number>()
  /** The first connection made (its limits size the batches); partitions go to their leaders' connections. */
  private connection: Connection | undefined
  private readonly routes: LeaderRoutes
  private reconnecting = false
  private ready: Promise<void> | undefined
  private producerId = -1
  private producerEpoch = -1
  private drainScheduled = false
  private readonly clock: Clock
  private lingerTimer: unknown
  /** lingerMs 0: a close of the open batches is queued as a microtask. */
  private lingerNow = false
  private wakeTimer: unknown
  private bufferedBytes = 0
  private readonly roomWaiters: Array<() => void> = []
  private readonly unsettled = new Set<ProducerBatch>()
  private readonly flushWaiters: Array<() => void> = []
  /** Flushes not yet done: while there are any, batches close as soon as their send has appended. */
  private flushesInProgress = 0
  private closed = false
  /** The previous send's append: each send appends after it, so call order is record order. */
  private appendQueue: Promise<void> = Promise.resolve()
  /** Sends on the queue above, not yet appended: while there are any, a send may not append at once. */
  private appendsWaiting = 0
  /** Connected (and, if idempotent, a producer id got) at least once. */
  private started = false
  /** Partition counts and when they were learnt, for sends that append at once. */
  private readonly knownCounts = new Map<string, { count: number; atMs: number }>()

  constructor(clientConfig: ClientConfig, config: ProducerConfig = {}, clock: Clock = systemClock) {
    this.config = resolveProducerConfig(config, clientConfig.retry)
    this.clock = clock
    this.cluster = new Cluster({ ...clientConfig, retry: this.config.retry })
    this.routes = new LeaderRoutes(this.cluster, () => this.drainSoon())
    this.accumulator = new RecordAccumulator(this.config.batchBytes, (batch) => this.onBatchClosed(batch))
  }

  /** Connects and, for the idempotent producer, gets a producer id; send() does this when needed. */
  connect(): Promise<void> {
    this.ready ??= this.start().catch((err: unknown) => {
      this.ready = undefined
      throw err
    })
    return this.ready
  }

  /**
   * Sends messages to a topic; resolves with each partition's first offset once acknowledged.
   * Records are appended in the order of the send() calls, whatever each call waits for first
   * (connecting, the topic's partition count, room in the buffer): same key, same order.
   */
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.enqueue(record?.topic, () => checkShape(record), (count, wait) => this.appendNow(record, count, wait))
  }

  /**
   * The bulk path: sends `values` to a topic as records with one key (or none) and one timestamp,
   * with no message object per record and, for a given partition (or key), no partitioning per
   * record: the values are encoded straight into the partition's batch. Same guarantees as send()
   * (order with the other sends, idempotence, retries, acks); resolves with each partition's first
   * offset once acknowledged. Each value's bytes are read into the batch when appended (at once
   * unless the send must wait), so they must not change until then; the array itself may be reused
   * as soon as this returns.
   */
  sendValues(record: ProducerValues): Promise<RecordMetadata[]> {
    return this.enqueue(record?.topic, () => checkValuesShape(record), (count, wait) => this.appendValuesNow(record, count, wait), () => {
      // A send that must wait holds its own copy of the array (the caller may reuse theirs).
      const held = Array.isArray(record?.values) ? { ...record, values: record.values.slice() } : record
      return (count, wait) => this.appendValuesNow(held, count, wait)
    })
  }

  /**
   * Appends now when it can (connected, the topic's partition count fresh, room in the buffer and
   * no earlier send still waiting), with no promise but the send's own; else behind the sends
   * before it (`hold` makes the append to queue, holding what the caller may change meanwhile).
   * `appendNow(count, false)` returns undefined when the buffer has no room.
   */
  private enqueue(topic: unknown, checkShape: () => void, appendNow: AppendNow, hold?: () => AppendNow): Promise<RecordMetadata[]> {
    if (this.appendsWaiting === 0 && this.started && !this.closed) {
      const count = this.freshPartitionCount(topic)
      if (count !== undefined) {
        try {
          const tracker = appendNow(count, false) as SendTracker | undefined
          if (tracker !== undefined) return tracker.done
        } catch (err) {
          return Promise.reject(err)
        }
      }
    }
    this.appendsWaiting++
    const appendLater = hold?.() ?? appendNow
    const appended = this.appendQueue.then(() => this.append(topic as string, checkShape, appendLater))
    this.appendQueue = appended.then(() => undefined, () => undefined)
    void this.appendQueue.then(() => this.appendsWaiting--)
    return appended.then((tracker) => tracker.done)
  }

  private async append(topic: string, checkShape: () => void, appendNow: AppendNow): Promise<SendTracker> {
    if (this.closed) throw new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The producer is disconnected.', { retriable: false })
    await this.connect()
    checkShape()
    const count = await this.partitionCount(topic)
    return (await appendNow(count, true))!
  }

  /** sendValues()'s append: checks the call, then encodes its values into one batch after another. */
  private appendValuesNow(record: ProducerValues, count: number, wait: boolean): SendTracker | undefined | Promise<SendTracker> {
    checkValuesShape(record)
    const nowMs = this.clock.now()
    const plan = checkValues(record, count, nowMs)
    if (!wait) return this.hasRoom(plan.totalBytes) ? this.appendValuesChecked(record.topic, record.values, plan, count, nowMs) : undefined
    return this.reserve(plan.totalBytes).then(() => this.appendValuesChecked(record.topic, record.values, plan, count, nowMs))
  }

  private appendValuesChecked(topic: string, values: readonly Uint8Array[], plan: ValuesPlan, count: number, nowMs: number): SendTracker {
    const tracker = new SendTracker()
    const { key, timestamp } = plan
    const accumulator = this.accumulator
    for (let from = 0; from < values.length; from += accumulator.appended) {
      // Keyless without a partition: the sticky partition, asked again after each batch (it moves on when one closes).
      const partition = plan.partition ?? this.partitioner.partition(topic, key, count)
      const batch = accumulator.appendValues(topic, partition, values, from, key, timestamp, nowMs)
      this.bufferedBytes += accumulator.appendedBytes
      if (!this.unsettled.has(batch)) {
        this.unsettled.add(batch)
        batch.onSettled = (b) => this.onBatchSettled(b)
      }
      tracker.add(batch, batch.recordCount - accumulator.appended)
    }
    return this.sealed(tracker)
  }

  /** The end of every append: the send's tracker sealed, batches closed for a flush, linger and drain started. */
  private sealed(tracker: SendTracker): SendTracker {
    tracker.seal()
    if (this.flushesInProgress > 0) this.accumulator.closeAll()
    this.scheduleLinger()
    this.drainSoon()
    return tracker
  }

  /**
   * Checks every message, then appends them all (none if one is bad: the TypeError or partition
   * error is thrown first). Without `wait`, returns undefined, appending nothing, when the buffer
   * has no room for them; with it, waits for room.
   */
  private appendNow(record: ProducerRecord, count: number, wait: boolean): SendTracker | undefined | Promise<SendTracker> {
    const { topic, messages } = record
    if (typeof topic !== 'string' || topic === '' || !Array.isArray(messages)) throw new TypeError('send() needs {topic, messages: [...]}')
    const nowMs = this.clock.now()
    const n = messages.length
    // Every message is checked before any is appended: a bad one fails the send with nothing sent.
    const sizes = new Array<number>(n)
    let totalBytes = 0
    for (let i = 0; i < n; i++) {
      const message = messages[i]!
      const partition = message?.partition
      if (partition !== undefined && !(Number.isSafeInteger(partition) && partition >= 0 && partition < count)) {
        throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic} has no partition ${String(partition)} (it has ${count}).`, { retriable: false })
      }
      const sizeBytes = checkMessage(message, nowMs)
      sizes[i] = sizeBytes
      totalBytes += sizeBytes
    }
    if (!wait) return this.hasRoom(totalBytes) ? this.appendChecked(topic, messages, sizes, count, nowMs) : undefined
    // Waiting for room: what the messages hold now is what gets sent, whatever happens to them meanwhile.
    const held = messages.map((message): Message => {
      const { key, value, headers, timestamp } = recordOf(message)
      return { key: key ?? null, value, headers: headers as Message['headers'], timestamp, partition: message.partition }
    })
    return this.reserve(totalBytes).then(() => this.appendChecked(topic, held, sizes, count, nowMs))
  }

  /** Appends checked messages, encoding each into its partition's open batch. */
  private appendChecked(topic: string, messages: Message[], sizes: number[], count: number, nowMs: number): SendTracker {
    const tracker = new SendTracker()
    let last: ProducerBatch | undefined
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!
      const sizeBytes = sizes[i]!
      const partition = message.partition ?? this.partitioner.partition(topic, message.key ?? null, count)
      this.bufferedBytes += sizeBytes
      const batch = this.accumulator.appendRecord(topic, partition, recordOf(message), sizeBytes, nowMs)
      if (batch === last) continue
      // The first record of a run in this batch: note the batch (once) and the send in it.
      last = batch
      if (!this.unsettled.has(batch)) {
        this.unsettled.add(batch)
        batch.onSettled = (b) => this.onBatchSettled(b)
      }
      tracker.add(batch, batch.recordCount - 1)
    }
    return this.sealed(tracker)
  }

  /** The topic's partition count if known and younger than the client's metadataMaxAgeMs. */
  private freshPartitionCount(topic: unknown): number | undefined {
    if (typeof topic !== 'string') return undefined
    const known = this.knownCounts.get(topic)
    if (known === undefined || this.clock.now() - known.atMs >= this.cluster.config.metadataMaxAgeMs) return undefined
    return known.count
  }

  /** kafkajs's sendBatch: several topics at once. */
  async sendBatch(options: { topicMessages: ProducerRecord[] }): Promise<RecordMetadata[]> {
    const results = await Promise.all(options.topicMessages.map((record) => this.send(record)))
    return results.flat()
  }

  /**
   * Closes every open batch now and waits until everything sent so far is acknowledged or failed,
   * including sends still connecting, learning their topic's partitions or waiting for room. As in
   * Kafka, while a flush is in progress no batch lingers: each closes once its send has appended.
   */
  async flush(): Promise<void> {
    const appended = this.appendQueue
    this.flushesInProgress++
    try {
      this.accumulator.closeAll()
      this.drainSoon()
      if (this.appendsWaiting > 0) await appended
      if (this.unsettled.size === 0) return
      await new Promise<void>((resolve) => this.flushWaiters.push(resolve))
    } finally {
      this.flushesInProgress--
    }
  }

  /** Flushes, then closes the connection. Sends after this are refused. */
  async disconnect(): Promise<void> {
    this.closed = true
    await this.flush()
    this.clock.clearTimeout(this.lingerTimer)
    this.clock.clearTimeout(this.wakeTimer)
    await this.cluster.disconnect()
  }

  private async start(): Promise<void> {
    const connection = await withRetry(() => this.cluster.connect(), this.config.retry, { signal: this.cluster.signal, clock: this.clock })
    this.adopt(connection)
    if (this.config.idempotent) {
      const { producerId, producerEpoch } = await this.cluster.request('initProducerId', {})
      this.producerId = producerId
      this.producerEpoch = producerEpoch
    }
    this.started = true
  }

  private adopt(connection: Connection): void {
    this.connection = connection
    this.accumulator.batchBytes = Math.min(this.config.batchBytes, connection.limits.batchBytesMax)
    this.routes.watch(connection)
  }

  private async partitionCount(topic: string): Promise<number> {
    // An unknown topic is retriable (it may be being created), but a send should not wait long for
    // it: it gets unknownTopicRetries, while other retriable errors (a broker restart) get the budget.
    let unknownTopicRetries = 0
    const retriable = (err: unknown): boolean =>
      isRetriable(err) && ((err as FaecieError).code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || unknownTopicRetries++ < this.config.unknownTopicRetries)
    const count = await withRetry(() => this.cluster.partitionCount(topic), this.config.retry, { signal: this.cluster.signal, retriable, clock: this.clock })
    this.partitionCounts.set(topic, count)
    this.knownCounts.set(topic, { count, atMs: this.clock.now() })
    return count
  }

  private hasRoom(bytes: number): boolean {
    return this.bufferedBytes === 0 || this.bufferedBytes + bytes <= this.config.bufferBytesMax
  }

  private async reserve(bytes: number): Promise<void> {
    while (this.bufferedBytes > 0 && this.bufferedBytes + bytes > this.config.bufferBytesMax) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
    }
  }

  private entryFor(topic: string, partition: number): PartitionEntry {
    const key = `${topic}\u0000${partition}`
    let entry = this.partitions.get(key)
    if (entry === undefined) {
      const sender = new PartitionSender({
        idempotent: this.config.idempotent,
        maxInFlight: this.config.maxInFlightPerPartition,
        attemptsMax: this.config.retry.retries + 1,
        backoffMs: (attempts) => backoffMs(attempts - 1, this.config.retry),
      })
      sender.producerId = this.producerId
      sender.producerEpoch = this.producerEpoch
      entry = { topic, partition, sender, renewingId: false, renewFailures: 0, renewNotBeforeMs: 0 }
      this.partitions.set(key, entry)
    }
    return entry
  }

  private onBatchClosed(batch: ProducerBatch): void {
    this.entryFor(batch.topic, batch.partition).sender.queue.push(batch)
    // Keyless records move to another partition once the sticky partition's batch is complete.
    const count = this.partitionCounts.get(batch.topic)
    if (count !== undefined && this.partitioner.partition(batch.topic, null, count) === batch.partition) {
      this.partitioner.nextBatch(batch.topic, count)
    }
    this.drainSoon()
  }

  private onBatchSettled(batch: ProducerBatch): void {
    this.unsettled.delete(batch)
    this.bufferedBytes -= batch.sizeBytes
    const buffer = batch.release()
    if (buffer !== undefined) this.accumulator.recycle(buffer)
    for (const wake of this.roomWaiters.splice(0)) wake()
    if (this.unsettled.size === 0) for (const done of this.flushWaiters.splice(0)) done()
  }

  private scheduleLinger(): void {
    if (this.lingerTimer !== undefined || this.accumulator.openCount === 0) return
    if (this.config.lingerMs === 0) {
      // No linger: the batch goes once the send() that opened it returns (a timer of 0 ms would
      // wait for the event loop's timer phase, a millisecond or more).
      if (this.lingerNow) return
      this.lingerNow = true
      queueMicrotask(() => {
        this.lingerNow = false
        this.accumulator.closeExpired(this.clock.now(), 0)
      })
      return
    }
    this.lingerTimer = this.clock.setTimeout(() => {
      this.lingerTimer = undefined
      this.accumulator.closeExpired(this.clock.now(), this.config.lingerMs)
      this.scheduleLinger()
    }, this.config.lingerMs)
  }

  private drainSoon(): void {
    if (this.drainScheduled) return
    this.drainScheduled = true
    queueMicrotask(() => {
      this.drainScheduled = false
      this.drain()
    })
  }

  private drain(): void {
    if (this.connection === undefined) {
      if (this.hasWork()) this.reconnect()
      return
    }
    const nowMs = this.clock.now()
    for (const entry of this.partitions.values()) {
      this.expire(entry, nowMs)
      if (entry.sender.needsProducerId && !entry.sender.recovering && entry.renewNotBeforeMs <= nowMs) this.renewProducerId(entry)
    }
    // Each partition goes to its leader's connection (cluster.ts, routes.ts): requests per connection.
    const ready = [...this.partitions.values()].filter((entry) => entry.sender.canSend(nowMs))
    for (const [connection, entries] of this.routes.group(ready)) {
      while (connection.canSendNow && this.sendOne(connection, entries, nowMs)) {
        // Each round sends one request; the loop ends when no partition can send or the session is full.
      }
    }
    this.scheduleWake(nowMs)
  }

  /** Builds and sends one produce request; false when there was nothing to send. */
  private sendOne(connection: Connection, entries: PartitionEntry[], nowMs: number): boolean {
    const built = buildProduceRequest(entries, connection.limits, nowMs, this.config, (tail) => this.unsettled.add(tail))
    if (built === undefined) return false
    const { request, sent } = built
    // The frame is encoded (and the encoders' buffers copied) before request() returns.
    const answer = connection.request('produce', request, {
      noResponse: this.config.acks === 0,
      timeoutMs: this.config.timeoutMs + this.cluster.config.requestTimeoutMs,
    })
    const settled = answer.then(
      (response) => applyProduceAnswer(sent, this.config.acks === 0 ? undefined : response, this.clock.now(), (topic, err) => this.onPartitionError(topic, err)),
      (err: unknown) => applyProduceFailure(sent, err, this.clock.now()),
    )
    void settled.finally(() => this.drainSoon())
    return true
  }

  /** A partition's error: an unknown topic is asked again, a moved leader re-routed (cluster.ts). */
  private onPartitionError(topic: string, err: FaecieError): void {
    if (err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) this.forget(topic)
    else this.cluster.noteError(topic, err)
  }

  private forget(topic: string): void {
    this.cluster.invalidate(topic)
    this.knownCounts.delete(topic)
  }

  /** Fails queued batches older than deliveryTimeoutMs (never those in flight: their answer decides). */
  private expire(entry: PartitionEntry, nowMs: number): void {
    for (const batch of [...entry.sender.queue]) {
      if (nowMs - batch.createdAtMs <= this.config.deliveryTimeoutMs) continue
      const why = batch.lastError === undefined ? '' : ` (last error: ${batch.lastError.message})`
      const unknown = batch.mayBeWritten ? '; it may have been written, its outcome is unknown' : ''
      entry.sender.failQueued(batch, new FaecieError(ErrorCode.REQUEST_TIMED_OUT, `A batch for ${batch.topic}-${batch.partition} was not acknowledged within ${this.config.deliveryTimeoutMs} ms${why}${unknown}.`))
    }
  }

  private renewProducerId(entry: PartitionEntry): void {
    if (entry.renewingId) return
    entry.renewingId = true
    this.cluster.request('initProducerId', {}).then(
      ({ producerId, producerEpoch }) => {
        entry.renewFailures = 0
        entry.sender.restart(producerId, producerEpoch)
      },
      () => {
        // Tried again after a backoff: a request that fails at once (no broker reachable, the client
        // closing) must not make the drain loop spin on the microtask queue.
        entry.renewNotBeforeMs = this.clock.now() + backoffMs(entry.renewFailures++, this.config.retry)
      },
    ).finally(() => {
      entry.renewingId = false
      this.drainSoon()
    })
  }

  private hasWork(): boolean {
    for (const entry of this.partitions.values()) if (entry.sender.pendingCount > 0) return true
    return false
  }

  private reconnect(): void {
    if (this.reconnecting || this.cluster.isClosed) return
    this.reconnecting = true
    this.cluster.connect().then(
      (connection) => this.adopt(connection),
      () => undefined, // the cluster backs off before its next attempt; batches expire after deliveryTimeoutMs
    ).finally(() => {
      this.reconnecting = false
      this.drainSoon()
    })
  }

  /** Wakes the drain loop when the first batch waiting out a backoff may go, or to expire old batches. */
  private scheduleWake(nowMs: number): void {
    let wakeAtMs: number | undefined
    for (const { sender } of this.partitions.values()) {
      const head = sender.queue[0]
      if (head !== undefined && head.retryAtMs > nowMs) wakeAtMs = Math.min(wakeAtMs ?? Infinity, head.retryAtMs)
      if (head !== undefined) wakeAtMs = Math.min(wakeAtMs ?? Infinity, head.createdAtMs + this.config.deliveryTimeoutMs + 1)
    }
    for (const entry of this.partitions.values()) {
      if (entry.sender.needsProducerId && entry.renewNotBeforeMs > nowMs) wakeAtMs = Math.min(wakeAtMs ?? Infinity, entry.renewNotBeforeMs)
    }
    this.clock.clearTimeout(this.wakeTimer)
    this.wakeTimer = wakeAtMs === undefined ? undefined : this.clock.setTimeout(() => this.drainSoon(), Math.max(0, wakeAtMs - nowMs))
  }
}

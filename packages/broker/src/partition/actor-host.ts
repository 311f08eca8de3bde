// Hosts the partition actors of one worker thread. Messages that arrive are put in their actor's
// mailbox; one tick per turn of the event loop (setImmediate) hands every actor its whole mailbox, so
// the appends of many requests become one write and one fsync. After the tick the host reports the
// offsets that moved, once per partition, which feeds long polls and live pushes on the main thread.
// The host is thread-agnostic: the worker entry gives it the real disk and the MessagePort; tests give
// it a simulated disk and a plain function. A partition whose open the disk refuses (full, read-only,
// I/O errors) is retried with backoff at each housekeeping until it opens; meanwhile its requests get
// KAFKA_STORAGE_ERROR naming the cause (storage-fault.ts). A leader's ISR proposals go out as
// `isrChange` messages (replica-state.ts).
import { strict as assert } from 'node:assert'
import type { Logger } from '../log.js'
import type { PartitionLog } from '../storage/log.js'
import type { AdvancedUpdate, FromWorker, PartitionConfig, PartitionKey, PartitionReply, ReplyItem, ToWorker, WireError } from './messages.js'
import { PartitionActor, type Envelope, type SnapshotStore } from './partition-actor.js'
import { DEFAULT_STORAGE_RETRY_MAX_MS, DEFAULT_STORAGE_RETRY_MIN_MS, StorageFault, storageFaultCause } from './storage-fault.js'

export interface OpenedStorage {
  log: PartitionLog
  snapshots: SnapshotStore
  /** fdatasync off the thread: given, flush `always` is pipelined (see pipelined-commit.ts). */
  syncFiles?: (paths: readonly string[]) => Promise<void>
}

export interface ActorHostOptions {
  /** Opens (creating or recovering) a partition's log in `dir`. */
  openStorage(dir: string, config: PartitionConfig, logger: Logger): OpenedStorage
  post(message: FromWorker, transfer?: ArrayBuffer[]): void
  clock: () => number
  logger: Logger
  /** How often time-driven work runs: the `interval` flush policy's checks. */
  housekeepingMs?: number
  /** A partition without requests for this long releases the memory its log can reload. */
  idleReleaseMs?: number
  /** How often retention is applied to every partition (Kafka's log.retention.check.interval.ms). */
  retentionCheckMs?: number
  /** How often each partition forgets expired producer ids (Kafka's producer.id.expiration.check.interval.ms). */
  producerIdExpirationCheckMs?: number
}

/** A partition whose open the disk refused, waiting for its next attempt. */
interface PendingOpen {
  dir: string
  config: PartitionConfig
  fault: StorageFault
}

interface Hosted {
  actor: PartitionActor
  /** The storage error and refusal count last reported to the manager. */
  lastStorage: [string | undefined, number]
  mailbox: Envelope[]
  lastReported: [number, number, number]
  lastActiveMs: number
  released: boolean
}

export class ActorHost {
  readonly #options: ActorHostOptions
  readonly #hosted = new Map<PartitionKey, Hosted>()
  readonly #pendingOpens = new Map<PartitionKey, PendingOpen>()
  readonly #timers: NodeJS.Timeout[] = []
  readonly #idleReleaseMs: number
  #tickScheduled = false
  /** Answers gathered during a tick, posted together at its end. */
  #outbox: ReplyItem[] = []
  #outboxTransfers: ArrayBuffer[] = []
  /** Partitions the gateway has a live tail on, and the most bytes an offsets report may carry. */
  readonly #liveTails = new Map<PartitionKey, number>()

  constructor(options: ActorHostOptions) {
    this.#options = options
    this.#idleReleaseMs = options.idleReleaseMs ?? 60_000
    const housekeepingMs = options.housekeepingMs ?? 50
    const retentionCheckMs = options.retentionCheckMs ?? 5 * 60 * 1000
    this.#timers.push(setInterval(() => this.#housekeeping(), housekeepingMs).unref())
    this.#timers.push(setInterval(() => this.#retention(), retentionCheckMs).unref())
  }

  get partitionCount(): number {
    return this.#hosted.size
  }

  handle(message: ToWorker): void {
    switch (message.type) {
      case 'open':
        this.#open(message.key, message.dir, message.config)
        return
      case 'request': {
        const hosted = this.#hosted.get(message.key)
        const requestId = message.requestId
        if (hosted === undefined) {
          const pending = this.#pendingOpens.get(message.key)
          const error = pending === undefined ? notHosted(message.key) : { code: 56, message: pending.fault.error().message }
          this.#options.post({ type: 'reply', requestId, reply: { ok: false, error } })
          return
        }
        const reply = (r: PartitionReply, returned?: ArrayBuffer): void => {
          this.#outbox.push({ requestId, reply: r, returned })
          if (returned !== undefined) {
            assert(!this.#outboxTransfers.includes(returned), `request ${requestId} gives back a buffer already given back`)
            this.#outboxTransfers.push(returned)
          }
        }
        hosted.mailbox.push({ request: message.request, reply })
        this.#scheduleTick()
        return
      }
      case 'close':
      case 'delete':
        this.#closeOrDelete(message.type, message.key, message.requestId)
        return
      case 'liveTail':
        if (message.bytesMax > 0) this.#liveTails.set(message.key, message.bytesMax)
        else this.#liveTails.delete(message.key)
        return
      case 'shutdown':
        this.shutdown()
        this.#options.post({ type: 'shutdownDone' })
        return
      case 'crash':
        // Used by tests: an invariant broken on purpose, between whatever is already in mailboxes
        // and whatever arrives after it.
        throw new Error(`actor host crashed on request: ${message.reason}`)
    }
  }

  /** Closes every actor cleanly (flush, snapshot, clean-shutdown marker) and stops the timers. */
  shutdown(): void {
    this.#tick()
    for (const [key, hosted] of this.#hosted) {
      hosted.actor.close()
      this.#hosted.delete(key)
    }
    this.#pendingOpens.clear()
    // Closing flushed synchronously: acknowledgements a pipelined sync still held go out now.
    this.#postOutbox()
    for (const t of this.#timers) clearInterval(t)
  }

  #open(key: PartitionKey, dir: string, config: PartitionConfig, retrying?: PendingOpen): void {
    if (this.#hosted.has(key)) {
      this.#options.post({ type: 'opened', key, offsets: this.#hosted.get(key)!.actor.offsets, cleanStart: true })
      return
    }
    try {
      const logger = this.#options.logger.child({ partition: key })
      const storage = this.#options.openStorage(dir, config, logger)
      const actor = new PartitionActor({
        ...storage, config, clock: this.#options.clock, logger, onSettled: () => this.#afterSync(key),
        producerIdExpirationCheckMs: this.#options.producerIdExpirationCheckMs,
        reopenLog: (current) => this.#options.openStorage(dir, current, logger).log,
        onIsrChange: (proposal) => this.#options.post({ type: 'isrChange', key, ...proposal }),
      })
      const o = actor.offsets
      this.#hosted.set(key, {
        actor, mailbox: [], lastStorage: [undefined, 0], lastReported: [o.logStartOffset, o.highWatermark, o.logEndOffset],
        lastActiveMs: this.#options.clock(), released: false,
      })
      this.#options.post({ type: 'opened', key, offsets: o, cleanStart: storage.log.recoveryReport.clean })
      if (this.#pendingOpens.delete(key)) {
        this.#options.logger.info({ partition: key, cause: retrying?.fault.cause }, 'partition opened once the disk accepted writes')
        this.#options.post({ type: 'storage', key, error: null, errors: 0 })
      }
    } catch (err) {
      const cause = storageFaultCause(err)
      const now = this.#options.clock()
      if (retrying !== undefined) {
        retrying.fault.retryFailed(now)
        this.#options.logger.warn({ err, partition: key, retryInMs: retrying.fault.backoffMs }, 'partition still fails to open')
        return
      }
      this.#options.logger.error({ err, partition: key }, 'partition failed to open')
      if (cause !== undefined) {
        // The disk, not the files, refused: try again by itself, and say why meanwhile.
        const fault = new StorageFault(cause, now, { retryMinMs: DEFAULT_STORAGE_RETRY_MIN_MS, retryMaxMs: DEFAULT_STORAGE_RETRY_MAX_MS })
        this.#pendingOpens.set(key, { dir, config, fault })
        this.#options.post({ type: 'storage', key, error: { cause, sinceMs: fault.sinceMs }, errors: 1 })
      }
      this.#options.post({ type: 'openFailed', key, error: { code: 56, message: `cannot open ${key}: ${cause ?? String(err)}` } })
    }
  }

  #closeOrDelete(kind: 'close' | 'delete', key: PartitionKey, requestId: number): void {
    this.#pendingOpens.delete(key)
    const hosted = this.#hosted.get(key)
    if (hosted === undefined) {
      this.#options.post({ type: 'reply', requestId, reply: { ok: true, value: null } })
      return
    }
    this.#tickOne(key, hosted)
    this.#hosted.delete(key)
    // The manager sends liveTail again when it opens the partition anew (on this thread or another):
    // a topic made again under this name must not inherit the deleted one's.
    this.#liveTails.delete(key)
    if (kind === 'close') hosted.actor.close()
    else hosted.actor.delete()
    this.#postOutbox()
    this.#options.post({ type: 'reply', requestId, reply: { ok: true, value: null } })
  }

  #scheduleTick(): void {
    if (this.#tickScheduled) return
    this.#tickScheduled = true
    setImmediate(() => this.#tick())
  }

  #tick(): void {
    this.#tickScheduled = false
    const updates: AdvancedUpdate[] = []
    for (const [key, hosted] of this.#hosted) {
      if (hosted.mailbox.length === 0) continue
      this.#tickOne(key, hosted)
      this.#collectMoved(key, hosted, updates)
    }
    // Offsets first: whoever sees an acknowledgement must already see the high watermark it implies.
    this.#postAdvanced(updates)
    this.#postOutbox()
  }

  /** A partition's pipelined sync ended between ticks: report its offsets, then its answers. */
  #afterSync(key: PartitionKey): void {
    const hosted = this.#hosted.get(key)
    if (hosted === undefined) return
    const updates: AdvancedUpdate[] = []
    this.#collectMoved(key, hosted, updates)
    this.#postAdvanced(updates)
    this.#postOutbox()
  }

  /** Reports offsets that moved, the readable bytes of live tails transferred with them. */
  #postAdvanced(updates: AdvancedUpdate[]): void {
    if (updates.length === 0) return
    const transfers: ArrayBuffer[] = []
    for (const update of updates) if (update.length === 6) transfers.push(update[5].buffer as ArrayBuffer)
    this.#options.post({ type: 'advanced', updates }, transfers)
  }

  /**
   * Adds the partition's offsets to `updates` if they moved since they were last reported; with a
   * live tail, the bytes that became readable (the gateway pushes them without reading them back).
   */
  #collectMoved(key: PartitionKey, hosted: Hosted, updates: AdvancedUpdate[]): void {
    const o = hosted.actor.offsets
    const last = hosted.lastReported
    if (o.logStartOffset === last[0] && o.highWatermark === last[1] && o.logEndOffset === last[2]) return
    hosted.lastReported = [o.logStartOffset, o.highWatermark, o.logEndOffset]
    const bytesMax = this.#liveTails.get(key)
    const bytes = bytesMax !== undefined && o.highWatermark > last[1] ? hosted.actor.readableBytes(last[1], o.highWatermark, bytesMax) : undefined
    updates.push(bytes === undefined ? [key, o.logStartOffset, o.highWatermark, o.logEndOffset]
      : [key, o.logStartOffset, o.highWatermark, o.logEndOffset, last[1], bytes])
  }

  #postOutbox(): void {
    if (this.#outbox.length === 0) return
    this.#options.post({ type: 'replies', replies: this.#outbox }, this.#outboxTransfers)
    this.#outbox = []
    this.#outboxTransfers = []
  }

  #tickOne(key: PartitionKey, hosted: Hosted): void {
    const envelopes = hosted.mailbox
    if (envelopes.length === 0) return
    hosted.mailbox = []
    hosted.lastActiveMs = this.#options.clock()
    hosted.released = false
    hosted.actor.tick(envelopes)
    assert(this.#hosted.get(key) === hosted, `partition ${key} changed during its tick`)
    this.#reportStorage(key, hosted)
  }

  /** Tells the manager when a partition's disk starts or stops refusing writes. */
  #reportStorage(key: PartitionKey, hosted: Hosted): void {
    const error = hosted.actor.storageError
    const count = hosted.actor.storageErrorCount
    const [lastCause, lastCount] = hosted.lastStorage
    if (error?.cause === lastCause && count === lastCount) return
    hosted.lastStorage = [error?.cause, count]
    this.#options.post({ type: 'storage', key, error: error ?? null, errors: count - lastCount })
  }

  #housekeeping(): void {
    const now = this.#options.clock()
    for (const [key, pending] of this.#pendingOpens) {
      if (now >= pending.fault.retryAtMs) this.#open(key, pending.dir, pending.config, pending)
    }
    const updates: AdvancedUpdate[] = []
    for (const [key, hosted] of this.#hosted) {
      hosted.actor.onTimer(now)
      this.#reportStorage(key, hosted)
      this.#collectMoved(key, hosted, updates)
      if (!hosted.released && now - hosted.lastActiveMs > this.#idleReleaseMs) {
        hosted.actor.releaseMemory()
        hosted.released = true
      }
    }
    this.#postAdvanced(updates)
    // Held acks=all answers the timer timed out.
    this.#postOutbox()
  }

  #retention(): void {
    for (const hosted of this.#hosted.values()) {
      hosted.mailbox.push({ request: { op: 'retention' }, reply: () => {} })
    }
    if (this.#hosted.size > 0) this.#scheduleTick()
  }
}

function notHosted(key: PartitionKey): WireError {
  return { code: 3, message: `partition ${key} is not open on this broker` }
}

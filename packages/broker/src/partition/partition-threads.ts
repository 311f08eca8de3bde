// The worker threads of a PartitionManager (partition-manager.ts) and their supervision (main
// thread). It starts the threads that host the partition actors, places each partition on one (its
// own thread up to `partitionThreadsMax`, then the least loaded), posts requests to it, bounds what is
// in flight per partition (`mailboxDepthMax`), and settles the answers. When a thread dies (a broken
// invariant in an actor kills it), every request in flight to it fails with the retriable
// KAFKA_STORAGE_ERROR, a new thread is started in its slot and its partitions are reopened through
// recovery; `onReopened` hears which. Worker messages other than answers go to `onMessage`.
import { strict as assert } from 'node:assert'
import { Worker } from 'node:worker_threads'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { builtModulePath } from '../util/built-module.js'
import { BufferPool } from './buffer-pool.js'
import type {
  FromWorker, PartitionConfig, PartitionKey, PartitionOffsets, PartitionRequest, PartitionResultByOp, ReplyItem, ToWorker,
} from './messages.js'

/** A worker message the threads do not settle themselves: the manager's to hear. */
export type ThreadNotice = Exclude<FromWorker, { type: 'reply' | 'replies' | 'openFailed' | 'shutdownDone' }>

export interface PartitionThreadsOptions {
  partitionThreadsMax: number
  mailboxDepthMax: number
  workerResourceLimits?: { maxOldGenerationSizeMb?: number }
  /** `--fault-injection FILE`, passed to each thread in its workerData (worker-entry.ts). */
  faultInjection?: string
  logger: Logger
  /** True once the manager shuts down: new requests are refused and dead threads stay dead. */
  isShutDown(): boolean
  /** Worker messages besides answers (an `opened` after its waiters are answered). */
  onMessage(message: ThreadNotice, partitionsOfThread: ReadonlyMap<PartitionKey, Placed>): void
  /** A restarted thread reopened these partitions, without the replication roles they had. */
  onReopened(keys: PartitionKey[]): void
}

/** Where a partition lives and how it is configured (for a reopen after a thread restart). */
export interface Placed {
  dir: string
  config: PartitionConfig
}

interface Pending {
  key: PartitionKey
  resolve(value: unknown): void
  reject(err: Error): void
}

interface Slot {
  index: number
  worker: Worker
  partitions: Map<PartitionKey, Placed>
  inFlight: Map<number, Pending>
  opening: Map<PartitionKey, { resolve(o: PartitionOffsets): void; reject(err: Error): void }[]>
  stopping: boolean
}

export class PartitionThreads {
  readonly #options: PartitionThreadsOptions
  readonly #slots: Slot[] = []
  readonly #placement = new Map<PartitionKey, Slot>()
  readonly #depth = new Map<PartitionKey, number>()
  /** Owned buffers that produced bytes travel to a thread in, and come back in (buffer-pool.ts). */
  readonly pool = new BufferPool()
  #nextRequestId = 1
  /** Partitions with a live tail in the gateway, and the bytes their offsets reports may carry. */
  readonly #liveTails = new Map<PartitionKey, number>()

  constructor(options: PartitionThreadsOptions) {
    this.#options = options
  }

  get threadCount(): number {
    return this.#slots.length
  }

  get partitionCount(): number {
    return this.#placement.size
  }

  /** The index of the thread hosting a partition. */
  threadOf(key: PartitionKey): number | undefined {
    return this.#placement.get(key)?.index
  }

  /** Requests sent to each thread (by thread index) and not yet answered: its mailbox depth. */
  mailboxDepths(): number[] {
    return this.#slots.map((slot) => slot.inFlight.size)
  }

  has(key: PartitionKey): boolean {
    return this.#placement.has(key)
  }

  /** Where a partition lives and its settings, if it is open. */
  placed(key: PartitionKey): Placed | undefined {
    return this.#placement.get(key)?.partitions.get(key)
  }

  /** Every open partition, with where it lives and its settings. */
  *placedPartitions(): Iterable<[PartitionKey, Placed]> {
    for (const [key, slot] of this.#placement) {
      const placed = slot.partitions.get(key)
      if (placed !== undefined) yield [key, placed]
    }
  }

  /** Places a partition on a thread (unless it is placed) and opens it there in `dir`. */
  open(key: PartitionKey, dir: string, config: PartitionConfig): Promise<PartitionOffsets> {
    const slot = this.#placement.get(key) ?? this.#place(key)
    slot.partitions.set(key, { dir, config })
    return this.#sendOpen(slot, key, dir, config)
  }

  request<R extends PartitionRequest>(key: PartitionKey, request: R, transfer?: ArrayBuffer): Promise<PartitionResultByOp[R['op']]> {
    const slot = this.#placement.get(key)
    if (slot === undefined) {
      return Promise.reject(new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${key} is not open`))
    }
    const depth = this.#depth.get(key) ?? 0
    if (depth >= this.#options.mailboxDepthMax) {
      return Promise.reject(new FaecieError(ErrorCode.MAILBOX_FULL,
        `partition ${key} has ${depth} requests in flight (mailboxDepthMax ${this.#options.mailboxDepthMax})`))
    }
    this.#depth.set(key, depth + 1)
    const requestId = this.#nextRequestId++
    return new Promise<PartitionResultByOp[R['op']]>((resolve, reject) => {
      slot.inFlight.set(requestId, { key, resolve: resolve as (v: unknown) => void, reject })
      this.#post(slot, { type: 'request', key, requestId, request }, transfer === undefined ? [] : [transfer])
    })
  }

  /** Turns a partition's live tail on (bytesMax > 0) or off (0), also across thread restarts. */
  setLiveTail(key: PartitionKey, bytesMax: number): void {
    if (bytesMax > 0) this.#liveTails.set(key, bytesMax)
    else this.#liveTails.delete(key)
    const slot = this.#placement.get(key)
    if (slot !== undefined) this.#post(slot, { type: 'liveTail', key, bytesMax })
  }

  /** Closes (or deletes) a partition on its thread and forgets it; nothing when it is not open. */
  async closeOrDelete(kind: 'close' | 'delete', key: PartitionKey): Promise<void> {
    const slot = this.#placement.get(key)
    if (slot === undefined) return
    const requestId = this.#nextRequestId++
    await new Promise((resolve, reject) => {
      slot.inFlight.set(requestId, { key, resolve, reject })
      this.#depth.set(key, (this.#depth.get(key) ?? 0) + 1)
      this.#post(slot, { type: kind, key, requestId })
    })
    slot.partitions.delete(key)
    this.#placement.delete(key)
    // Answers the actor still owes (requests sent after the close, answered after it): failed here,
    // so that a late one settles nothing and the in-flight count of a partition opened again under
    // the same name starts from zero.
    for (const [id, pending] of slot.inFlight) {
      if (pending.key !== key) continue
      slot.inFlight.delete(id)
      pending.reject(new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `partition ${key} was closed on this broker`))
    }
    this.#depth.delete(key)
  }

  /** Makes the thread hosting the partition fail as a broken invariant would. */
  crash(key: PartitionKey, reason: string): void {
    const slot = this.#placement.get(key)
    assert(slot !== undefined, 'no such partition')
    this.#post(slot, { type: 'crash', reason })
  }

  /** Ends the thread hosting the partition at once, wherever it is (as a kill would). */
  async terminate(key: PartitionKey): Promise<void> {
    const slot = this.#placement.get(key)
    assert(slot !== undefined, 'no such partition')
    await slot.worker.terminate()
  }

  /** Closes every partition cleanly on its thread and waits for every thread to end. */
  async shutdown(): Promise<void> {
    await Promise.all(this.#slots.map(async (slot) => {
      slot.stopping = true
      const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()))
      slot.worker.postMessage({ type: 'shutdown' })
      await exited
    }))
  }

  #place(key: PartitionKey): Slot {
    let slot: Slot | undefined
    if (this.#slots.length < this.#options.partitionThreadsMax) {
      slot = this.#startSlot(this.#slots.length)
      this.#slots.push(slot)
    } else {
      slot = this.#slots.reduce((a, b) => (b.partitions.size < a.partitions.size ? b : a))
    }
    this.#placement.set(key, slot)
    return slot
  }

  #startSlot(index: number): Slot {
    const slot: Slot = {
      index, worker: this.#spawn(index), partitions: new Map(), inFlight: new Map(), opening: new Map(), stopping: false,
    }
    this.#wire(slot)
    return slot
  }

  #spawn(index: number): Worker {
    const worker = new Worker(builtModulePath('./worker-entry.js', import.meta.url), {
      workerData: { threadIndex: index, ...(this.#options.faultInjection === undefined ? {} : { faultInjection: this.#options.faultInjection }) },
      resourceLimits: this.#options.workerResourceLimits,
    })
    return worker
  }

  #wire(slot: Slot): void {
    const worker = slot.worker
    const logger = this.#options.logger
    worker.on('message', (message: FromWorker) => this.#receive(slot, message))
    worker.on('error', (err) => logger.error(
      { thread: slot.index, error: String(err), stack: err instanceof Error ? err.stack : undefined },
      'partition thread failed'))
    worker.on('exit', (code) => {
      if (slot.stopping) return
      logger.error({ thread: slot.index, code }, 'partition thread exited: restarting it')
      this.#restart(slot)
    })
  }

  /** Fails what was in flight, starts a new thread in the same slot and reopens its partitions. */
  #restart(slot: Slot): void {
    const failure = (what: string): FaecieError =>
      new FaecieError(ErrorCode.KAFKA_STORAGE_ERROR, `partition thread ${slot.index} died during ${what}; retry`)
    for (const [, pending] of slot.inFlight) {
      this.#release(pending.key)
      pending.reject(failure('the request'))
    }
    slot.inFlight.clear()
    for (const [, waiters] of slot.opening) for (const w of waiters) w.reject(failure('open'))
    slot.opening.clear()
    if (this.#options.isShutDown()) return
    slot.worker = this.#spawn(slot.index)
    this.#wire(slot)
    for (const [key, { dir, config }] of slot.partitions) {
      this.#sendOpen(slot, key, dir, config).catch((err: unknown) =>
        this.#options.logger.error({ err, partition: key }, 'partition failed to reopen after a thread restart'))
    }
    // The reopened actors have no replication role: told now, so that whoever gave them one (the
    // cluster's reconciler) stops routing to them at once and gives it again, after the open.
    this.#options.onReopened([...slot.partitions.keys()])
  }

  #sendOpen(slot: Slot, key: PartitionKey, dir: string, config: PartitionConfig): Promise<PartitionOffsets> {
    return new Promise((resolve, reject) => {
      const waiters = slot.opening.get(key) ?? []
      waiters.push({ resolve, reject })
      slot.opening.set(key, waiters)
      this.#post(slot, { type: 'open', key, dir, config })
      const bytesMax = this.#liveTails.get(key)
      if (bytesMax !== undefined) this.#post(slot, { type: 'liveTail', key, bytesMax })
    })
  }

  #receive(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'reply':
        this.#settle(slot, message)
        return
      case 'replies':
        for (const item of message.replies) this.#settle(slot, item)
        return
      case 'opened':
      case 'openFailed': {
        const waiters = slot.opening.get(message.key) ?? []
        slot.opening.delete(message.key)
        for (const w of waiters) {
          if (message.type === 'opened') w.resolve(message.offsets)
          else w.reject(new FaecieError(message.error.code, message.error.message))
        }
        if (message.type === 'opened') this.#options.onMessage(message, slot.partitions)
        return
      }
      case 'shutdownDone':
        return
      default:
        this.#options.onMessage(message, slot.partitions)
    }
  }

  #settle(slot: Slot, item: ReplyItem): void {
    if (item.returned !== undefined) this.pool.release(item.returned)
    const pending = slot.inFlight.get(item.requestId)
    if (pending === undefined) return
    slot.inFlight.delete(item.requestId)
    this.#release(pending.key)
    const reply = item.reply
    if (reply.ok) pending.resolve(reply.value)
    else pending.reject(new FaecieError(reply.error.code, reply.error.message))
  }

  #release(key: PartitionKey): void {
    const depth = this.#depth.get(key) ?? 0
    assert(depth > 0, `in-flight count for ${key} went below zero`)
    this.#depth.set(key, depth - 1)
  }

  #post(slot: Slot, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(message, transfer)
  }
}

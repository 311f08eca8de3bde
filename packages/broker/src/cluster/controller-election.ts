// Controller election through etcd, as Kafka's ZooKeeper mode elects through /controller: every
// broker tries to create the election key (keys.ts) under its session lease, and the one that does
// is the controller until the key goes: it resigns, or its lease is revoked or expires. The key's
// create revision is the controller's fence and epoch: it rises with every election, and every
// controller write compares it (metadata-store.ts), so a deposed controller can write nothing.
//
// Each broker watches the key (the watch is set up before the first attempt, so no deletion falls
// between a failed attempt and the watch); when it is deleted, every broker tries again. A failed
// attempt (etcd unreachable) is retried after a backoff on the injected clock.
//
// Events: 'elected' (fence) when this broker becomes controller; 'deposed' (fence) when it no longer
// is; 'controller' (fence | undefined) whenever the controller this broker knows of changes.
import { EventEmitter } from 'node:events'
import type { Watcher } from 'etcd3'
import type { Logger } from '../log.js'
import type { MonotonicClock } from './broker-session.js'
import { revision, type ControllerFence, type EtcdMetadataStore } from './metadata-store.js'

/** Pause before a failed attempt at the election is made again. */
export const ELECTION_RETRY_BACKOFF_MS = 500

export interface ControllerElectionOptions {
  store: EtcdMetadataStore
  brokerId: number
  /** The lease of this broker's session: the election key is bound to it. */
  leaseId: string
  clock: MonotonicClock
  logger: Logger
  retryBackoffMs?: number
}

export class ControllerElection extends EventEmitter {
  #fence: ControllerFence | undefined
  #controller: ControllerFence | undefined
  #watcher: Watcher | undefined
  #retryTimer: unknown
  #closed = false
  #attempting = false
  #again = false
  readonly #options: ControllerElectionOptions

  constructor(options: ControllerElectionOptions) {
    super()
    this.#options = options
  }

  /** This broker's fence while it is the controller. */
  get fence(): ControllerFence | undefined { return this.#fence }
  /** The controller as this broker last saw it. */
  get controller(): ControllerFence | undefined { return this.#controller }
  get isController(): boolean { return this.#fence !== undefined }

  /** Starts watching the election key and makes the first attempt (resolves when it is answered). */
  async start(): Promise<void> {
    const { store } = this.#options
    this.#watcher = await store.client.watch().key(store.keys.controller()).create()
    this.#watcher.on('delete', () => this.#onVacant())
    this.#watcher.on('put', (kv) => {
      const brokerId = (JSON.parse(kv.value.toString()) as { brokerId: number }).brokerId
      this.#see({ brokerId, createRevision: revision(kv.create_revision) })
    })
    this.#watcher.on('error', (err) => this.#options.logger.warn({ err }, 'controller election watch failed'))
    await this.#attempt()
  }

  /** Steps down if this broker is the controller, and stops taking part. */
  async close(): Promise<void> {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#retryTimer)
    const fence = this.#fence
    if (fence !== undefined) {
      this.#depose()
      await this.#options.store.resignController(fence).catch((err: unknown) => this.#options.logger.warn({ err }, 'could not resign as controller'))
    }
    await this.#watcher?.cancel()
  }

  #onVacant(): void {
    this.#depose()
    this.#see(undefined)
    void this.#attempt()
  }

  /** One attempt at the election; attempts never overlap, and one asked for meanwhile runs after. */
  async #attempt(): Promise<void> {
    if (this.#closed) return
    if (this.#attempting) {
      this.#again = true
      return
    }
    this.#attempting = true
    try {
      const { brokerId, leaseId, store } = this.#options
      const { elected, controller } = await store.claimController(brokerId, leaseId, Date.now())
      if (this.#closed) return
      if (elected) {
        this.#fence = controller
        this.#options.logger.info({ controllerEpoch: controller!.createRevision }, 'elected controller')
        this.emit('elected', controller)
      }
      this.#see(controller)
      if (controller === undefined) this.#again = true // vacated between the attempt and the read
    } catch (err) {
      this.#options.logger.warn({ err }, 'controller election attempt failed; retrying')
      this.#retryTimer = this.#options.clock.setTimeout(() => void this.#attempt(), this.#options.retryBackoffMs ?? ELECTION_RETRY_BACKOFF_MS)
    } finally {
      this.#attempting = false
    }
    if (this.#again) {
      this.#again = false
      await this.#attempt()
    }
  }

  #depose(): void {
    const fence = this.#fence
    if (fence === undefined) return
    this.#fence = undefined
    this.#options.logger.warn({ controllerEpoch: fence.createRevision }, 'no longer the controller')
    this.emit('deposed', fence)
  }

  #see(controller: ControllerFence | undefined): void {
    if (controller?.createRevision === this.#controller?.createRevision) return
    // A newer election key than ours means ours is gone, whatever the watch has shown so far.
    if (this.#fence !== undefined && controller !== undefined && controller.createRevision !== this.#fence.createRevision) this.#depose()
    this.#controller = controller
    this.emit('controller', controller)
  }
}

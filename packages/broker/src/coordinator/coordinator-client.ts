// The main thread's side of the coordinator: starts its thread, sends it calls and matches the
// replies, and keeps a read-only copy of the topics (updated by the coordinator's `topic` messages,
// which arrive before the reply of the call that made the change) so that the gateway can look a
// topic up without a round trip. If the thread dies (a broken invariant, a failed disk), calls in
// flight fail with the retriable COORDINATOR_NOT_AVAILABLE and a new thread replays the log;
// after `restartsMax` deaths within a minute the broker gives up (`onFatal`).
//
// Users and ACLs: with `security`, the client is the store of that SecurityState (security-store.ts):
// the thread's snapshot at each (re)start replaces its stored users and ACLs, and every change the
// thread posts (`security`, before the reply) is applied to it; reserved users are left alone.
import { strict as assert } from 'node:assert'
import { Worker } from 'node:worker_threads'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { builtModulePath } from '../util/built-module.js'
import type { GroupSettings } from '../groups/consumer-group.js'
import type { CoordinatorSettings } from './coordinator-actor.js'
import type { TopicMeta } from './metadata-state.js'
import type { SecurityState } from '../security/security-state.js'
import { applySecurityRecords, attachSecurityStore, replaceStoredSecurity, type SecurityStore } from './security-store.js'
import type {
  CoordinatorCall,
  CoordinatorResultByMethod,
  CoordinatorWorkerData,
  FromCoordinator,
  ToCoordinator,
} from './messages.js'

export interface CoordinatorClientOptions {
  dataDir: string
  settings: CoordinatorSettings
  groupSettings?: Partial<GroupSettings>
  /** Cluster mode: leave partition directories the metadata log does not know alone (CoordinatorWorkerData). */
  keepUnknownPartitionDirs?: boolean
  /** `--fault-injection FILE`: the coordinator's thread applies its plan (faults/fault-injection.ts). */
  faultInjection?: string
  logger: Logger
  /** The gateway's SecurityState, kept current with the stored users and ACLs; reserved users (the bootstrap user) are not touched. */
  security?: { state: SecurityState; reservedUsers: readonly string[] }
  /** Called when the coordinator cannot be kept running; the broker should stop. */
  onFatal(err: Error): void
  restartsMax?: number
}

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
}

export interface CoordinatorStart {
  /** Directories the coordinator moved aside at start (unknown to the metadata log). */
  movedAside: string[]
}

export class CoordinatorClient implements SecurityStore {
  readonly #options: CoordinatorClientOptions
  readonly #logger: Logger
  readonly #reservedUsers: ReadonlySet<string>
  readonly #topics = new Map<string, TopicMeta>()
  readonly #pending = new Map<number, Pending>()
  readonly #restarts: number[] = []
  #worker: Worker | undefined
  #nextCallId = 1
  #closing = false

  private constructor(options: CoordinatorClientOptions) {
    this.#options = options
    this.#logger = options.logger.child({ module: 'coordinator-client' })
    this.#reservedUsers = new Set(options.security?.reservedUsers ?? [])
    if (options.security !== undefined) attachSecurityStore(options.security.state, this, this.#reservedUsers)
  }

  /** Starts the coordinator's thread; resolves once the metadata log is replayed and reconciled. */
  static async start(options: CoordinatorClientOptions): Promise<{ client: CoordinatorClient; start: CoordinatorStart }> {
    const client = new CoordinatorClient(options)
    const start = await client.#spawn()
    return { client, start }
  }

  /** The topic, as of the last change the coordinator reported. */
  topic(topic: string): TopicMeta | undefined {
    return this.#topics.get(topic)
  }

  get topics(): IterableIterator<TopicMeta> {
    return this.#topics.values()
  }

  alterUsers(upsertions: SecurityStoreArgs<'alterUsers'>[0], deletions: SecurityStoreArgs<'alterUsers'>[1]): ReturnType<SecurityStore['alterUsers']> {
    return this.call({ method: 'alterUsers', upsertions, deletions })
  }

  createAcls(acls: SecurityStoreArgs<'createAcls'>[0]): ReturnType<SecurityStore['createAcls']> {
    return this.call({ method: 'createAcls', acls })
  }

  deleteAcls(filters: SecurityStoreArgs<'deleteAcls'>[0]): ReturnType<SecurityStore['deleteAcls']> {
    return this.call({ method: 'deleteAcls', filters })
  }

  call<M extends CoordinatorCall['method']>(
    call: Extract<CoordinatorCall, { method: M }>,
  ): Promise<CoordinatorResultByMethod[M]> {
    const worker = this.#worker
    if (this.#closing) return Promise.reject(new FaecieError(ErrorCode.SHUTTING_DOWN, 'The broker is shutting down.'))
    if (worker === undefined) return Promise.reject(unavailable('is restarting'))
    const callId = this.#nextCallId++
    return new Promise((resolve, reject) => {
      this.#pending.set(callId, { resolve: resolve as (v: unknown) => void, reject })
      const message: ToCoordinator = { type: 'call', callId, call }
      worker.postMessage(message)
    })
  }

  /** Closes the metadata log cleanly and ends the thread. */
  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const worker = this.#worker
    if (worker === undefined) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage({ type: 'close' } satisfies ToCoordinator)
    const timer = setTimeout(() => void worker.terminate(), 10_000)
    await exited
    clearTimeout(timer)
  }

  #spawn(): Promise<CoordinatorStart> {
    const workerData: CoordinatorWorkerData = { dataDir: this.#options.dataDir, settings: this.#options.settings,
      ...(this.#options.groupSettings === undefined ? {} : { groupSettings: this.#options.groupSettings }),
      ...(this.#options.keepUnknownPartitionDirs === true ? { keepUnknownPartitionDirs: true } : {}),
      ...(this.#options.faultInjection === undefined ? {} : { faultInjection: this.#options.faultInjection }) }
    const worker = new Worker(builtModulePath('./worker-entry.js', import.meta.url), { workerData })
    this.#worker = undefined
    return new Promise<CoordinatorStart>((resolve, reject) => {
      let ready = false
      worker.on('message', (message: FromCoordinator) => {
        if (message.type === 'ready') {
          ready = true
          this.#topics.clear()
          for (const meta of message.topics) this.#topics.set(meta.topic, meta)
          const security = this.#options.security
          if (security !== undefined) replaceStoredSecurity(security.state, message.security, this.#reservedUsers)
          this.#worker = worker
          resolve({ movedAside: message.movedAside })
        } else if (message.type === 'startFailed') {
          void worker.terminate()
          reject(new Error(`the coordinator could not start: ${message.message}`))
        } else {
          this.#receive(message)
        }
      })
      worker.on('error', (err) => this.#logger.error({ err }, 'coordinator thread failed'))
      worker.on('exit', (code) => {
        if (!ready) {
          reject(new Error(`the coordinator thread exited with code ${code} while starting`))
          return
        }
        this.#onExit(code)
      })
    })
  }

  #receive(message: FromCoordinator): void {
    switch (message.type) {
      case 'topic':
        if (message.meta === null) this.#topics.delete(message.topic)
        else this.#topics.set(message.topic, message.meta)
        return
      case 'security':
        if (this.#options.security !== undefined) applySecurityRecords(this.#options.security.state, message.records, this.#reservedUsers)
        return
      case 'reply': {
        const pending = this.#pending.get(message.callId)
        assert(pending !== undefined, `coordinator answered unknown call ${message.callId}`)
        this.#pending.delete(message.callId)
        if (message.ok) pending.resolve(message.value)
        else pending.reject(new FaecieError(message.error.code, message.error.message))
        return
      }
      case 'closed':
      case 'ready':
      case 'startFailed':
        return
    }
  }

  #onExit(code: number): void {
    this.#worker = undefined
    for (const pending of this.#pending.values()) pending.reject(unavailable('thread died during the call; retry'))
    this.#pending.clear()
    if (this.#closing) return
    const now = Date.now()
    this.#restarts.push(now)
    while (this.#restarts.length > 0 && this.#restarts[0]! < now - 60_000) this.#restarts.shift()
    if (this.#restarts.length > (this.#options.restartsMax ?? 5)) {
      this.#options.onFatal(new Error(`the coordinator thread died ${this.#restarts.length} times within a minute`))
      return
    }
    this.#logger.error({ code }, 'coordinator thread exited: restarting it (it replays the metadata log)')
    this.#spawn().catch((err: unknown) => this.#options.onFatal(err as Error))
  }
}

type SecurityStoreArgs<M extends keyof SecurityStore> = Parameters<SecurityStore[M]>

function unavailable(detail: string): FaecieError {
  return new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `The coordinator ${detail}.`)
}

// The ISR writer: a partition leader's ISR changes, from its actor's proposal (FromWorker
// `isrChange`, heard through PartitionManager.onIsrChange) to etcd, by compare-and-swap.
//
// Kafka's leaders send AlterPartition to the controller, which checks the leader epoch and partition
// epoch and writes. Here the leader writes itself, and the same checks plus the CAS are the fence:
// the write goes through only if etcd's state, read just before, still names this broker as leader
// at the proposal's leader epoch and is still at the proposal's base partition epoch, and nothing
// wrote the key between that read and the write (its mod revision). So a leader that lost its
// leadership (a new leader epoch), or whose view is stale (a newer partition epoch: the controller
// removed a dead broker meanwhile), writes nothing; the watch brings the newer state to its actor,
// which proposes again if it still wants to. The controller's writes are fenced by the controller
// epoch; these are not (a leader is no controller), and do not need to be: they can only change the
// ISR of a partition this broker leads at the epoch etcd names. The next state is the current one
// with `isr: proposedIsr` and the partition epoch + 1 (metadata-store.ts asserts the rest).
//
// Controlled shutdown: an expansion that adds a broker in controlled shutdown (`shuttingDown`, from
// the watched registrations) is refused ('refused'), not written. The leader's actor does not
// propose one once its role names the broker ISR-ineligible, and the same role update drops an
// expansion it proposed just before (replica-state.ts updateRole): so no refused proposal stays
// pending in its maximal ISR, holding the high watermark for a broker about to stop. Since the
// actor drops it on the flag, the write must never land after the flag: it compares the joining
// brokers' registrations as read just before (a flag set in between fails it as a conflict).
//
// One write per partition at a time; a proposal arriving meanwhile waits, replacing any older one
// waiting (so at most two per partition are held). A failure other than a conflict (etcd
// unreachable) is retried after retryBackoffMs on the injected clock, up to retriesMax times,
// unless a newer proposal came. Events: 'outcome' ({ key, outcome, reason }).
import { EventEmitter } from 'node:events'
import type { Logger } from '../log.js'
import type { FromWorker } from '../partition/messages.js'
import type { IsrChangeListener } from '../partition/partition-manager.js'
import type { MonotonicClock } from './broker-session.js'
import { CasConflictError, type BrokerRegistration, type EtcdMetadataStore, type Versioned } from './metadata-store.js'

export type IsrChange = Extract<FromWorker, { type: 'isrChange' }>

export const ISR_WRITE_RETRY_BACKOFF_MS_DEFAULT = 500
export const ISR_WRITE_RETRIES_MAX_DEFAULT = 10

export type IsrWriteOutcome = 'written' | 'conflict' | 'stale' | 'invalid' | 'refused' | 'failed'

export interface IsrWriterOptions {
  brokerId: number
  store: Pick<EtcdMetadataStore, 'getPartition' | 'updatePartition' | 'getBrokerRegistration'>
  partitions: { onIsrChange(listener: IsrChangeListener): () => void }
  clock: MonotonicClock
  logger: Logger
  retryBackoffMs?: number
  retriesMax?: number
  /** Brokers in controlled shutdown: never added to an ISR. Default none. */
  shuttingDown?: () => ReadonlySet<number>
}

export class IsrWriter extends EventEmitter {
  readonly #options: Required<IsrWriterOptions>
  readonly #logger: Logger
  /** Partitions with a write under way, and the proposal waiting behind it (if any). */
  readonly #busy = new Map<string, IsrChange | undefined>()
  readonly #retryTimers = new Set<unknown>()
  #unsubscribe: (() => void) | undefined
  #stopped = false
  #shrinks = 0
  #expands = 0

  constructor(options: IsrWriterOptions) {
    super()
    this.#options = { retryBackoffMs: ISR_WRITE_RETRY_BACKOFF_MS_DEFAULT, retriesMax: ISR_WRITE_RETRIES_MAX_DEFAULT, shuttingDown: () => new Set(), ...options }
    this.#logger = options.logger.child({ module: 'isr-writer' })
  }

  /** ISR shrinks written (faecie_isr_shrinks_total). */
  get isrShrinksTotal(): number { return this.#shrinks }
  /** ISR expands written (faecie_isr_expands_total). */
  get isrExpandsTotal(): number { return this.#expands }

  start(): void {
    this.#unsubscribe ??= this.#options.partitions.onIsrChange((change) => this.propose(change))
  }

  stop(): void {
    this.#stopped = true
    this.#unsubscribe?.()
    for (const timer of this.#retryTimers) this.#options.clock.clearTimeout(timer)
    this.#retryTimers.clear()
  }

  /** Takes a leader's proposal (start() wires this to the partition manager). */
  propose(change: IsrChange): void {
    if (this.#stopped) return
    if (this.#busy.has(change.key)) {
      this.#busy.set(change.key, change)
      return
    }
    this.#busy.set(change.key, undefined)
    void this.#write(change, 0)
  }

  async #write(change: IsrChange, attempt: number): Promise<void> {
    let outcome: IsrWriteOutcome
    let reason: string
    try {
      ;[outcome, reason] = await this.#tryWrite(change)
    } catch (err) {
      if (attempt < this.#options.retriesMax && !this.#stopped) {
        this.#logger.warn({ err, partition: change.key, attempt }, 'ISR change not written; retrying')
        const timer = this.#options.clock.setTimeout(() => {
          this.#retryTimers.delete(timer)
          if (this.#stopped) return
          // A newer proposal that came meanwhile replaces this one.
          const newer = this.#busy.get(change.key)
          this.#busy.set(change.key, undefined)
          void this.#write(newer ?? change, newer === undefined ? attempt + 1 : 0)
        }, this.#options.retryBackoffMs)
        this.#retryTimers.add(timer)
        return
      }
      ;[outcome, reason] = ['failed', String(err)]
    }
    if (outcome === 'written') {
      if (change.reason === 'shrink') this.#shrinks++
      else this.#expands++
      this.#logger.info({ partition: change.key, isr: change.proposedIsr, reason: change.reason }, 'ISR changed')
    } else {
      this.#logger.debug({ partition: change.key, outcome, reason }, 'ISR change dropped')
    }
    this.emit('outcome', { key: change.key, outcome, reason })
    const next = this.#busy.get(change.key)
    if (next !== undefined && !this.#stopped) {
      this.#busy.set(change.key, undefined)
      void this.#write(next, 0)
    } else {
      this.#busy.delete(change.key)
    }
  }

  async #tryWrite(change: IsrChange): Promise<[IsrWriteOutcome, string]> {
    const { brokerId, store } = this.#options
    const at = change.key.lastIndexOf('-')
    const topic = change.key.slice(0, at)
    const partition = Number(change.key.slice(at + 1))
    if (at <= 0 || !Number.isSafeInteger(partition)) return ['invalid', `not a partition key: ${change.key}`]
    const current = await store.getPartition(topic, partition)
    if (current === undefined) return ['stale', 'the partition is gone']
    const state = current.value
    if (state.leader !== brokerId) return ['stale', `leader is ${state.leader}, not this broker`]
    if (state.leaderEpoch !== change.leaderEpoch) return ['stale', `leader epoch ${state.leaderEpoch}, proposed at ${change.leaderEpoch}`]
    if (state.partitionEpoch !== change.partitionEpoch) return ['stale', `partition epoch ${state.partitionEpoch}, proposal based on ${change.partitionEpoch}`]
    const isr = change.proposedIsr
    if (isr.length === 0 || new Set(isr).size !== isr.length || !isr.includes(brokerId) || !isr.every((b) => state.replicas.includes(b))) {
      return ['invalid', `ISR ${JSON.stringify(isr)} is not a set of replicas ${JSON.stringify(state.replicas)} with leader ${brokerId}`]
    }
    if (isr.length === state.isr.length && isr.every((b) => state.isr.includes(b))) return ['stale', 'the ISR is already that']
    const joining = isr.filter((b) => !state.isr.includes(b))
    const shutting = this.#options.shuttingDown()
    const refused = joining.filter((b) => shutting.has(b))
    if (refused.length > 0) return ['refused', `broker ${refused.join(',')} is shutting down: not added to the ISR`]
    // The watched flags may lag etcd: each joining broker's registration is read now, and the write
    // compares it, so a broker flagged shuttingDown between this check and the write is never added
    // (its leader, told by the same flag, no longer counts the proposal in its maximal ISR).
    const registrations: Versioned<BrokerRegistration>[] = []
    for (const b of joining) {
      const registration = await store.getBrokerRegistration(b)
      if (registration === undefined) return ['refused', `broker ${b} is not registered: not added to the ISR`]
      if (registration.value.shuttingDown === true) return ['refused', `broker ${b} is shutting down: not added to the ISR`]
      registrations.push(registration)
    }
    try {
      await store.updatePartition(topic, partition, current, { ...state, isr: [...isr], partitionEpoch: state.partitionEpoch + 1 }, undefined, registrations)
    } catch (err) {
      if (err instanceof CasConflictError) return ['conflict', err.message]
      throw err
    }
    return ['written', '']
  }
}

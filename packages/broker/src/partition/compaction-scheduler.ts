// When and how a PartitionManager (partition-manager.ts) compacts (main thread). Every
// `compactionCheckMs` it asks each compacted partition's actor for a plan (given only when
// min.cleanable.dirty.ratio is reached), has the cleaner rewrite those closed segments on the task
// pool (tasks/segment-cleaner.ts), and hands the result back to the actor, the only one that renames
// the partition's files, to swap in. One compaction per partition at a time.
import type { Logger } from '../log.js'
import { isCompacted } from '../storage/log-api.js'
import type { CompactionOutcome } from '../storage/log.js'
import { SegmentCleaner } from '../tasks/segment-cleaner.js'
import type { TaskPool } from '../tasks/task-pool.js'
import type { PartitionConfig, PartitionKey, PartitionOffsets, PartitionRequest, PartitionResultByOp } from './messages.js'

export interface CompactionSchedulerOptions {
  /** How often compacted partitions are checked against their dirty ratio. */
  compactionCheckMs: number
  /** Runs the cleaning; by default one on `taskPool()`, started on the first compaction. */
  cleaner?: SegmentCleaner
  taskPool(): TaskPool
  logger: Logger
  /** Sends an op to a partition's actor. */
  request<R extends PartitionRequest>(topic: string, partition: number, request: R): Promise<PartitionResultByOp[R['op']]>
  /** Every open partition with its settings, for the periodic check. */
  partitions(): Iterable<[PartitionKey, { config: PartitionConfig }]>
  /** True once the manager shuts down: the periodic check stops. */
  isShutDown(): boolean
}

export class CompactionScheduler {
  readonly #options: CompactionSchedulerOptions
  /** The cleaner pool, started on the first compaction unless one was given. */
  #cleaner: SegmentCleaner | undefined
  /** Partitions with a compaction under way: one at a time each. */
  readonly #compacting = new Set<PartitionKey>()
  readonly #timer: NodeJS.Timeout

  constructor(options: CompactionSchedulerOptions) {
    this.#options = options
    this.#cleaner = options.cleaner
    this.#timer = setInterval(() => this.#compactDirty(), options.compactionCheckMs).unref()
  }

  /**
   * Compacts a partition now: the actor names the closed segments to clean (unless `force`, only when
   * min.cleanable.dirty.ratio is reached), the cleaner pool rewrites them, and the actor swaps the
   * result in. Resolves with null when there was nothing to do or a compaction was already under way.
   */
  async compact(key: PartitionKey, topic: string, partition: number, options: { force?: boolean; nowMs?: number } = {}):
    Promise<(PartitionOffsets & CompactionOutcome) | null> {
    if (this.#compacting.has(key)) return null
    this.#compacting.add(key)
    try {
      const plan = await this.#options.request(topic, partition, { op: 'compactPlan', force: options.force ?? true })
      if (plan === null) return null
      this.#cleaner ??= new SegmentCleaner({ logger: this.#options.logger, pool: this.#options.taskPool() })
      const result = await this.#cleaner.clean(plan, options.nowMs ?? Date.now())
      return await this.#options.request(topic, partition, { op: 'compactSwap', result })
    } finally {
      this.#compacting.delete(key)
    }
  }

  /** Stops the periodic check. */
  close(): void {
    clearInterval(this.#timer)
  }

  /** The periodic check: every compacted partition, against its dirty ratio. */
  #compactDirty(): void {
    if (this.#options.isShutDown()) return
    for (const [key, placed] of this.#options.partitions()) {
      if (!isCompacted(placed.config)) continue
      const cut = key.lastIndexOf('-')
      this.compact(key, key.slice(0, cut), Number(key.slice(cut + 1)), { force: false }).catch((err: unknown) =>
        this.#options.logger.warn({ err, partition: key }, 'compaction failed; it will be tried again'))
    }
  }
}

// Compaction's cleaner (clean-segments-task.ts) on the broker's task pool (task-pool.ts), which the
// partition manager owns and shares with the segment verifier.
import type { Logger } from '../log.js'
import type { CleanerResult } from '../storage/cleaner.js'
import type { CompactionOutcome, CompactionPlan, PartitionLog } from '../storage/log.js'
import { builtModulePath } from '../util/built-module.js'
import type { TaskPool } from './task-pool.js'
import type { CleanRequest } from './clean-segments.js'

export interface SegmentCleanerOptions {
  logger: Logger
  /** The broker's task pool (its owner closes it). */
  pool: TaskPool
}

const TASK_FILE = builtModulePath('./clean-segments-task.js', import.meta.url)

export class SegmentCleaner {
  readonly #pool: TaskPool
  readonly #logger: Logger

  constructor(options: SegmentCleanerOptions) {
    this.#logger = options.logger.child({ module: 'segment-cleaner' })
    this.#pool = options.pool
  }

  /** Writes the cleaned files of the plan's segments; resolves with what the swap needs. */
  async clean(plan: CompactionPlan, nowMs = Date.now()): Promise<CleanerResult> {
    const request: CleanRequest = { plan, nowMs }
    const result = (await this.#pool.run(TASK_FILE, request)) as CleanerResult
    const removed = result.segments.reduce((n, s) => n + s.recordsRemoved, 0)
    this.#logger.debug({ dir: plan.dir, segments: result.segments.length, removed }, 'segments cleaned')
    return result
  }

  /**
   * The whole compaction of a log its caller owns in this thread (the coordinator's
   * `__consumer_offsets`, say): plan, clean on the pool, swap. The caller may keep appending
   * meanwhile; it must not close the log before this settles. Null when there was nothing to do.
   */
  async compactLog(log: PartitionLog, options: { force?: boolean; nowMs?: number } = {}): Promise<CompactionOutcome | null> {
    const plan = log.compactionPlan(options.force ?? false)
    if (plan === null) return null
    const result = await this.clean(plan, options.nowMs)
    return log.swapCleaned(result)
  }

}

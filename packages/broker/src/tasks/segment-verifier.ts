// Verifying closed segments (verify-segments-task.ts) on the broker's task pool (task-pool.ts), which
// the partition manager owns and shares with compaction's cleaner: a whole directory at once, or one
// segment at a time (the paced background checks: partition/closed-segment-checks.ts).
import type { Logger } from '../log.js'
import { builtModulePath } from '../util/built-module.js'
import type { TaskPool } from './task-pool.js'
import type { SegmentVerification } from './verify-segments.js'
import type { SegmentToVerify } from './verify-segments-task.js'

export interface SegmentVerifierOptions {
  logger: Logger
  /** The broker's task pool (its owner closes it). */
  pool: TaskPool
}

const TASK_FILE = builtModulePath('./verify-segments-task.js', import.meta.url)

export class SegmentVerifier {
  readonly #pool: TaskPool
  readonly #logger: Logger

  constructor(options: SegmentVerifierOptions) {
    this.#logger = options.logger.child({ module: 'segment-verifier' })
    this.#pool = options.pool
  }

  /** Verifies the closed segments of `dir` and logs what it finds; resolves with the findings. */
  async verify(dir: string): Promise<SegmentVerification[]> {
    const results = (await this.#pool.run(TASK_FILE, { dir })) as SegmentVerification[]
    const bad = results.filter((r) => r.problem !== undefined)
    for (const r of bad) this.#logger.error({ file: r.file, problem: r.problem }, 'closed segment failed verification')
    this.#logger.info({ dir, segments: results.length, bad: bad.length }, 'closed segments verified')
    return results
  }

  /** Verifies one closed segment; a problem is logged at error level. */
  async verifySegment(segment: SegmentToVerify): Promise<SegmentVerification> {
    const [result] = (await this.#pool.run(TASK_FILE, { segment })) as SegmentVerification[]
    if (result!.problem !== undefined) this.#logger.error({ file: result!.file, problem: result!.problem }, 'closed segment failed verification')
    return result!
  }
}

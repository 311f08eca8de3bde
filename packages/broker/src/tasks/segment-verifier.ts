// A piscina pool for verifying closed segments after an unclean start (compaction's cleaner has its
// own pool: segment-cleaner.ts). The pool starts no thread until there is work and lets
// idle threads go, so an idle broker pays nothing for it.
import { Piscina } from 'piscina'
import type { Logger } from '../log.js'
import { builtModulePath } from '../util/built-module.js'
import type { SegmentVerification } from './verify-segments.js'

export interface SegmentVerifierOptions {
  logger: Logger
  /** Pool threads at most (tests and 2-core machines: 1). */
  threadsMax?: number
  idleTimeoutMs?: number
}

export class SegmentVerifier {
  readonly #pool: Piscina
  readonly #logger: Logger

  constructor(options: SegmentVerifierOptions) {
    this.#logger = options.logger.child({ module: 'segment-verifier' })
    this.#pool = new Piscina({
      filename: builtModulePath('./verify-segments-task.js', import.meta.url),
      minThreads: 0,
      maxThreads: options.threadsMax ?? 1,
      idleTimeout: options.idleTimeoutMs ?? 5_000,
    })
  }

  /** Verifies the closed segments of `dir` and logs what it finds; resolves with the findings. */
  async verify(dir: string): Promise<SegmentVerification[]> {
    const results = (await this.#pool.run({ dir })) as SegmentVerification[]
    const bad = results.filter((r) => r.problem !== undefined)
    for (const r of bad) this.#logger.error({ file: r.file, problem: r.problem }, 'closed segment failed verification')
    this.#logger.info({ dir, segments: results.length, bad: bad.length }, 'closed segments verified')
    return results
  }

  async close(): Promise<void> {
    await this.#pool.close()
  }
}

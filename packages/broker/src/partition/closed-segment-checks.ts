// The background CRC check of closed segments (issue 11): every closed segment of every partition
// the broker opens is verified whole (lengths, structure, CRC-32C, offsets) on the task pool, one
// segment at a time, paced so that it reads at most `bytesPerSecondMax` on average: after a segment
// of N bytes, the next waits N / bytesPerSecondMax seconds. So start-up time does not grow with the
// data (open checks only a few bytes per segment: storage/continuity.ts) and bit rot in old data is
// still found. A segment that fails is handed to `onDamaged`: the partition's actor scans it and
// records the damage (reads crossing it then get LOG_DAMAGED).
//
// Its timers take an injected `setTimer`, so tests drive the pacing without waiting.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import type { SegmentToVerify } from '../tasks/verify-segments-task.js'
import type { SegmentVerification } from '../tasks/verify-segments.js'
import { LOG_SUFFIX, parseSegmentFileName } from '../storage/segment.js'
import type { PartitionKey } from './messages.js'

/** Default pace: a 1 GiB partition is checked in about 30 s, a small fraction of one disk's bandwidth. */
export const DEFAULT_SEGMENT_VERIFY_BYTES_PER_SECOND_MAX = 32 * 1024 * 1024

export interface ClosedSegmentChecksOptions {
  verify(segment: SegmentToVerify): Promise<SegmentVerification>
  bytesPerSecondMax: number
  /** A closed segment of `key` failed: its base offset and what was wrong. */
  onDamaged(key: PartitionKey, baseOffset: number, problem: string): void
  logger: Logger
  /** Schedules `run` after `delayMs`; returns a cancel function. Default: an unref'd setTimeout. */
  setTimer?: (run: () => void, delayMs: number) => () => void
}

interface Queued extends SegmentToVerify {
  key: PartitionKey
}

export class ClosedSegmentChecks {
  readonly #o: ClosedSegmentChecksOptions
  readonly #setTimer: (run: () => void, delayMs: number) => () => void
  readonly #queue: Queued[] = []
  /** The segment being verified now (or waiting out its pace), null when idle. */
  #current: string | null = null
  #cancel: (() => void) | undefined
  #closed = false

  constructor(options: ClosedSegmentChecksOptions) {
    if (!(options.bytesPerSecondMax > 0)) throw new RangeError(`bytesPerSecondMax of ${options.bytesPerSecondMax}`)
    this.#o = options
    this.#setTimer = options.setTimer ?? ((run, delayMs) => {
      const timer = setTimeout(run, delayMs).unref()
      return () => clearTimeout(timer)
    })
  }

  /** Segments waiting for their check. */
  get pending(): number {
    return this.#queue.length
  }

  /** Queues every closed segment of the partition in `dir` (all its .log files but the newest). */
  enqueue(key: PartitionKey, dir: string): void {
    if (this.#closed) return
    let bases: number[]
    try {
      bases = readdirSync(dir).map((name) => parseSegmentFileName(name))
        .filter((f) => f !== null && f.suffix === LOG_SUFFIX).map((f) => f!.baseOffset).sort((a, b) => a - b)
    } catch (err) {
      this.#o.logger.warn({ err, dir }, 'could not list segments to verify')
      return
    }
    for (let i = 0; i < bases.length - 1; i++) {
      const path = join(dir, `${String(bases[i]).padStart(20, '0')}${LOG_SUFFIX}`)
      if (path === this.#current || this.#queue.some((q) => q.path === path)) continue
      this.#queue.push({ key, path, baseOffset: bases[i]!, nextBaseOffset: bases[i + 1]! })
    }
    this.#next()
  }

  /** Stops: nothing more is verified. */
  close(): void {
    this.#closed = true
    this.#queue.length = 0
    this.#cancel?.()
  }

  #next(): void {
    if (this.#current !== null || this.#closed) return
    const segment = this.#queue.shift()
    if (segment === undefined) return
    this.#current = segment.path
    const { key, ...toVerify } = segment
    this.#o.verify(toVerify).then((result) => {
      if (result.problem !== undefined && !this.#closed) {
        this.#o.onDamaged(key, segment.baseOffset, `${result.problem.what} at byte ${result.problem.position}`)
      }
      return result.bytesVerified
    }, (err: unknown) => {
      this.#o.logger.warn({ err, file: segment.path }, 'closed-segment verification did not run')
      return 0
    }).then((bytes) => {
      const delayMs = (bytes / this.#o.bytesPerSecondMax) * 1000
      this.#cancel = this.#setTimer(() => {
        this.#cancel = undefined
        this.#current = null
        this.#next()
      }, delayMs)
    })
  }
}

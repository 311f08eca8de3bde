// A partition whose disk refused a write (full, an I/O error, remounted read-only) degrades rather
// than closes: it stays open and readable, refuses what writes (produce, truncation, retention,
// compaction) with the retriable KAFKA_STORAGE_ERROR naming the cause, and retries by itself: every
// backoff it reopens its log through recovery (which cuts what the failed write left half done), and
// when that succeeds writes resume. The backoff doubles from `retryMinMs` to `retryMaxMs` while the
// cause lasts. Time comes from the actor's clock, so tests drive it.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { diskErrorCode } from '../storage/disk.js'

export const DEFAULT_STORAGE_RETRY_MIN_MS = 200
export const DEFAULT_STORAGE_RETRY_MAX_MS = 10_000

/** The errno codes that mean the disk, not our state, refused: worth degrading and retrying. */
const FAULTS: ReadonlyMap<string, string> = new Map([
  ['ENOSPC', 'disk full'],
  ['EDQUOT', 'disk quota exceeded'],
  ['EIO', 'I/O error'],
  ['EROFS', 'file system is read-only'],
  ['EFBIG', 'file too large'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
])

/**
 * What was wrong with the disk, for the answer and the log line, when `err` is a disk fault (directly,
 * or as the cause of the KAFKA_STORAGE_ERROR a log that failed earlier throws); undefined otherwise.
 */
export function storageFaultCause(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = diskErrorCode(e)
    const what = code === undefined ? undefined : FAULTS.get(code)
    if (what !== undefined) return `${what} (${code}): ${(e as Error).message}`
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

export interface StorageRetryLimits {
  retryMinMs: number
  retryMaxMs: number
}

export class StorageFault {
  readonly cause: string
  readonly sinceMs: number
  retryAtMs: number
  #backoffMs: number
  readonly #limits: StorageRetryLimits

  constructor(cause: string, nowMs: number, limits: StorageRetryLimits) {
    this.cause = cause
    this.sinceMs = nowMs
    this.#limits = limits
    this.#backoffMs = limits.retryMinMs
    this.retryAtMs = nowMs + this.#backoffMs
  }

  /** A retry failed: the next one waits twice as long, up to retryMaxMs. */
  retryFailed(nowMs: number): void {
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#limits.retryMaxMs)
    this.retryAtMs = nowMs + this.#backoffMs
  }

  get backoffMs(): number {
    return this.#backoffMs
  }

  /** The error a refused write gets. */
  error(): FaecieError {
    return new FaecieError(ErrorCode.KAFKA_STORAGE_ERROR,
      `Storage error: ${this.cause}; writes to this partition resume by themselves once the disk accepts them again.`)
  }
}

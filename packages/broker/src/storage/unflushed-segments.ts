// What a partition log's next flush has to make durable: the segments written since the last flush
// (their .log files to fdatasync), the segments sealed since then (their index files to fsync), and
// the segments of a pipelined flush whose fdatasyncs run off-thread (log.ts: beginFlush ..
// completeFlush). The log moves its offsets; this only keeps the lists, in the order the durability
// rules of log.ts need: indexes of sealed segments before the logs, the active segment last.
import { strict as assert } from 'node:assert'
import type { Disk } from './disk.js'
import type { Segment } from './segment.js'

export class UnflushedSegments {
  /** Segments written since the last flush, in order (the active one last). */
  readonly #written: Segment[] = []
  /** Segments sealed since the last flush, whose index files are not fsynced yet. */
  readonly #sealed: Segment[] = []
  /** Segments whose fdatasync is running off-thread (begin .. complete). */
  #syncing: Segment[] = []
  #pending = 0

  /** `segment` got bytes (appended or recovered into). */
  wrote(segment: Segment): void {
    if (this.#written[this.#written.length - 1] !== segment) this.#written.push(segment)
  }

  /** `segment` was sealed by a roll: its index files must be fsynced before the recovery point passes it. */
  sealed(segment: Segment): void {
    this.#sealed.push(segment)
  }

  /** True when something written is not yet durable (nor being made durable). */
  get dirty(): boolean {
    return this.#written.length > 0 || this.#sealed.length > 0
  }

  /** True when some segment was written since the last flush (what maybeFlush looks at). */
  get anyWritten(): boolean {
    return this.#written.length > 0
  }

  /** True while a pipelined flush is between begin and complete. */
  get flushing(): boolean {
    return this.#pending > 0
  }

  /** Ops that close or delete segment files may not run while a pipelined flush does. */
  assertNoPipelinedFlush(): void {
    assert(this.#pending === 0, 'segments may not change while a pipelined flush runs')
  }

  /**
   * Makes all of it durable now: indexes, then logs, then the logs of a pipelined flush still
   * running (this flush promises them too and supersedes it: its complete must not come).
   */
  syncAll(disk: Disk): void {
    this.#syncIndexes(disk)
    for (const segment of this.#written) segment.flush(disk)
    this.#written.length = 0
    for (const segment of this.#syncing) segment.flush(disk)
    this.#syncing = []
    this.#pending = 0
  }

  /** Makes the closed segments' part durable (all but `active`), as the next flush would. */
  syncClosed(disk: Disk, active: Segment): void {
    this.#syncIndexes(disk)
    for (let k = this.#written.length - 1; k >= 0; k--) {
      const segment = this.#written[k]!
      if (segment === active) continue
      segment.flush(disk)
      this.#written.splice(k, 1)
    }
  }

  /** A pipelined flush, step one: indexes synced here; the segments returned are for the caller to fdatasync. */
  begin(disk: Disk): Segment[] {
    assert(this.#pending === 0, 'a pipelined flush is already running')
    this.#syncIndexes(disk)
    const segments = this.#written.splice(0)
    this.#syncing = segments
    this.#pending++
    return segments
  }

  /** A pipelined flush, step two: its fdatasyncs are done. */
  complete(): void {
    assert(this.#pending === 1, 'completeFlush without a pending flush')
    this.#pending--
    this.#syncing = []
  }

  /** Drops deleted segments from the work still to do. */
  forget(deleted: readonly Segment[]): void {
    for (const list of [this.#written, this.#sealed]) {
      for (const segment of deleted) {
        const at = list.indexOf(segment)
        if (at >= 0) list.splice(at, 1)
      }
    }
  }

  #syncIndexes(disk: Disk): void {
    for (const segment of this.#sealed) segment.syncIndexes(disk)
    this.#sealed.length = 0
  }
}

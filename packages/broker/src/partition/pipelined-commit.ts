// The pipelined group commit of flush `always`: while one tick's appends are being fdatasynced off
// this thread, the next ticks go on appending; each acknowledgement is held until the sync that
// covers its offsets is done, and then the high watermark moves. One sync runs at a time, covering
// everything appended before it started, so a busy partition syncs back to back and a tick's write
// overlaps the previous tick's sync instead of waiting for it (the disk, not the thread, sets the pace).
// An acknowledgement goes out once the log's stable end (its flushed end) passes it; a replicated
// leader's acks=all answers then wait for the high watermark too (replica-ops.ts).
//
// Ops that close or delete segment files (truncation, retention, compaction swaps) must not run
// while a sync is in flight: the actor defers them until `running` is false.
import { strict as assert } from 'node:assert'
import type { PartitionLog, PendingFlush } from '../storage/log.js'

/** An acknowledgement waiting for durability: `send` answers the producer. */
export interface HeldAck {
  lastOffset: number
  send(): void
  fail(code: number, message: string): void
}

export interface PipelinedCommitOptions {
  log: PartitionLog
  /** fdatasync of these files off this thread. */
  syncFiles(paths: readonly string[]): Promise<void>
  /** After a sync completed and acknowledgements went out: report offsets, run deferred ops. */
  onSettled(): void
  /** A sync failed: the disk can't be trusted; the actor's thread must die (supervision restarts it). */
  onFailure(err: unknown): void
}

export class PipelinedCommit {
  readonly #options: PipelinedCommitOptions
  #held: HeldAck[] = []
  #running: PendingFlush | null = null

  constructor(options: PipelinedCommitOptions) {
    this.#options = options
  }

  get running(): boolean {
    return this.#running !== null
  }

  /** Holds acknowledgements for batches just appended; starts a sync unless one is running. */
  hold(acks: HeldAck[]): void {
    for (const ack of acks) this.#held.push(ack)
    if (this.#running === null) this.#start()
  }

  /**
   * The log was flushed synchronously (closing): the running sync, if any, is superseded and ignored
   * when it ends; every held acknowledgement the flush covers goes out.
   */
  settledSynchronously(): void {
    this.#running = null
    this.#release()
  }

  /** The partition is going away: held acknowledgements fail (nothing they wait for will come). */
  abandon(code: number, message: string): void {
    this.#running = null
    for (const ack of this.#held.splice(0)) ack.fail(code, message)
  }

  #start(): void {
    const log = this.#options.log
    const pending = log.beginFlush()
    if (pending === null) {
      this.#release()
      assert(this.#held.length === 0, `acknowledgements held past the stable end ${log.stableEndOffset} with nothing to sync`)
      return
    }
    this.#running = pending
    this.#options.syncFiles(pending.paths).then(() => {
      if (this.#running !== pending) return // superseded by a synchronous flush
      this.#running = null
      log.completeFlush(pending)
      this.#release()
      if (log.dirty) this.#start()
      this.#options.onSettled()
    }, (err: unknown) => {
      if (this.#running === pending) this.#options.onFailure(err)
    })
  }

  #release(): void {
    const stableEnd = this.#options.log.stableEndOffset
    const waiting: HeldAck[] = []
    for (const ack of this.#held) {
      if (ack.lastOffset < stableEnd) ack.send()
      else waiting.push(ack)
    }
    this.#held = waiting
  }
}

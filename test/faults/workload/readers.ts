// The group-less readers of the workload: a consumer assigned every partition of the topic from
// offset 0, reading by long-poll fetch or by pushes (ConsumerConfig.mode), recording each delivery
// (the records of one partition handed to eachBatch at once: one fetch answer, or one push) as a
// ReadOp marked `contiguous`: the checker holds it to reading every offset once, in order, to the end.
// So the consumer never resets by itself (autoOffsetReset 'none': an OFFSET_OUT_OF_RANGE answer
// surfaces as a crash, recorded, and the recreated consumer asks again from where it was).
//
// At the stop the readers outlive the producers: catchUp() waits (bounded) until each has delivered
// every partition up to the high watermark the cluster ended with; a partition it did not reach is
// recorded as a `gaveUp` fail op, so the checker can tell a reader left behind from one that skipped.
//
// A delivery's invokedMs is when its consumer was made, not when the fetch that brought it was sent:
// the client reads ahead (and a push subscription is asked once), so that is the latest time known
// to be before the request; completedMs is the delivery. The interval is wide, never wrong.
//
// A consumer that crashes (run() stopped on an error it could not get past) is recorded as a failed
// read of each partition (a read has no effect: fail, not unknown) and made again after a pause,
// reading on from the offset after the last record it delivered. The client itself retries lost
// connections for as long as it takes, so a broker that dies is not a crash.
import type { Consumer, ConsumerMode } from '@faecie/client'
import type { ReadOp } from '../history/history.js'
import { waitFor } from '../../support/wait-for.js'
import { RECREATE_BACKOFF_MS, type WorkloadContext, disconnectWithin } from './context.js'

/** How long the broker may hold a fetch: short, so the reader sees a healed cluster soon. */
export const READER_MAX_WAIT_MS = 200
/** Record bytes a reader buffers ahead of its handler (the client's bound; small values). */
export const READER_BUFFER_BYTES_MAX = 4 * 1024 * 1024

/** Decodes a record's value as the producers wrote it (UTF-8 text); null: ''. */
export function valueText(value: Uint8Array | null): string {
  return value === null ? '' : new TextDecoder().decode(value)
}

export class ReaderLoop {
  private consumer: Consumer | undefined
  /** Per partition, the offset after the last record delivered: where a new consumer starts. */
  private readonly next: number[]
  private crashes = 0
  private restarting: Promise<void> | undefined
  /** Set by close(): the readers run on past the workload's stop signal, until the catch-up is over. */
  private closed = false
  /** What the last crash said (for a report), if it crashed. */
  lastCrash: string | undefined

  constructor(private readonly ctx: WorkloadContext, readonly name: string, readonly mode: ConsumerMode) {
    this.next = Array.from({ length: ctx.options.partitions }, () => 0)
  }

  get crashCount(): number {
    return this.crashes
  }

  async start(): Promise<void> {
    await this.open()
  }

  /**
   * Waits until every partition p has been delivered up to `highWatermarks[p]` (at most `timeoutMs`);
   * each partition left short is recorded as a `gaveUp` op. Returns the partitions left short.
   */
  async catchUp(highWatermarks: number[], timeoutMs: number): Promise<number[]> {
    const short = (): number[] => highWatermarks.flatMap((hw, p) => (this.next[p]! < hw ? [p] : []))
    await waitFor(`${this.name} at the high watermarks ${highWatermarks.join(',')}`, () => short().length === 0, { timeoutMs, intervalMs: 50 }).catch(() => undefined)
    const left = short()
    const nowMs = this.ctx.options.clock()
    for (const partition of left) {
      const error = `the workload gave up waiting ${timeoutMs} ms for ${this.name} to read ${this.ctx.options.topic}-${partition} up to its final high watermark ` +
        `${highWatermarks[partition]}: it stopped at ${this.next[partition]} (crashes: ${this.crashes}${this.lastCrash === undefined ? '' : `, last: ${this.lastCrash}`})`
      this.ctx.recorder.record<ReadOp>({ type: 'read', client: this.name, topic: this.ctx.options.topic, partition, invokedMs: nowMs, outcome: 'fail', error, records: [], contiguous: true, gaveUp: true })
    }
    return left
  }

  /** Records that the reader could not wait for the high watermarks at all (`why`): every partition given up. */
  gaveUp(why: string): void {
    const nowMs = this.ctx.options.clock()
    for (let partition = 0; partition < this.ctx.options.partitions; partition++) {
      this.ctx.recorder.record<ReadOp>({ type: 'read', client: this.name, topic: this.ctx.options.topic, partition, invokedMs: nowMs, outcome: 'fail', error: `the workload gave up on ${this.name}: ${why}`, records: [], contiguous: true, gaveUp: true })
    }
  }

  async close(): Promise<void> {
    this.closed = true
    await this.restarting
    const consumer = this.consumer
    this.consumer = undefined
    await disconnectWithin(consumer)
  }

  private async open(): Promise<void> {
    if (this.closed) return
    const { topic, partitions } = this.ctx.options
    const consumer = this.ctx.client(this.name).consumer({
      mode: this.mode, autoOffsetReset: 'none', maxWaitMs: READER_MAX_WAIT_MS, bufferBytesMax: READER_BUFFER_BYTES_MAX,
    })
    this.consumer = consumer
    const sinceMs = this.ctx.options.clock()
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: this.next[partition]! })))
    consumer.on('crash', (err) => this.crashed(consumer, err))
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (this.consumer !== consumer) return
        const records = batch.messages.map((m) => ({ offset: m.offset, value: valueText(m.value) }))
        if (records.length === 0) return
        this.ctx.recorder.record<ReadOp>({ type: 'read', client: this.name, topic: batch.topic, partition: batch.partition, invokedMs: sinceMs, outcome: 'ok', records, contiguous: true })
        this.next[batch.partition] = Math.max(this.next[batch.partition]!, records[records.length - 1]!.offset + 1)
      },
    })
  }

  private crashed(consumer: Consumer, err: unknown): void {
    if (this.consumer !== consumer || this.closed) return
    this.crashes++
    this.lastCrash = String(err)
    const nowMs = this.ctx.options.clock()
    const { topic, partitions } = this.ctx.options
    for (let partition = 0; partition < partitions; partition++) {
      this.ctx.recorder.record<ReadOp>({ type: 'read', client: this.name, topic, partition, invokedMs: nowMs, outcome: 'fail', error: `the ${this.mode} consumer crashed: ${String(err)}`, records: [], contiguous: true })
    }
    this.consumer = undefined
    this.restarting = (async () => {
      await disconnectWithin(consumer)
      // Not ctx.sleep: the reader outlives the stop signal (catchUp), and must still pace its recreations.
      await new Promise((resolve) => setTimeout(resolve, RECREATE_BACKOFF_MS))
      await this.open().catch(() => undefined)
    })()
  }
}

// Live tail: a push consumer (the client's subscription: the broker pushes batches as they are
// appended) over the chosen partitions from their current end, handing records to the view in
// small bursts (at most one update per flush interval, so thousands of records a second do not
// re-render thousands of times). Pausing pauses the subscription itself; the records kept are
// bounded (the oldest go).
import type { Consumer, ConsumedMessage } from '@faecie/client/browser'
import type { ConsoleClient } from './client.js'
import type { BrowsedRecord } from './fetch.js'

/** Records a tail keeps at most. */
export const TAIL_RECORDS_MAX = 50_000
/** How often new records reach the view. */
export const TAIL_FLUSH_MS = 150

export function toBrowsed(m: ConsumedMessage): BrowsedRecord {
  const headers: BrowsedRecord['headers'] = []
  for (const [key, value] of Object.entries(m.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) headers.push({ key, value: v })
  }
  return { partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers }
}

export class LiveTail {
  readonly #consumer: Consumer
  #pending: BrowsedRecord[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  /** `onRecords` gets new records, newest first; `onError` a failure the consumer could not get past. */
  constructor(
    client: ConsoleClient,
    readonly topic: string,
    readonly starts: ReadonlyArray<{ partition: number; offset: number }>,
    private readonly onRecords: (records: BrowsedRecord[]) => void,
    onError: (err: unknown) => void,
  ) {
    this.#consumer = client.faecie.consumer({ mode: 'push', autoOffsetReset: 'latest', maxBytesPerPartition: 256 * 1024 })
    this.#consumer.on('crash', onError)
    this.#consumer.assign(starts.map(({ partition, offset }) => ({ topic, partition, offset })))
    void this.#consumer.run({
      eachMessage: async ({ message }) => {
        this.#pending.push(toBrowsed(message))
        this.#timer ??= setTimeout(() => this.#flush(), TAIL_FLUSH_MS)
      },
    }).catch(onError)
  }

  pause(): void {
    this.#consumer.pause([{ topic: this.topic }])
  }

  resume(): void {
    this.#consumer.resume([{ topic: this.topic }])
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#consumer.disconnect()
  }

  #flush(): void {
    this.#timer = undefined
    if (this.#closed || this.#pending.length === 0) return
    const batch = this.#pending.reverse()
    this.#pending = []
    this.onRecords(batch)
  }
}

/** New records on top of the kept ones, newest first, at most `max`. */
export function prependBounded(kept: BrowsedRecord[], fresh: BrowsedRecord[], max = TAIL_RECORDS_MAX): BrowsedRecord[] {
  return fresh.length >= max ? fresh.slice(0, max) : fresh.concat(kept.slice(0, max - fresh.length))
}

// What the consumer knows of each assigned partition: where to read next, whether it is paused, in
// flight, waiting out a backoff or failed, and how many of its bytes sit in the buffer. A seek bumps
// `generation`: data read for an older generation is dropped wherever it is met (in flight, in a
// push, in the buffer), so a seek takes effect at once.
import type { FaecieError } from '@faecie/protocol'

/** Placeholders for an offset still to be looked up (listOffsets' special timestamps). */
export const EARLIEST = -2
export const LATEST = -1

export interface TopicPartition {
  topic: string
  partition: number
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export class PartitionState {
  readonly topic: string
  readonly partition: number
  /** The next offset to read, or EARLIEST / LATEST until looked up. */
  offset: number
  generation = 0
  paused = false
  /** The generation a fetch, subscribe or offset lookup is under way for; -1 when none is. */
  busyGeneration = -1
  /** The push subscription's number, in push mode. */
  sub: number | undefined
  /** Credit consumed by the application and not yet given back (push mode). */
  creditOwedBytes = 0
  retryAtMs = 0
  /** Retriable errors in a row (within the retry budget; then the error surfaces). */
  errors = 0
  /** Refusals in a row saying the leader moved or does not serve the partition (retried without end): their backoff. */
  routingErrors = 0
  /** Set when an error was surfaced to the application; reading stops until a seek. */
  failed: FaecieError | undefined
  bufferedBytes = 0
  highWatermark = -1

  constructor(topic: string, partition: number, offset: number) {
    this.topic = topic
    this.partition = partition
    this.offset = offset
  }

  /** True while a read for the current position is under way (one for an old position doesn't count). */
  get busy(): boolean {
    return this.busyGeneration === this.generation
  }

  get key(): string {
    return partitionKey(this.topic, this.partition)
  }

  /** Moves the read position; everything read for the old one is stale from now on. */
  seek(offset: number): void {
    this.offset = offset
    this.generation++
    this.failed = undefined
    this.errors = 0
    this.routingErrors = 0
    this.retryAtMs = 0
  }
}

// Partition reads as the gateway makes them. When an append wakes many long polls and subscriptions
// of one partition at once, they all ask for the same bytes; identical reads in flight at the same
// time (same partition, offset and size) share one round trip to the partition's thread and one
// result, which the answers only read (encodeFrame copies it into each frame).
import type { FetchResult } from '../partition/messages.js'
import type { PartitionManager } from '../partition/partition-manager.js'

export class PartitionReads {
  readonly #inFlight = new Map<string, Promise<FetchResult>>()

  constructor(private readonly partitions: PartitionManager) {}

  fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<FetchResult> {
    const key = `${topic}\u0000${partition}\u0000${offset}\u0000${maxBytes}`
    const pending = this.#inFlight.get(key)
    if (pending !== undefined) return pending
    const read = this.partitions.fetch(topic, partition, offset, maxBytes)
    this.#inFlight.set(key, read)
    const forget = (): void => { this.#inFlight.delete(key) }
    read.then(forget, forget)
    return read
  }
}

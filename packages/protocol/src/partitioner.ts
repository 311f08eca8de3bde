// Kafka's default partitioner, so that faecie and Kafka clients put a key on the same partition:
//
// - a record with a key goes to (murmur2(keyBytes) & 0x7fffffff) % numPartitions, where a string
//   key's bytes are its UTF-8;
// - a record without a key goes to the topic's sticky partition, which stays the same until the
//   producer says the batch it was filling is complete (nextBatch), then moves to another partition
//   at random (Kafka's StickyPartitionCache, KIP-480): keyless records fill whole batches instead of
//   spreading one record to each partition.
//
// The random source is a constructor argument so that tests can replay a sequence.
import { murmur2 } from './murmur2.js'
import { utf8BytesMax, writeUtf8 } from './utf8.js'

let scratch = new Uint8Array(256)

/** The bytes of a key; a string is written into a reused buffer, so this allocates only to grow it. */
function keyBytes(key: Uint8Array | string): Uint8Array {
  if (typeof key !== 'string') return key
  const bytesMax = utf8BytesMax(key)
  if (bytesMax > scratch.length) scratch = new Uint8Array(Math.max(bytesMax, scratch.length * 2))
  return scratch.subarray(0, writeUtf8(scratch, 0, key))
}

function checkPartitions(numPartitions: number): void {
  if (!Number.isSafeInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, not ${numPartitions}`)
  }
}

/** The partition Kafka's default partitioner picks for a key. */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  checkPartitions(numPartitions)
  return (murmur2(keyBytes(key)) & 0x7fffffff) % numPartitions
}

export interface StickyPartitionerOptions {
  /** Uniform in [0, 1), like Math.random (the default). */
  random?: () => number
}

/** The sticky partition per topic for records without a key. */
export class StickyPartitioner {
  private readonly random: () => number
  private readonly current = new Map<string, number>()

  constructor(options: StickyPartitionerOptions = {}) {
    this.random = options.random ?? Math.random
  }

  /** The topic's sticky partition, chosen at random on first use or when the count shrank below it. */
  partition(topic: string, numPartitions: number): number {
    checkPartitions(numPartitions)
    const partition = this.current.get(topic)
    if (partition !== undefined && partition < numPartitions) return partition
    return this.choose(topic, numPartitions, -1)
  }

  /**
   * Says that the batch being filled for the topic's sticky partition is complete; the next keyless
   * record goes to another partition (chosen uniformly among the others). Returns that partition.
   */
  nextBatch(topic: string, numPartitions: number): number {
    checkPartitions(numPartitions)
    return this.choose(topic, numPartitions, this.current.get(topic) ?? -1)
  }

  private choose(topic: string, numPartitions: number, previous: number): number {
    let partition: number
    if (previous < 0 || previous >= numPartitions || numPartitions === 1) {
      partition = Math.floor(this.random() * numPartitions)
    } else {
      // Pick among the other numPartitions - 1 partitions, skipping over the previous one.
      partition = Math.floor(this.random() * (numPartitions - 1))
      if (partition >= previous) partition++
    }
    // Guard against a random source that returns 1 (or more) so the result stays in range.
    partition = Math.min(Math.max(partition, 0), numPartitions - 1)
    this.current.set(topic, partition)
    return partition
  }
}

/** Kafka's default partitioner: murmur2 for keys, sticky for records without one. */
export class DefaultPartitioner {
  private readonly sticky: StickyPartitioner

  constructor(options: StickyPartitionerOptions = {}) {
    this.sticky = new StickyPartitioner(options)
  }

  partition(topic: string, key: Uint8Array | string | null | undefined, numPartitions: number): number {
    if (key === null || key === undefined) return this.sticky.partition(topic, numPartitions)
    return partitionForKey(key, numPartitions)
  }

  /** The batch for the topic's sticky partition is complete (see StickyPartitioner.nextBatch). */
  nextBatch(topic: string, numPartitions: number): number {
    return this.sticky.nextBatch(topic, numPartitions)
  }
}

// What a partition actor (partition-actor.ts) is given and how it answers: its options (storage,
// clock, snapshot store, limits, the host's callbacks), the snapshot store it writes producer state
// to, and the envelope each request arrives in with the function that delivers its reply.
import type { PartitionLog } from '../storage/log.js'
import type { Logger } from '../log.js'
import type { PartitionConfig, PartitionReply, PartitionRequest } from './messages.js'
import type { IsrProposal } from './replica-state.js'

/** Where the producer-state snapshot lives; the host backs it with the partition's directory. */
export interface SnapshotStore {
  read(): string | undefined
  write(text: string): void
}

/** Delivers one reply; `transfer` lists buffers the reply gives away (their owner moves with it). */
export type ReplyFn = (reply: PartitionReply, transfer?: ArrayBuffer) => void

export interface Envelope {
  request: PartitionRequest
  reply: ReplyFn
}

export interface ActorOptions {
  log: PartitionLog
  snapshots: SnapshotStore
  config: PartitionConfig
  clock: () => number
  logger: Logger
  /** Batches remembered per producer for duplicate detection (Kafka keeps 5; we allow 16 in flight). */
  producerBatchesRemembered?: number
  /** How often producers past `producer.id.expiration.ms` are forgotten (Kafka's producer.id.expiration.check.interval.ms). */
  producerIdExpirationCheckMs?: number
  /** Write a producer-state snapshot after this many bytes appended since the last one. */
  snapshotIntervalBytes?: number
  /** Largest staging buffer kept between ticks; larger ticks allocate and drop theirs. */
  stagingBytesKept?: number
  /**
   * fdatasync of files off this thread. Given, flush `always` is pipelined (pipelined-commit.ts);
   * absent, each tick syncs before answering, on this thread.
   */
  syncFiles?: (paths: readonly string[]) => Promise<void>
  /** Called after a pipelined sync completed and its acknowledgements went out. */
  onSettled?: () => void
  /**
   * Opens the partition's log again, through recovery: how a partition whose disk refused a write
   * resumes writing once it heals. Without it, a degraded partition stays read-only until restarted.
   */
  reopenLog?: (config: PartitionConfig) => PartitionLog
  /** Backoff between attempts to resume writing after a disk fault (storage-fault.ts). */
  storageRetryMinMs?: number
  storageRetryMaxMs?: number
  /** A leader proposes an ISR change (the host posts it as FromWorker `isrChange`). */
  onIsrChange?: (proposal: IsrProposal) => void
}

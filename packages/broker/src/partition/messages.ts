// The messages between the partition manager (main thread) and the actor hosts (worker threads).
// Every buffer that crosses is an ArrayBuffer its sender owns whole and transfers (DESIGN.md section
// 2): views into memory shared with later frames never cross.
import type { CleanerResult } from '../storage/cleaner.js'
import type { DamageRange } from '../storage/damage.js'
import type { LogConfig, TimestampType } from '../storage/log-api.js'
import type { CompactionOutcome, CompactionPlan } from '../storage/log.js'

/** A partition's settings: its log's plus what the actor checks on produce. */
export interface PartitionConfig extends LogConfig {
  /** `max.message.bytes`: the largest batch accepted, in bytes. */
  maxMessageBytes: number
  /** `message.timestamp.type`: under LogAppendTime the broker stamps each batch. */
  timestampType: TimestampType
  /**
   * `producer.id.expiration.ms`: an idempotent producer is forgotten this long after its last append.
   * Default DEFAULT_PRODUCER_ID_EXPIRATION_MS (1 day); optional so that older configs still work.
   */
  producerIdExpirationMs?: number
}

/** A leader's view of its partition, from etcd's partition state (cluster/metadata-store.ts PartitionState). */
export interface LeaderRole {
  /** This broker's id (the leader's own entry in the ISR). */
  brokerId: number
  leaderEpoch: number
  partitionEpoch: number
  isr: number[]
  replicas: number[]
  /** `min.insync.replicas` of the topic: acks=all needs this many in the ISR. */
  minInsyncReplicas: number
  /** A follower not caught up for this long leaves the ISR (Kafka's replica.lag.time.max.ms). */
  replicaLagTimeMaxMs: number
  /** How long an acks=all answer waits for the high watermark before REQUEST_TIMED_OUT. */
  ackTimeoutMs: number
  /** Replicas the leader must not add to the ISR (brokers in controlled shutdown); absent: none. */
  isrIneligible?: number[]
}

/** Identifies a partition everywhere: `${topic}-${partition}`, which is also its directory name. */
export type PartitionKey = string

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}-${partition}`
}

/** The acks a producer asked for: 0 none, 1 the leader, -1 ("all") the in-sync replicas. */
export type Acks = 0 | 1 | -1

export type PartitionRequest =
  | { op: 'produce'; bytes: Uint8Array; acks: Acks }
  /** `isolation` 'logEnd': up to the log end, not the high watermark (a group coordinator's load: cluster/offsets-partition-host.ts). */
  | { op: 'fetch'; offset: number; maxBytes: number; isolation?: 'logEnd' }
  | { op: 'listOffsets'; spec: 'earliest' | 'latest' | { timestamp: number } }
  | { op: 'status' }
  | { op: 'truncate'; offset: number }
  | { op: 'retention' }
  | { op: 'updateConfig'; config: Partial<PartitionConfig> }
  /** Compaction, step 1: what the cleaner may rewrite (null: nothing, or not dirty enough unless `force`). */
  | { op: 'compactPlan'; force: boolean }
  /** Compaction, step 2: the cleaner's output, swapped in by the actor. */
  | { op: 'compactSwap'; result: CleanerResult }
  /** The background check found closed segment `baseOffset` bad: scan it, record what it lost. */
  | { op: 'checkSegment'; baseOffset: number }
  /** An operator's repair: the log start moves past the damage (storage/log.ts repairDamage). */
  | { op: 'repair' }
  /** Kafka's DeleteRecords: the log start moves to `offset` (-1: the high watermark) (storage/log.ts deleteRecordsBefore). */
  | { op: 'deleteRecords'; offset: number }
  // Replication (cluster mode, docs/cluster.md "Replication"). A partition opened without ever
  // receiving becomeLeader/becomeFollower is a single broker's: it leads alone, as before.
  /**
   * This broker leads the partition at `leaderEpoch` (>= any epoch it had): produced batches are
   * stamped with it, the leader-epoch checkpoint gains (leaderEpoch, log end offset), followers'
   * fetches are served, the high watermark becomes the lowest log end offset of the (maximal) ISR,
   * and acks=all answers wait for it. Sent again with the same epoch when only isr or
   * partitionEpoch changed.
   */
  | { op: 'becomeLeader'; role: LeaderRole }
  /**
   * This broker follows `leader` (-1: none yet) at `leaderEpoch`: produce and consumer fetches are
   * refused with NOT_LEADER_OR_FOLLOWER, acks=all answers held are failed with it, and the log takes
   * batches only through appendReplica.
   */
  | { op: 'becomeFollower'; leader: number; leaderEpoch: number }
  /**
   * Leader: a follower's fetch at its log end offset `fetchOffset` (see protocol replica-fetch.ts).
   * A fetchOffset below the leader's log start (retention or DeleteRecords moved it) is answered,
   * not refused: empty bytes and the leader's logStartOffset (> fetchOffset), which tells the
   * follower to resetReplica there. Past the leader's log end: OFFSET_OUT_OF_RANGE.
   */
  | { op: 'replicaFetch'; replicaId: number; fetchOffset: number; leaderEpoch: number; maxBytes: number }
  /** Leader (or any replica): where `leaderEpoch` ends in this log (protocol offsets-for-leader-epoch.ts). */
  | { op: 'offsetsForLeaderEpoch'; leaderEpoch: number; currentLeaderEpoch: number | null }
  /**
   * Follower: batches fetched from the leader, appended with their offsets and partitionLeaderEpoch
   * as they are (the first must start at the log end offset); producer state and the leader-epoch
   * checkpoint follow them; under flush `always` they are fsynced before the answer. The high
   * watermark becomes min(leaderHighWatermark, log end offset); the log start follows the leader's.
   */
  | { op: 'appendReplica'; bytes: Uint8Array; leaderEpoch: number; leaderHighWatermark: number; leaderLogStartOffset: number }
  /** Follower: cut the log back to `offset` (divergent tail after offsetsForLeaderEpoch); epochs and producer state follow. */
  | { op: 'truncateReplica'; offset: number }
  /**
   * Follower: its leader's log starts at `logStartOffset`, past this log's end (a replicaFetch
   * answered with empty bytes and logStartOffset > fetchOffset): the log, the leader-epoch cache and
   * producer state are emptied and the log restarts at that offset (Kafka's truncateFullyAndStartAt).
   * Nothing happens when `logStartOffset` is at or below the log end (a repeated reset).
   */
  | { op: 'resetReplica'; logStartOffset: number }

export interface PartitionOffsets {
  logStartOffset: number
  highWatermark: number
  logEndOffset: number
  sizeBytes: number
  segmentCount: number
  /** Offsets the log lost (storage/damage.ts); absent when it lost none. */
  damage?: DamageRange[]
}

export interface ProduceResult {
  baseOffset: number
  lastOffset: number
  /** The broker's append time under LogAppendTime, -1 under CreateTime (as Kafka answers). */
  logAppendTime: number
  logStartOffset: number
  /** True when the batch was a retry of one already stored: the offsets are the original ones. */
  duplicate: boolean
}

export interface FetchResult {
  /** Whole batches back to back, from the one holding the offset asked for; may be empty. */
  bytes: Uint8Array
  logStartOffset: number
  highWatermark: number
  logEndOffset: number
}

export interface ReplicaFetchResult {
  /** Whole batches from fetchOffset up to the log end, as stored. */
  bytes: Uint8Array
  highWatermark: number
  logStartOffset: number
  logEndOffset: number
  leaderEpoch: number
}

export interface OffsetsForLeaderEpochResult {
  /** The largest epoch <= the one asked for that this log has, or -1. */
  leaderEpoch: number
  /** Where it ends (exclusive), or -1. */
  endOffset: number
}

export interface ReplicaRoleResult extends PartitionOffsets {
  /** The latest epoch in this log's leader-epoch checkpoint (-1: none), what a follower asks about. */
  latestEpoch: number
}

export interface AppendReplicaResult {
  logEndOffset: number
  /** The offset up to which the log is durable under its flush policy (what the follower reports). */
  stableEndOffset: number
  highWatermark: number
  logStartOffset: number
}

export interface ListOffsetsResult {
  /** -1 when no record has a timestamp at or after the one asked for. */
  offset: number
}

export interface PartitionResultByOp {
  produce: ProduceResult
  fetch: FetchResult
  listOffsets: ListOffsetsResult
  status: PartitionOffsets
  truncate: PartitionOffsets
  retention: PartitionOffsets & { segmentsDeleted: number }
  updateConfig: PartitionOffsets
  compactPlan: CompactionPlan | null
  compactSwap: PartitionOffsets & CompactionOutcome
  checkSegment: PartitionOffsets
  repair: PartitionOffsets & { offsetsSkipped: number; segmentsDeleted: number }
  deleteRecords: PartitionOffsets & { segmentsDeleted: number }
  becomeLeader: ReplicaRoleResult
  becomeFollower: ReplicaRoleResult
  replicaFetch: ReplicaFetchResult
  offsetsForLeaderEpoch: OffsetsForLeaderEpochResult
  appendReplica: AppendReplicaResult
  truncateReplica: ReplicaRoleResult
  resetReplica: ReplicaRoleResult
}

export interface WireError {
  code: number
  message: string
}

export type PartitionReply = { ok: true; value: unknown } | { ok: false; error: WireError }

export interface ReplyItem {
  requestId: number
  reply: PartitionReply
  /** The produced buffer, given back to the manager's pool. */
  returned?: ArrayBuffer
}

/**
 * One partition's offsets after a tick: [key, logStartOffset, highWatermark, logEndOffset], and for
 * a partition with a live tail whose high watermark moved by at most its bytesMax, the bytes that
 * became readable, exactly the whole batches of [previous high watermark, highWatermark), in a buffer
 * of their own (transferred with the message), preceded by that previous high watermark.
 */
export type AdvancedUpdate =
  | [PartitionKey, number, number, number]
  | [PartitionKey, number, number, number, number, Uint8Array]

/** Main thread -> worker. */
export type ToWorker =
  | { type: 'open'; key: PartitionKey; dir: string; config: PartitionConfig }
  | { type: 'close'; key: PartitionKey; requestId: number }
  | { type: 'delete'; key: PartitionKey; requestId: number }
  | { type: 'request'; key: PartitionKey; requestId: number; request: PartitionRequest }
  | { type: 'crash'; reason: string }
  /** Close every partition cleanly, answer `shutdownDone`, and let the thread end. */
  | { type: 'shutdown' }
  /**
   * The gateway has live subscriptions on the partition (gateway/live-tail.ts): while `bytesMax` > 0,
   * each `advanced` that moves its high watermark by at most that many bytes carries them (0: off).
   */
  | { type: 'liveTail'; key: PartitionKey; bytesMax: number }

/** Worker -> main thread. */
export type FromWorker =
  /** `cleanStart` is false when opening ran crash recovery: its closed segments deserve a check. */
  | { type: 'opened'; key: PartitionKey; offsets: PartitionOffsets; cleanStart: boolean }
  | { type: 'openFailed'; key: PartitionKey; error: WireError }
  | { type: 'reply'; requestId: number; reply: PartitionReply; returned?: ArrayBuffer }
  /** Every answer of one tick in one message: one postMessage per tick rather than per request. */
  | { type: 'replies'; replies: ReplyItem[] }
  | { type: 'shutdownDone' }
  /** Offsets that moved during the last tick, one entry per partition: feeds long polls and pushes. */
  | { type: 'advanced'; updates: AdvancedUpdate[] }
  /**
   * A partition's disk started or stopped refusing writes (partition/storage-fault.ts): `error` is
   * null once it writes again; `errors` counts the refusals since the last report.
   */
  | { type: 'storage'; key: PartitionKey; error: { cause: string; sinceMs: number } | null; errors: number }
  /**
   * A leader wants its ISR changed (a follower fell behind for replicaLagTimeMaxMs, or caught up):
   * the main thread writes `proposedIsr` to etcd by compare-and-swap, and the next becomeLeader
   * brings the result. Until then the actor counts the larger of the old and the proposed ISR
   * (KIP-497's maximal ISR). `partitionEpoch` is the one the proposal is based on.
   */
  | { type: 'isrChange'; key: PartitionKey; leaderEpoch: number; partitionEpoch: number; proposedIsr: number[]; reason: 'shrink' | 'expand' }
  /** fdatasync durations (seconds) since the last report, about once a second (metrics/fsync-timing.ts). */
  | { type: 'fsyncs'; seconds: number[]; dropped: number }

// Op `offsetsForLeaderEpoch` (Kafka's OffsetsForLeaderEpoch, KIP-101 / KIP-279): before a follower
// fetches from a leader, it asks, per partition, where its own latest epoch ends in the leader's log.
// The leader answers with the largest epoch it has that is <= the one asked for, and that epoch's end
// offset (the start offset of the next epoch it knows, or its log end offset for its current epoch);
// the follower truncates to the smaller of that offset and its own end of that epoch, so that no
// divergent tail survives. An epoch older than every epoch the leader knows gets leaderEpoch -1 and
// endOffset -1 (the follower then truncates to the leader's log start). Broker sessions only, as
// `replicaFetch`; `currentLeaderEpoch` is checked as replicaFetch checks `leaderEpoch`.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { PARTITION_RANGE, parseOp } from './fields.js'

/** The answer for an epoch the leader has nothing at or below. */
export const UNDEFINED_EPOCH = -1
export const UNDEFINED_EPOCH_OFFSET = -1

export interface OffsetsForLeaderEpochPartitionSpec {
  topic: string
  partition: number
  /** The epoch the follower believes current (fencing, as replicaFetch's leaderEpoch). */
  currentLeaderEpoch: number
  /** The follower's latest epoch in its own log. */
  leaderEpoch: number
}

export interface OffsetsForLeaderEpochRequest {
  brokerId: number
  partitions: OffsetsForLeaderEpochPartitionSpec[]
}

export interface OffsetsForLeaderEpochPartitionResult {
  topic: string
  partition: number
  /** The largest epoch <= the one asked for, or UNDEFINED_EPOCH. */
  leaderEpoch: number
  /** Where that epoch ends in the leader's log (exclusive), or UNDEFINED_EPOCH_OFFSET. */
  endOffset: number
  error?: WireError
}

export interface OffsetsForLeaderEpochResponse {
  partitions: OffsetsForLeaderEpochPartitionResult[]
}

export function parseOffsetsForLeaderEpochRequest(frame: RequestFrame): Parsed<OffsetsForLeaderEpochRequest> {
  return parseOp(frame, (f) => ({
    brokerId: f.int('brokerId', { min: 0 }),
    partitions: f.maps('partitions', (p) => ({
      topic: p.str('topic'),
      partition: p.int('partition', PARTITION_RANGE),
      currentLeaderEpoch: p.int('currentLeaderEpoch', { min: 0 }),
      leaderEpoch: p.int('leaderEpoch', { min: UNDEFINED_EPOCH }),
    })),
  }))
}

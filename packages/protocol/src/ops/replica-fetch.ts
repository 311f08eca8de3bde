// Op `replicaFetch`: a follower broker fetches the batches of the partitions it follows from their
// leader (DESIGN.md section 7, docs/cluster.md "Replication"). Accepted only on a session whose
// `hello` named a broker of the same cluster (CLUSTER_AUTHORIZATION_FAILED otherwise). One request
// carries every partition the follower follows on this leader; `fetchOffset` is the follower's log
// end offset, which is how the leader learns how far each follower has come (the high watermark is
// the lowest log end offset of the in-sync replicas). Like `fetch`, it is a long poll: the leader
// waits up to maxWaitMs for minBytes of new data. Unlike `fetch`, it reads up to the log end, not the
// high watermark, and checks the follower's `leaderEpoch` against its own: an older one gets
// FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH, and a broker that does not lead the
// partition NOT_LEADER_OR_FOLLOWER.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { BYTES_RANGE, MILLIS_RANGE, OFFSET_RANGE, PARTITION_RANGE, parseOp } from './fields.js'

export interface ReplicaFetchPartitionSpec {
  topic: string
  partition: number
  /** The follower's log end offset: the next offset it wants. */
  fetchOffset: number
  /** The leader epoch the follower believes current. */
  leaderEpoch: number
}

export interface ReplicaFetchRequest {
  /** The follower's broker id (checked against the session's hello). */
  brokerId: number
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  partitions: ReplicaFetchPartitionSpec[]
}

export interface ReplicaFetchPartitionResult {
  topic: string
  partition: number
  /** Whole batches from fetchOffset, as stored (offsets and partitionLeaderEpoch kept); may be empty. */
  records: Uint8Array
  highWatermark: number
  logStartOffset: number
  logEndOffset: number
  /** The leader's current epoch for the partition. */
  leaderEpoch: number
  error?: WireError
}

export interface ReplicaFetchResponse {
  partitions: ReplicaFetchPartitionResult[]
}

export function parseReplicaFetchRequest(frame: RequestFrame): Parsed<ReplicaFetchRequest> {
  return parseOp(frame, (f) => ({
    brokerId: f.int('brokerId', { min: 0 }),
    maxWaitMs: f.int('maxWaitMs', MILLIS_RANGE),
    minBytes: f.int('minBytes', BYTES_RANGE),
    maxBytes: f.int('maxBytes', BYTES_RANGE),
    partitions: f.maps('partitions', (p) => ({
      topic: p.str('topic'),
      partition: p.int('partition', PARTITION_RANGE),
      fetchOffset: p.int('fetchOffset', OFFSET_RANGE),
      leaderEpoch: p.int('leaderEpoch', { min: 0 }),
    })),
  }))
}

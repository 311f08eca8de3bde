// Op `alterPartitionReassignments` (Kafka's AlterPartitionReassignments, KIP-455): moves partitions
// to new replica lists, or cancels a move in progress (replicas nil). Answered when the controller
// has recorded each move (not when the data has moved: listPartitionReassignments watches that).
// A move adds the new replicas, waits for them to join the ISR, then drops the old ones; while it
// runs, the followers it adds fetch under the cluster's replication throttle (bytes/s, shared by
// every throttled replica of one broker; `throttleBytesPerSec` sets it, 0 removes it). Each
// partition is answered on its own: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT (an
// unknown or repeated broker, an empty list), NO_REASSIGNMENT_IN_PROGRESS (a cancel with nothing
// to cancel). An empty `partitions` with a throttle only sets (or, with 0, removes) the throttle. Sent to a broker that is not the controller: forwarded to it, or NOT_CONTROLLER.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { INT32_MAX, parseOp, PARTITION_RANGE } from './fields.js'

/** Brokers a replica list may name at most. */
export const REPLICAS_PER_PARTITION_MAX = 64

export interface PartitionReassignmentSpec {
  topic: string
  partition: number
  /** The target replicas, the preferred leader first; null cancels the move in progress. */
  replicas: number[] | null
}

export interface AlterPartitionReassignmentsRequest {
  partitions: PartitionReassignmentSpec[]
  /** Replication throttle for moving replicas, bytes/s per broker; 0 removes it; absent leaves it. */
  throttleBytesPerSec?: number
}

export interface AlterPartitionReassignmentsResponse {
  partitions: { topic: string; partition: number; error?: WireError }[]
}

export function parseAlterPartitionReassignmentsRequest(frame: RequestFrame): Parsed<AlterPartitionReassignmentsRequest> {
  return parseOp(frame, (f) => {
    const request: AlterPartitionReassignmentsRequest = {
      partitions: f.maps('partitions', (p) => ({
        topic: p.str('topic'),
        partition: p.int('partition', PARTITION_RANGE),
        replicas: p.has('replicas') ? p.ints('replicas', { min: 0, max: INT32_MAX }, REPLICAS_PER_PARTITION_MAX) : null,
      }), { allowEmpty: true }),
    }
    const throttle = f.optionalInt('throttleBytesPerSec', { min: 0, max: Number.MAX_SAFE_INTEGER })
    if (throttle !== undefined) request.throttleBytesPerSec = throttle
    return request
  })
}

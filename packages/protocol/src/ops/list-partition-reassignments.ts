// Op `listPartitionReassignments` (Kafka's ListPartitionReassignments): the moves in progress, each
// with its replicas now (the union of old and new while it runs), those being added and removed,
// and the ISR and leader, so a watcher sees a move progress; and the replication throttle in force.
// Answered by any broker from the cluster state it sees; a single broker has none.
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface ListPartitionReassignmentsRequest {
  /** Only these topics; absent: all. */
  topics?: string[]
}

export interface OngoingReassignment {
  topic: string
  partition: number
  /** The replicas now: the target first, then those being removed. */
  replicas: number[]
  /** The target's brokers that were not replicas before the move. */
  addingReplicas: number[]
  /** The replicas of before that the target drops. */
  removingReplicas: number[]
  isr: number[]
  leader: number
}

export interface ListPartitionReassignmentsResponse {
  reassignments: OngoingReassignment[]
  /** The replication throttle for moving replicas, bytes/s per broker; null: none. */
  throttleBytesPerSec: number | null
}

export function parseListPartitionReassignmentsRequest(frame: RequestFrame): Parsed<ListPartitionReassignmentsRequest> {
  return parseOp(frame, (f) => {
    const topics = f.optionalStrings('topics')
    return topics === undefined ? {} : { topics }
  })
}

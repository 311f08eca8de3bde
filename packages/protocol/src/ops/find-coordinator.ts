// Op `findCoordinator`: which broker coordinates a consumer group. In a cluster a group's
// coordinator is the leader of `__consumer_offsets` partition hash(groupId) % its partition count
// (Java's String.hashCode, as Kafka: the same group maps to the same partition). The first ask in a
// cluster creates that internal topic. While its partition has no leader, or the topic is being made:
// COORDINATOR_NOT_AVAILABLE (retriable: ask again after a backoff). A single broker coordinates every
// group itself (partition 0). Group ops sent to another broker answer NOT_COORDINATOR; a coordinator
// still replaying its partition answers COORDINATOR_LOAD_IN_PROGRESS.
import type { Parsed, RequestFrame } from '../frame.js'
import { invalidField, parseOp } from './fields.js'

export interface FindCoordinatorRequest {
  /** The group id. */
  key: string
  /** Only 'group' (Kafka's transaction coordinators are not in faecie). Default 'group'. */
  keyType?: 'group'
}

export interface FindCoordinatorResponse {
  key: string
  brokerId: number
  /** ws://HOST:PORT of the coordinator, as clients reach it. */
  url: string
  /** The `__consumer_offsets` partition that holds the group. */
  partition: number
}

export function parseFindCoordinatorRequest(frame: RequestFrame): Parsed<FindCoordinatorRequest> {
  return parseOp(frame, (f) => {
    const request: FindCoordinatorRequest = { key: f.str('key') }
    const keyType = f.optionalStr('keyType')
    if (keyType !== undefined) {
      if (keyType !== 'group') throw invalidField('keyType', "'group'", keyType)
      request.keyType = keyType
    }
    return request
  })
}

/** Java's String.hashCode over UTF-16 code units, as Kafka computes a group's partition. */
export function javaStringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** The `__consumer_offsets` partition of a group: Kafka's Utils.abs(groupId.hashCode) % partitions. */
export function groupPartition(groupId: string, partitions: number): number {
  const h = javaStringHash(groupId)
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions
}

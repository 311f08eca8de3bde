// Op `metadata`: the brokers, and for each topic its id and partitions with their leaders. Clients
// read partition counts from here to partition records, and, in a cluster, which broker leads each
// partition: produce, fetch, listOffsets and subscribe go to the leader (others answer
// NOT_LEADER_OR_FOLLOWER). A single broker names itself as every partition's leader, with
// replicas and isr [itself] and leaderEpoch 0. A partition with no live in-sync replica has leader
// -1 and the error LEADER_NOT_AVAILABLE.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface MetadataRequest {
  /** The topics to describe; absent: every topic except internal ones. */
  topics?: string[]
}

export interface MetadataBroker {
  brokerId: number
  /** ws://HOST:PORT, as clients reach it. */
  url: string
  rack?: string | null
}

export interface MetadataPartition {
  partition: number
  /** The broker id of the partition's leader; -1 when it has none (see error). */
  leader: number
  /** The leader's epoch: it grows with every change of leader. */
  leaderEpoch?: number
  /** The brokers holding a replica, the preferred leader first. */
  replicas?: number[]
  /** The in-sync replicas. */
  isr?: number[]
  /** LEADER_NOT_AVAILABLE while the partition has no leader. */
  error?: WireError
}

export interface MetadataTopic {
  topic: string
  topicId: string
  internal: boolean
  partitions: MetadataPartition[]
  /** Set for a requested topic that does not exist (UNKNOWN_TOPIC_OR_PARTITION). */
  error?: WireError
}

export interface MetadataResponse {
  brokers: MetadataBroker[]
  topics: MetadataTopic[]
  /** The controller's broker id (-1: none elected yet); absent from brokers before the cluster. */
  controllerId?: number
  clusterId?: string
}

export function parseMetadataRequest(frame: RequestFrame): Parsed<MetadataRequest> {
  return parseOp(frame, (f) => {
    const topics = f.optionalStrings('topics')
    return topics === undefined ? {} : { topics }
  })
}

// Op `metadata`: the brokers, and for each topic its id and partitions with their leaders. Clients
// read partition counts from here to partition records.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface MetadataRequest {
  /** The topics to describe; absent: every topic except internal ones. */
  topics?: string[]
}

export interface MetadataBroker {
  brokerId: number
  url: string
}

export interface MetadataPartition {
  partition: number
  /** The broker id of the partition's leader. */
  leader: number
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
}

export function parseMetadataRequest(frame: RequestFrame): Parsed<MetadataRequest> {
  return parseOp(frame, (f) => {
    const topics = f.optionalStrings('topics')
    return topics === undefined ? {} : { topics }
  })
}

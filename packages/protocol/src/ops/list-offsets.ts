// Op `listOffsets`: per partition, the earliest offset (timestamp -2), the latest (-1: the high
// watermark, where the next record will go), or the first offset whose batch's timestamp is at or
// after a time in milliseconds (-1 when there is none).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { PARTITION_RANGE, parseOp } from './fields.js'

/** The special timestamps, as in Kafka's ListOffsets. */
export const EARLIEST_TIMESTAMP = -2
export const LATEST_TIMESTAMP = -1

export interface ListOffsetsPartitionSpec {
  partition: number
  /** EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, or milliseconds since the epoch. */
  timestamp: number
}

export interface ListOffsetsTopicSpec {
  topic: string
  partitions: ListOffsetsPartitionSpec[]
}

export interface ListOffsetsRequest {
  topics: ListOffsetsTopicSpec[]
}

export interface ListOffsetsPartitionResult {
  partition: number
  /** -1 when no record is at or after the timestamp. */
  offset: number
  error?: WireError
}

export interface ListOffsetsTopicResult {
  topic: string
  partitions: ListOffsetsPartitionResult[]
}

export interface ListOffsetsResponse {
  topics: ListOffsetsTopicResult[]
}

export function parseListOffsetsRequest(frame: RequestFrame): Parsed<ListOffsetsRequest> {
  return parseOp(frame, (f) => ({
    topics: f.maps('topics', (t) => ({
      topic: t.str('topic'),
      partitions: t.maps('partitions', (p) => ({
        partition: p.int('partition', PARTITION_RANGE),
        timestamp: p.int('timestamp', { min: EARLIEST_TIMESTAMP }),
      })),
    })),
  }))
}

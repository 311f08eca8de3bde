// Op `deleteRecords` (Kafka's DeleteRecords): per partition, the log start offset moves up to
// `offset` (-1: the high watermark), and the records below it are gone for good: reads below it answer
// OFFSET_OUT_OF_RANGE. Answered per partition with the new low watermark (the log start offset), as
// Kafka does. An offset past the high watermark is OFFSET_OUT_OF_RANGE; one at or below the log start
// changes nothing; a topic whose cleanup.policy is `compact` alone answers POLICY_VIOLATION.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { PARTITION_RANGE, parseOp } from './fields.js'

/** The offset that means "the high watermark": every record consumers can see is deleted. */
export const DELETE_RECORDS_TO_HIGH_WATERMARK = -1

export interface DeleteRecordsPartitionSpec {
  partition: number
  /** Records below this offset are deleted; DELETE_RECORDS_TO_HIGH_WATERMARK for all of them. */
  offset: number
}

export interface DeleteRecordsTopicSpec {
  topic: string
  partitions: DeleteRecordsPartitionSpec[]
}

export interface DeleteRecordsRequest {
  topics: DeleteRecordsTopicSpec[]
}

export interface DeleteRecordsPartitionResult {
  partition: number
  /** The log start offset after the deletion; -1 with an error. */
  lowWatermark: number
  error?: WireError
}

export interface DeleteRecordsTopicResult {
  topic: string
  partitions: DeleteRecordsPartitionResult[]
}

export interface DeleteRecordsResponse {
  topics: DeleteRecordsTopicResult[]
}

export function parseDeleteRecordsRequest(frame: RequestFrame): Parsed<DeleteRecordsRequest> {
  return parseOp(frame, (f) => ({
    topics: f.maps('topics', (t) => ({
      topic: t.str('topic'),
      partitions: t.maps('partitions', (p) => ({
        partition: p.int('partition', PARTITION_RANGE),
        offset: p.int('offset', { min: DELETE_RECORDS_TO_HIGH_WATERMARK }),
      })),
    })),
  }))
}

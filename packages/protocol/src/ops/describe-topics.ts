// Op `describeTopics`: each topic's id, full config (defaults filled in) and, per partition, its
// offsets and size on disk.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { type ConfigMap, parseOp } from './fields.js'

export interface DescribeTopicsRequest {
  topics: string[]
}

export interface DescribedPartition {
  partition: number
  logStartOffset: number
  highWatermark: number
  logEndOffset: number
  sizeBytes: number
}

export interface DescribedTopic {
  topic: string
  /** Absent (with `error` set) for a topic that does not exist. */
  topicId?: string
  config?: ConfigMap
  partitions?: DescribedPartition[]
  error?: WireError
}

export interface DescribeTopicsResponse {
  topics: DescribedTopic[]
}

export function parseDescribeTopicsRequest(frame: RequestFrame): Parsed<DescribeTopicsRequest> {
  return parseOp(frame, (f) => ({ topics: f.strings('topics') }))
}

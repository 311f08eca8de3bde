// Op `fetchOffsets`: a group's committed offsets, for the topics asked (partitions optional: all of
// the topic's) or, without `topics`, every offset the group has committed. A partition with no
// committed offset answers offset -1 (the consumer then applies its autoOffsetReset).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { invalidField, parseOp } from './fields.js'
import { readTopicPartitionsList } from './heartbeat.js'

export interface FetchOffsetsTopicSpec {
  topic: string
  /** Absent: every partition of the topic. */
  partitions?: number[]
}

export interface FetchOffsetsRequest {
  groupId: string
  /** Absent: every offset the group has committed. */
  topics?: FetchOffsetsTopicSpec[]
}

export interface FetchOffsetsPartitionResult {
  partition: number
  /** -1 when nothing is committed. */
  offset: number
  metadata: string
  /** When the offset was committed (ms since the epoch); -1 when nothing is committed. */
  commitTimestamp: number
  error?: WireError
}

export interface FetchOffsetsTopicResult {
  topic: string
  partitions: FetchOffsetsPartitionResult[]
  /** UNKNOWN_TOPIC_OR_PARTITION for a topic asked for without partitions that does not exist. */
  error?: WireError
}

export interface FetchOffsetsResponse {
  groupId: string
  topics: FetchOffsetsTopicResult[]
}

export function parseFetchOffsetsRequest(frame: RequestFrame): Parsed<FetchOffsetsRequest> {
  return parseOp(frame, (f) => {
    const request: FetchOffsetsRequest = { groupId: f.str('groupId') }
    if (!f.has('topics')) return request
    const raw = frame.topics
    if (!Array.isArray(raw)) throw invalidField('topics', 'an array', raw)
    request.topics = raw.map((item: unknown, i) => {
      const at = `topics[${i}]`
      const hasPartitions = typeof item === 'object' && item !== null && (item as Record<string, unknown>).partitions != null
      if (!hasPartitions) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(at, 'a map', item)
        const topic = (item as Record<string, unknown>).topic
        if (typeof topic !== 'string' || topic.length === 0) throw invalidField(`${at}.topic`, 'a non-empty string', topic)
        return { topic }
      }
      return readTopicPartitionsList([item], 'topics').map((t) => t)[0]!
    })
    return request
  })
}

// Op `commitOffsets`: stores a group's committed offsets (durably, in `__consumer_offsets`). A
// member of a group commits with its memberId and memberEpoch (an older epoch: STALE_MEMBER_EPOCH, a
// newer one: FENCED_MEMBER_EPOCH, an unknown member: UNKNOWN_MEMBER_ID); a commit without a member
// is allowed only while the group has no members (a "simple" consumer group). Each partition is
// answered on its own (UNKNOWN_TOPIC_OR_PARTITION for one that does not exist).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { INT32_MAX, invalidField, OFFSET_RANGE, parseOp, PARTITION_RANGE, type FieldReader } from './fields.js'

export interface CommitOffsetsPartitionSpec {
  partition: number
  /** The next offset to consume (as in Kafka: the last processed offset + 1). */
  offset: number
  metadata?: string
}

export interface CommitOffsetsTopicSpec {
  topic: string
  partitions: CommitOffsetsPartitionSpec[]
}

export interface CommitOffsetsRequest {
  groupId: string
  memberId?: string
  memberEpoch?: number
  /** A classic static member's instance id (set by the Kafka listener's OffsetCommit; not read from the WebSocket op). */
  groupInstanceId?: string
  topics: CommitOffsetsTopicSpec[]
}

export interface CommitOffsetsPartitionResult {
  partition: number
  error?: WireError
}

export interface CommitOffsetsTopicResult {
  topic: string
  partitions: CommitOffsetsPartitionResult[]
}

export interface CommitOffsetsResponse {
  topics: CommitOffsetsTopicResult[]
}

/** The most bytes of `metadata` kept with a committed offset. */
export const OFFSET_METADATA_CHARS_MAX = 4096

/** The topics/partitions/offset lists of commitOffsets and alterGroupOffsets. */
export function readOffsetTopics(f: FieldReader): CommitOffsetsTopicSpec[] {
  return f.maps('topics', (t) => ({
    topic: t.str('topic'),
    partitions: t.maps('partitions', (p) => {
      const spec: CommitOffsetsPartitionSpec = { partition: p.int('partition', PARTITION_RANGE), offset: p.int('offset', OFFSET_RANGE) }
      if (p.has('metadata')) {
        const metadata = p.str('metadata', { allowEmpty: true })
        if (metadata.length > OFFSET_METADATA_CHARS_MAX) {
          throw invalidField('metadata', `at most ${OFFSET_METADATA_CHARS_MAX} characters`, metadata)
        }
        spec.metadata = metadata
      }
      return spec
    }),
  }))
}

export function parseCommitOffsetsRequest(frame: RequestFrame): Parsed<CommitOffsetsRequest> {
  return parseOp(frame, (f) => {
    const request: CommitOffsetsRequest = { groupId: f.str('groupId'), topics: readOffsetTopics(f) }
    const memberId = f.optionalStr('memberId')
    if (memberId !== undefined) {
      request.memberId = memberId
      request.memberEpoch = f.int('memberEpoch', { min: 0, max: INT32_MAX })
    }
    return request
  })
}

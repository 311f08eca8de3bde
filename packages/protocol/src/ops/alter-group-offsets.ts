// Op `alterGroupOffsets`: sets a group's committed offsets by hand (reset-offsets), refused with
// NON_EMPTY_GROUP while the group has members. The group is created if the broker does not know it.
// Answered per partition, as commitOffsets is.
import type { Parsed, RequestFrame } from '../frame.js'
import { type CommitOffsetsResponse, type CommitOffsetsTopicSpec, readOffsetTopics } from './commit-offsets.js'
import { parseOp } from './fields.js'

export interface AlterGroupOffsetsRequest {
  groupId: string
  topics: CommitOffsetsTopicSpec[]
}

export type AlterGroupOffsetsResponse = CommitOffsetsResponse

export function parseAlterGroupOffsetsRequest(frame: RequestFrame): Parsed<AlterGroupOffsetsRequest> {
  return parseOp(frame, (f) => ({ groupId: f.str('groupId'), topics: readOffsetTopics(f) }))
}

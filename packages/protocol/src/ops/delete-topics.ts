// Op `deleteTopics`: deletes topics by name, answered per topic (UNKNOWN_TOPIC_OR_PARTITION for one
// that does not exist, INVALID_TOPIC_EXCEPTION for an internal one).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface DeleteTopicsRequest {
  topics: string[]
}

export interface DeleteTopicResult {
  topic: string
  error?: WireError
}

export interface DeleteTopicsResponse {
  topics: DeleteTopicResult[]
}

export function parseDeleteTopicsRequest(frame: RequestFrame): Parsed<DeleteTopicsRequest> {
  return parseOp(frame, (f) => ({ topics: f.strings('topics') }))
}

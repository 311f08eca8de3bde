// Op `createPartitions`: grows a topic to a new total partition count (it never shrinks: a smaller
// or equal count is INVALID_PARTITIONS, judged by the broker).
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface CreatePartitionsRequest {
  topic: string
  /** The new total number of partitions. */
  count: number
}

export interface CreatePartitionsResponse {
  topic: string
  count: number
}

export function parseCreatePartitionsRequest(frame: RequestFrame): Parsed<CreatePartitionsRequest> {
  return parseOp(frame, (f) => ({ topic: f.str('topic'), count: f.int('count') }))
}

// Op `subscribe`: live push of one partition's batches from an offset, within the byte credit the
// client grants (op `credit` tops it up). The broker answers {sub} and then pushes {sub, records,
// highWatermark} frames as batches are appended; a push spends its records' byte length. A push is
// sent only while the credit is positive and carries at least one whole batch, so the credit may go
// negative by less than one batch (a batch larger than the credit still flows, as in fetch).
// A subscription that can't go on (its offset fell below the log start, the topic was deleted) gets
// one last push {sub, error} and ends.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { BYTES_RANGE, OFFSET_RANGE, PARTITION_RANGE, parseOp } from './fields.js'

export interface SubscribeRequest {
  topic: string
  partition: number
  /** The first offset to push; out of range: OFFSET_OUT_OF_RANGE for the request. */
  offset: number
  /** The initial credit. */
  creditBytes: number
}

export interface SubscribeResponse {
  /** The subscription's number within the session, carried by every push. */
  sub: number
}

/** A push of data: whole batches, the first possibly starting below the offset asked for. */
export interface SubscriptionRecordsPush {
  sub: number
  records: Uint8Array
  highWatermark: number
  error?: undefined
}

/** The last push of a subscription that ended. */
export interface SubscriptionErrorPush {
  sub: number
  error: WireError
}

export type SubscriptionPush = SubscriptionRecordsPush | SubscriptionErrorPush

export function parseSubscribeRequest(frame: RequestFrame): Parsed<SubscribeRequest> {
  return parseOp(frame, (f) => ({
    topic: f.str('topic'),
    partition: f.int('partition', PARTITION_RANGE),
    offset: f.int('offset', OFFSET_RANGE),
    creditBytes: f.int('creditBytes', BYTES_RANGE),
  }))
}

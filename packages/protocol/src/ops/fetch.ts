// Op `fetch`: reads record batches from several partitions at once, as a long poll: the broker waits
// up to maxWaitMs until minBytes are available across the request, then answers per partition with
// whole batches from the requested offset (the first batch may start before it: the client skips
// records below the offset it asked for). At least one whole batch comes back for a partition with
// data even when it is larger than maxBytes, so a large batch can't block a consumer.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { BYTES_RANGE, MILLIS_RANGE, OFFSET_RANGE, PARTITION_RANGE, parseOp } from './fields.js'

export interface FetchPartitionSpec {
  partition: number
  offset: number
  /** This partition's share of the answer; default: the request's maxBytes. */
  maxBytes?: number
}

export interface FetchTopicSpec {
  topic: string
  partitions: FetchPartitionSpec[]
}

export interface FetchRequest {
  maxWaitMs: number
  minBytes: number
  /** The answer's total records bytes (soft: see above). */
  maxBytes: number
  topics: FetchTopicSpec[]
}

export interface FetchPartitionResult {
  partition: number
  highWatermark: number
  logStartOffset: number
  /** Whole batches back to back; empty when there is nothing new or on error. */
  records: Uint8Array
  error?: WireError
}

export interface FetchTopicResult {
  topic: string
  partitions: FetchPartitionResult[]
}

export interface FetchResponse {
  /**
   * Set (> 0) when this request took the client over a quota (security.quotas): the broker will not
   * read the session for this long, and the client should send nothing to it meanwhile (KIP-219).
   */
  throttleTimeMs?: number
  topics: FetchTopicResult[]
}

export function parseFetchRequest(frame: RequestFrame): Parsed<FetchRequest> {
  return parseOp(frame, (f) => ({
    maxWaitMs: f.int('maxWaitMs', MILLIS_RANGE),
    minBytes: f.int('minBytes', BYTES_RANGE),
    maxBytes: f.int('maxBytes', BYTES_RANGE),
    topics: f.maps('topics', (t) => ({
      topic: t.str('topic'),
      partitions: t.maps('partitions', (p) => {
        const spec: FetchPartitionSpec = { partition: p.int('partition', PARTITION_RANGE), offset: p.int('offset', OFFSET_RANGE) }
        const maxBytes = p.optionalInt('maxBytes', BYTES_RANGE)
        if (maxBytes !== undefined) spec.maxBytes = maxBytes
        return spec
      }),
    })),
  }))
}

// Op `produce`: appends record batches to partitions, several topics and partitions per request,
// answered per partition. `records` is one or more whole RecordBatch v2 batches back to back (an
// idempotent producer sends exactly one per partition); the broker checks each batch's structure
// and CRC (CORRUPT_MESSAGE) and never re-encodes it. `acks: 0` gets no answer at all.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { MILLIS_RANGE, PARTITION_RANGE, parseOp } from './fields.js'

/** 0: no answer; 1: answered once the leader appended; -1 (all): once the in-sync replicas have it. */
export type Acks = 0 | 1 | -1
export const ACKS: readonly Acks[] = [0, 1, -1]

export interface ProducePartitionData {
  partition: number
  records: Uint8Array
}

export interface ProduceTopicData {
  topic: string
  partitions: ProducePartitionData[]
}

export interface ProduceRequest {
  acks: Acks
  /** How long the broker may wait for acks before REQUEST_TIMED_OUT. */
  timeoutMs?: number
  topics: ProduceTopicData[]
}

export interface ProducePartitionResult {
  partition: number
  /** The offset of the first record appended (for a resent duplicate: of the original). -1 on error. */
  baseOffset: number
  /** The broker's timestamp under LogAppendTime, else -1. */
  logAppendTime: number
  logStartOffset: number
  error?: WireError
}

export interface ProduceTopicResult {
  topic: string
  partitions: ProducePartitionResult[]
}

export interface ProduceResponse {
  /**
   * Set (> 0) when this request took the client over a quota (security.quotas): the broker will not
   * read the session for this long, and the client should send nothing to it meanwhile (KIP-219).
   */
  throttleTimeMs?: number
  topics: ProduceTopicResult[]
}

export function parseProduceRequest(frame: RequestFrame): Parsed<ProduceRequest> {
  return parseOp(frame, (f) => {
    const request: ProduceRequest = {
      acks: f.oneOf('acks', ACKS),
      topics: f.maps('topics', (t) => ({
        topic: t.str('topic'),
        partitions: t.maps('partitions', (p) => ({ partition: p.int('partition', PARTITION_RANGE), records: p.bin('records') })),
      })),
    }
    const timeoutMs = f.optionalInt('timeoutMs', MILLIS_RANGE)
    if (timeoutMs !== undefined) request.timeoutMs = timeoutMs
    return request
  })
}

// Op `repairPartition`: moves a damaged partition's log start past the offsets it lost (the
// LOG_DAMAGED ones), so that it serves from there again. It drops data for good, so the request must
// say so: `acceptDataLoss: true`, or it is refused with INVALID_REQUEST. A partition without damage
// is left as it is (`offsetsSkipped` 0).
import type { Parsed, RequestFrame } from '../frame.js'
import { invalidField, parseOp } from './fields.js'

export interface RepairPartitionRequest {
  topic: string
  partition: number
  acceptDataLoss: true
}

export interface RepairPartitionResponse {
  topic: string
  partition: number
  /** The log start after the repair: the first offset after the last damage. */
  logStartOffset: number
  /** Offsets below it that the partition no longer serves (damaged ones, and intact ones before them). */
  offsetsSkipped: number
}

export function parseRepairPartitionRequest(frame: RequestFrame): Parsed<RepairPartitionRequest> {
  return parseOp(frame, (f) => {
    const topic = f.str('topic')
    const partition = f.int('partition', { min: 0 })
    if (f.optionalBool('acceptDataLoss') !== true) {
      throw invalidField('acceptDataLoss', 'true (a repair drops the damaged offsets and every one before them)', f.has('acceptDataLoss') ? false : undefined)
    }
    return { topic, partition, acceptDataLoss: true as const }
  })
}

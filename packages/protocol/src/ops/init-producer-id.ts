// Op `initProducerId`: gives an idempotent producer its id and epoch. The producer then numbers each
// partition's batches from 0 (baseSequence in the batch header) and the broker de-duplicates resent
// batches (DESIGN.md section 3).
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export type InitProducerIdRequest = Record<string, never>

export interface InitProducerIdResponse {
  producerId: number
  producerEpoch: number
}

export function parseInitProducerIdRequest(frame: RequestFrame): Parsed<InitProducerIdRequest> {
  return parseOp(frame, () => ({}))
}

// Op `credit`: adds byte credit to a subscription (see subscribe.ts). Credit for a subscription that
// has already ended is ignored and answered {} (the client may not have seen its last push yet).
import type { Parsed, RequestFrame } from '../frame.js'
import { BYTES_RANGE, parseOp } from './fields.js'

export interface CreditRequest {
  sub: number
  bytes: number
}

export type CreditResponse = Record<string, never>

export function parseCreditRequest(frame: RequestFrame): Parsed<CreditRequest> {
  return parseOp(frame, (f) => ({ sub: f.int('sub', { min: 0 }), bytes: f.int('bytes', BYTES_RANGE) }))
}

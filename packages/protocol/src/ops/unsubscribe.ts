// Op `unsubscribe`: ends a subscription; no push for it follows the answer. Ending one that has
// already ended is answered {} too, so the client never has to race the broker's last push.
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface UnsubscribeRequest {
  sub: number
}

export type UnsubscribeResponse = Record<string, never>

export function parseUnsubscribeRequest(frame: RequestFrame): Parsed<UnsubscribeRequest> {
  return parseOp(frame, (f) => ({ sub: f.int('sub', { min: 0 }) }))
}

// Op `saslAuthenticate`: one step of a SASL login, sent after `hello` and before any other op when
// the broker requires authentication (hello's answer says so in `auth`). SCRAM takes two steps: the
// client's first message, answered with the server's first; the client's final message, answered
// with the server's final, `done: true` and the principal the session now acts as. A failed step is
// answered SASL_AUTHENTICATION_FAILED (after a delay that grows with the failures of the client's
// address), and the exchange must start again. The messages are SCRAM's text (../scram.ts).
import type { Parsed, RequestFrame } from '../frame.js'
import { invalidField, parseOp } from './fields.js'

export interface SaslAuthenticateRequest {
  /** SCRAM-SHA-256 or SCRAM-SHA-512 (one of hello's `auth.mechanisms`); the same for both steps. */
  mechanism: string
  /** The client's SCRAM message (client-first, then client-final). */
  message: string
}

export interface SaslAuthenticateResponse {
  /** The server's SCRAM message (server-first, then server-final "v=..."). */
  message: string
  /** True after the final step: the session is logged in. */
  done: boolean
  /** The session's principal once done ("User:alice"). */
  principal?: string
}

/** SCRAM messages are short; longer is refused as INVALID_REQUEST. */
export const SASL_MESSAGE_CHARS_MAX = 4096

export function parseSaslAuthenticateRequest(frame: RequestFrame): Parsed<SaslAuthenticateRequest> {
  return parseOp(frame, (f) => {
    const request = { mechanism: f.str('mechanism'), message: f.str('message') }
    if (request.message.length > SASL_MESSAGE_CHARS_MAX) {
      throw invalidField('message', `at most ${SASL_MESSAGE_CHARS_MAX} characters`, `${request.message.length} characters`)
    }
    return request
  })
}

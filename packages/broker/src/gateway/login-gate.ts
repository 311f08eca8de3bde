// The WebSocket session's login gate, on a broker with --auth scram (session.ts calls it):
//   - any op but hello and saslAuthenticate from a session not logged in is answered
//     AUTHENTICATION_REQUIRED, and the session is closed with 4008 (nothing is read or written for it);
//   - a session not logged in within security.limits.authenticateTimeoutMs of its hello is closed
//     with 4008.
// Peer brokers' sessions (hello with the cluster's broker secret) are authenticated by that secret
// and pass (SessionHandle.authenticated). Without --auth scram every session is authenticated.
import { ErrorCode, FaecieError, type OpName } from '@faecie/protocol'
import type { GatewaySecurity } from '../security/gateway-security.js'
import type { SessionHandle } from './context.js'

/** Ops a session may send before it has logged in. */
const BEFORE_LOGIN: ReadonlySet<OpName> = new Set<OpName>(['hello', 'saslAuthenticate'])

/** AUTHENTICATION_REQUIRED for an op the session may not send yet, else undefined. */
export function loginRefusal(session: SessionHandle, security: GatewaySecurity, op: OpName): FaecieError | undefined {
  if (session.authenticated || BEFORE_LOGIN.has(op)) return undefined
  return new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, `This broker requires a login before ${op}: send saslAuthenticate ` +
    `(${security.config.saslMechanisms.join(' or ')}) after hello. The session is closed.`)
}

/** The close reason of a session refused for not having logged in. */
export const NOT_LOGGED_IN_REASON = 'authentication required: log in (saslAuthenticate) after hello'

/**
 * Starts the session's login deadline, when it must log in: `expired` is called (with the close
 * reason) if it has not logged in authenticateTimeoutMs later. Returns the timer to clear, if any.
 */
export function loginDeadline(session: SessionHandle, security: GatewaySecurity, expired: (reason: string) => void): NodeJS.Timeout | undefined {
  if (session.authenticated) return undefined
  const timeoutMs = security.config.limits.authenticateTimeoutMs
  return setTimeout(() => {
    if (!session.authenticated) expired(`no login within authenticateTimeoutMs (${timeoutMs} ms) of hello`)
  }, timeoutMs)
}

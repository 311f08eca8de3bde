// What the gateway's handlers need to know of a broker-to-broker session: which broker opened it.
// A session learns it in `hello` (gateway/ops/hello.ts) when the hello names a broker of this
// cluster; replicaFetch and offsetsForLeaderEpoch are served only on such a session, and only for
// the broker it names. Kept apart from gateway/context.ts's SessionHandle so that handle stays as it
// is: gateway/session.ts implements both, test doubles of SessionHandle need not.
import type { SessionHandle } from '../gateway/context.js'

export interface PeerSession {
  /** The broker id the session's hello named; undefined for a client's session. */
  readonly peerBrokerId: number | undefined
  /** Marks the session as having said hello as broker `brokerId`. */
  brokerHelloDone(brokerId: number, clientId: string | undefined): void
}

export function isPeerSession(session: SessionHandle): session is SessionHandle & PeerSession {
  return typeof (session as Partial<PeerSession>).brokerHelloDone === 'function'
}

/** The broker that opened the session, or undefined (a client's session, or a session that cannot tell). */
export function peerBrokerOf(session: SessionHandle): number | undefined {
  return isPeerSession(session) ? session.peerBrokerId : undefined
}

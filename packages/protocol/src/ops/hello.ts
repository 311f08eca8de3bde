// Op `hello`: the first request of every session. The client says which protocol version it speaks;
// the broker answers with the version agreed and the limits the client must keep to (DESIGN.md
// section 5: every limit is announced). Authentication arrives here later.
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface HelloRequest {
  protocolVersion: number
  /** A name for logs and metrics, like Kafka's client.id. */
  clientId?: string
  /**
   * Set by a broker opening a broker-to-broker session (replication, forwarded admin ops): its id and
   * the cluster id it belongs to. A broker not in cluster mode, or of another cluster id, answers
   * INCONSISTENT_CLUSTER_ID; one without the cluster's broker secret (kept in etcd, never told to a
   * client), CLUSTER_AUTHORIZATION_FAILED. Only such a session may send replicaFetch and
   * offsetsForLeaderEpoch.
   */
  broker?: { brokerId: number; clusterId: string; secret?: string }
}

/** The broker's limits, as announced in `hello`. */
export interface BrokerLimits {
  /** The largest frame the broker reads; a larger one closes the socket with 4001. */
  frameBytesMax: number
  /** The largest record batch (or the records of one partition in a produce) it accepts. */
  batchBytesMax: number
  /** Requests a session may have in flight; more get TOO_MANY_IN_FLIGHT. */
  inFlightMax: number
  /** Subscriptions a session may hold at once. */
  subscriptionsMax: number
  /** The longest a fetch may wait. */
  maxWaitMsMax: number
  /** Record bytes in one fetch answer or push at most (beyond the first whole batch). */
  fetchBytesMax?: number
  /** Largest size a frame's array or map may declare; a larger one closes the session with 4000. */
  frameItemsMax?: number
  /** Bytes queued for the client past which the broker stops reading its requests until it reads. */
  sessionQueuedBytesMax?: number
  /** Time from connecting to hello; a silent session is closed with 4006. */
  helloTimeoutMs?: number
  /** A session with nothing in flight and no subscription for this long is closed with 4007. */
  sessionIdleMsMax?: number
}

export interface HelloResponse {
  protocolVersion: number
  brokerId: number
  serverVersion: string
  limits: BrokerLimits
  /** The cluster id (a single broker's own). */
  clusterId?: string
  /**
   * Present when the broker requires a login: the session must send `saslAuthenticate` with one of
   * these mechanisms before any other op (anything else is answered AUTHENTICATION_REQUIRED).
   */
  auth?: { required: true; mechanisms: string[] }
}

export function parseHelloRequest(frame: RequestFrame): Parsed<HelloRequest> {
  return parseOp(frame, (f) => {
    const request: HelloRequest = { protocolVersion: f.int('protocolVersion', { min: 0 }) }
    const clientId = f.optionalStr('clientId')
    if (clientId !== undefined) request.clientId = clientId
    if (f.has('broker')) {
      request.broker = f.nested('broker', (b) => {
        const broker: NonNullable<HelloRequest['broker']> = { brokerId: b.int('brokerId', { min: 0 }), clusterId: b.str('clusterId') }
        const secret = b.optionalStr('secret')
        if (secret !== undefined) broker.secret = secret
        return broker
      })
    }
    return request
  })
}

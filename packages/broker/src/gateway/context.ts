// What an op handler may use: the broker's parts (topics, partitions, the offset watch, limits) and
// the session the request came on. Handlers are plain async functions of (request, context) that
// return the answer's fields (the session adds the id) or NO_RESPONSE (produce with acks 0); a
// FaecieError they throw becomes an error frame for the request.
import { ErrorCode, FaecieError, type OpName, type OpRequest, type OpResponse, type WireError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { BrokerMetrics } from '../metrics/broker-metrics.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { GatewaySecurity } from '../security/gateway-security.js'
import type { TopicService } from '../topics/topic-service.js'
import type { ByteBudget, Reservation } from './byte-budget.js'
import type { Limits } from './limits.js'
import type { OffsetWatch } from './offset-watch.js'
import type { OutboundBytes } from './outbound.js'
import type { PartitionReads } from './reads.js'
import type { SessionSubscriptions } from './subscriptions.js'

export interface BrokerInfo {
  brokerId: number
  /** The cluster id (meta.json): a single broker's own, or the cluster's in etcd. */
  clusterId: string
  serverVersion: string
  /** ws://HOST:PORT, as clients should reach this broker (filled in once listening). */
  url: string
  autoCreateTopics: boolean
}

/** What this broker runs for a partition in cluster mode (cluster/reconciler.ts applied it to the actor). */
export interface LocalPartitionRole {
  role: 'leader' | 'follower'
  /** The leader's broker id; -1 while the partition has none. */
  leader: number
  leaderEpoch: number
}

/**
 * The cluster as the gateway's handlers see it (cluster mode only; `Gateway.cluster` is undefined for
 * a single broker). Implemented by cluster/cluster-runtime.ts over etcd's watched state, the
 * reconciler and the peer links. Every read is synchronous, from state already in memory.
 */
export interface ClusterGateway {
  readonly clusterId: string
  readonly brokerId: number
  /** The etcd endpoints the broker coordinates through. */
  readonly etcdEndpoints: string[]
  /** Whether a broker-to-broker hello's secret is the cluster's (compared in constant time). */
  acceptsBrokerSecret(secret: string | undefined): boolean
  /** What the reconciler applied to this broker's replica of the partition; undefined: no replica here. */
  localRole(topic: string, partition: number): LocalPartitionRole | undefined
  /**
   * True only when this broker's actor leads the partition at the epoch etcd names AND the broker's
   * session is live on the monotonic clock at this instant (not a timer's flag: a broker resumed after
   * SIGSTOP must not acknowledge before its fence timer has run). Produce checks it before the append
   * and again before answering.
   */
  isLeaderNow(topic: string, partition: number): boolean
  /** The partition's state in etcd as last seen. */
  partitionState(topic: string, partition: number): { leader: number; leaderEpoch: number; partitionEpoch: number; isr: number[]; replicas: number[];
    addingReplicas?: number[]; removingReplicas?: number[] } | undefined
  /** The registered (live) brokers, by id. */
  brokers(): { brokerId: number; advertisedUrl: string; rack: string | null; kafkaAddress?: string; shuttingDown?: boolean }[]
  /** The controller's broker id, -1 while none is elected. */
  controllerId(): number
  /** A live broker's advertised URL (ws://HOST:PORT). */
  brokerUrl(brokerId: number): string | undefined
  /** An op sent to another broker of the cluster over the broker-to-broker link (answered there as from a peer). */
  requestBroker<Op extends OpName>(brokerId: number, op: Op, request: OpRequest<Op>): Promise<OpResponse<Op>>
  /** findCoordinator: the leader of the group's `__consumer_offsets` partition (made on the first ask). */
  findCoordinator(request: OpRequest<'findCoordinator'>): Promise<OpResponse<'findCoordinator'>>
  /** alterPartitionReassignments, on the controller (forwarded there when mayForward). */
  alterPartitionReassignments(request: OpRequest<'alterPartitionReassignments'>, mayForward: boolean): Promise<OpResponse<'alterPartitionReassignments'>>
  /** listPartitionReassignments, from the cluster state this broker sees. */
  listPartitionReassignments(request: OpRequest<'listPartitionReassignments'>): OpResponse<'listPartitionReassignments'>
  /** electLeaders, on the controller (forwarded there when mayForward). */
  electLeaders(request: OpRequest<'electLeaders'>, mayForward: boolean): Promise<OpResponse<'electLeaders'>>
}

export interface Gateway {
  readonly limits: Limits
  readonly topics: TopicService
  readonly partitions: PartitionManager
  readonly watch: OffsetWatch
  /** Fetches from partitions, identical reads in flight shared. */
  readonly reads: PartitionReads
  readonly broker: BrokerInfo
  readonly logger: Logger
  /** Prometheus metrics and the `stats` op's series: handlers record what they move into it. */
  readonly metrics: BrokerMetrics
  /** Bytes queued for sending on all sessions, and the broker's read budget. */
  readonly outbound: OutboundBytes
  /** True once the broker is shutting down: long polls answer at once, new requests are refused. */
  readonly draining: boolean
  /** The cluster, in cluster mode (--cluster); undefined for a single broker. */
  readonly cluster: ClusterGateway | undefined
  /** Authentication and ACLs (security/gateway-security.ts): every handler checks its request here. */
  readonly security: GatewaySecurity
}

/** What a handler sees of the session it serves. */
export interface SessionHandle {
  readonly id: number
  readonly logger: Logger
  readonly subscriptions: SessionSubscriptions
  /** Aborted when the session's socket closes: long polls and reads waiting for budget stop waiting. */
  readonly signal: AbortSignal
  /** The session's share of the read budget: reads for its answers and pushes are taken out of it first. */
  readonly readBudget: ByteBudget
  /** The broker id of a peer broker's session (its hello named a broker of this cluster); undefined for clients. */
  readonly peerBrokerId?: number | undefined
  /** True for an HTTP request's session: in a cluster its group ops are forwarded to the group's coordinator. */
  readonly overHttp?: boolean
  /**
   * Who the session acts as: "User:<name>" once logged in (SCRAM, or a verified client certificate),
   * ANONYMOUS_PRINCIPAL before that and on a broker without --auth scram (security/gateway-security.ts).
   */
  readonly principal: string
  /** The client's IP address as this broker sees it ('' when unknown): ACL hosts and the audit log. */
  readonly clientAddress: string
  /** True once the session may send ops other than hello and saslAuthenticate (always, without --auth scram). */
  readonly authenticated: boolean
  /** Marks the session as having said hello with this client id. */
  helloDone(clientId: string | undefined): void
  /** Closes the session with a 4xxx code (acks 0 produce failures surface this way). */
  close(code: number, reason: string): void
}

export interface OpContext {
  gateway: Gateway
  session: SessionHandle
  /** Keeps a reservation of the read budget until this request's answer has left (or the session closed). */
  hold(reservation: Reservation): void
}

export const NO_RESPONSE = Symbol('no response')

/** Close codes of docs/protocol.md. */
export const CloseCode = {
  protocolError: 4000,
  frameTooLarge: 4001,
  tooManySessions: 4002,
  originNotAllowed: 4003,
  shuttingDown: 4004,
  sendQueueFull: 4005,
  helloTimeout: 4006,
  idleTimeout: 4007,
  /** With --auth scram: an op before a login, or no login within authenticateTimeoutMs of hello. */
  authenticationRequired: 4008,
} as const

/** What a closed session's waits (long polls, reads waiting for budget) end with. */
export function sessionClosedError(): FaecieError {
  return new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The session closed.')
}

export type OpHandler<Op extends OpName> = (
  request: OpRequest<Op>,
  ctx: OpContext,
) => Promise<OpResponse<Op> | typeof NO_RESPONSE>

/** The wire form of any error: a FaecieError as it is, anything else UNKNOWN_SERVER_ERROR (logged). */
export function wireError(err: unknown, logger: Logger): WireError {
  if (err instanceof FaecieError) return err.toWire()
  logger.error({ err }, 'unexpected error in a request handler')
  return new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR).toWire()
}

export function unknownTopicOrPartition(topic: string, partition?: number): FaecieError {
  const what = partition === undefined ? `Topic ${topic}` : `Partition ${topic}-${partition}`
  return new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${what} does not exist on this broker.`)
}

/**
 * Cluster mode: NOT_LEADER_OR_FOLLOWER unless this broker leads the partition at this instant
 * (ClusterGateway.isLeaderNow); undefined when it does. A single broker leads every partition.
 */
export function notLeaderError(gateway: Gateway, topic: string, partition: number): FaecieError | undefined {
  const { cluster } = gateway
  if (cluster === undefined || cluster.isLeaderNow(topic, partition)) return undefined
  const leader = cluster.partitionState(topic, partition)?.leader ?? -1
  return new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `Broker ${cluster.brokerId} does not lead ${topic}-${partition}` +
    (leader >= 0 && leader !== cluster.brokerId ? `; broker ${leader} does.` : '; it has no leader here right now.'))
}

/** Whether a topic change may be forwarded to the controller: not when another broker forwarded it here. */
export function changeOptions(session: SessionHandle): { mayForward: boolean; forwardGroupOps?: boolean } {
  return { mayForward: session.peerBrokerId === undefined, ...(session.overHttp === true ? { forwardGroupOps: true } : {}) }
}

/** Refuses a request naming more topics and partitions than `requestItemsMax`. */
export function checkItemCount(count: number, limits: Limits): void {
  if (count > limits.requestItemsMax) {
    throw new FaecieError(ErrorCode.INVALID_REQUEST,
      `The request names ${count} topics and partitions; at most ${limits.requestItemsMax} (requestItemsMax).`)
  }
}

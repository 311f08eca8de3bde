// What a Kafka API handler is and what it may use. A handler maps a decoded Kafka request onto the
// same op handlers the WebSocket gateway runs (gateway/ops/*.ts: topic service, partition actors,
// coordinator) and their answer back onto Kafka's response; it adds no logic of its own beyond the
// mapping. Per-partition errors travel as Kafka error codes (faecie's table uses Kafka's numbers).
import type { AclOperation, AclResourceType, FaecieError, WireError } from '@faecie/protocol'
import type { TopicMeta } from '../../coordinator/metadata-state.js'
import type { Gateway, NO_RESPONSE, OpContext } from '../../gateway/context.js'
import type { Logger } from '../../log.js'
import type { ServedApi } from '../versions.js'
import type { KafkaReader, KafkaWriter } from '../wire.js'

export interface KafkaListenerInfo {
  brokerId: number
  clusterId: string
  /** Host and port clients are told to connect to (Metadata, DescribeCluster). */
  advertisedHost: string
  advertisedPort: number
}

export interface KafkaApiContext {
  gateway: Gateway
  /** The context the gateway's op handlers take (this connection as their session). */
  op: OpContext
  listener: KafkaListenerInfo
  served: readonly ServedApi[]
  logger: Logger
  /** The request header's client id ('' when null). */
  clientId: string
  /** The client's address as this broker sees it (Kafka's clientHost of a group member). */
  clientHost: string
  /** The connection's login (sasl.ts sets it; the connection is also the security subject, `op.session`). */
  login: KafkaLogin
  /** Closes the connection once this request's answer is written (a failed login, as Kafka does); the reason is logged. */
  closeAfterAnswer(reason: string): void
}

/** Who a Kafka connection acts as: ANONYMOUS until a SASL login sets the principal. */
export interface KafkaLogin {
  principal: string
  loggedIn: boolean
  readonly clientAddress: string
}

export interface KafkaApiHandler<Request, Response> {
  api: ServedApi
  read(r: KafkaReader, version: number): Request
  write(w: KafkaWriter, version: number, response: Response): void
  /** Decode byte fields as views into the request's frame (KafkaReaderOptions.viewBytes): only for a handler done with them before it first awaits. */
  viewBytes?: boolean
  /** The response, or NO_RESPONSE (Produce with acks 0). */
  handle(request: Request, version: number, ctx: KafkaApiContext): Promise<Response | typeof NO_RESPONSE>
}

/** Erases a handler's types for the table of handlers by API key. */
export function kafkaApi<Request, Response>(handler: KafkaApiHandler<Request, Response>): KafkaApiHandler<unknown, unknown> {
  return handler as unknown as KafkaApiHandler<unknown, unknown>
}

/**
 * The Kafka error code refusing `operation` on a resource to this connection's principal (29, 30 or
 * 31, audited), or 0 when allowed (security/gateway-security.ts; always 0 without --auth scram).
 */
export function deniedCode(ctx: KafkaApiContext, operation: AclOperation, resourceType: AclResourceType, resourceName: string): number {
  return denial(ctx, operation, resourceType, resourceName)?.code ?? 0
}

/** The refusal itself (its message names the principal and the operation), or undefined when allowed. */
export function denial(ctx: KafkaApiContext, operation: AclOperation, resourceType: AclResourceType, resourceName: string): FaecieError | undefined {
  return ctx.gateway.security.refusal(ctx.op.session, operation, resourceType, resourceName)
}

/** Whether allowed, without an audit line: for filtering what a listing shows. */
export function isAllowed(ctx: KafkaApiContext, operation: AclOperation, resourceType: AclResourceType, resourceName: string): boolean {
  return ctx.gateway.security.allowed(ctx.op.session, operation, resourceType, resourceName)
}

export function errorCodeOf(error: WireError | undefined): number {
  return error?.code ?? 0
}

/** A topic id as Kafka's 16 bytes (faecie keeps it as a UUID string). */
export function uuidBytes(id: string): Uint8Array {
  const hex = id.replace(/-/g, '')
  if (!/^[0-9a-f]{32}$/i.test(hex)) return new Uint8Array(16)
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

export function uuidString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The name of the topic with this id (requests from v13 of Produce and Fetch name topics by id). */
export function topicNameById(gateway: Gateway, id: Uint8Array): string | undefined {
  const wanted = uuidString(id)
  return gateway.topics.all().find((meta: TopicMeta) => meta.topicId === wanted)?.topic
}

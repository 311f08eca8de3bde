// faecie's one table of error codes, and the error type that carries them across the wire.
//
// Codes below 1000 are Apache Kafka's, with Kafka's names, numbers and retriable flags (checked
// against Kafka's generated protocol_errors table), so that a Kafka-protocol listener can answer with
// the same numbers and a Kafka user reads familiar names. Codes from 1000 up are faecie's own, for
// things Kafka's binary protocol has no word for (frames, sessions, origins); Kafka's codes are
// int16 and have grown by a handful a year, so 1000 and up will not meet them.
//
// On the wire an error is the msgpack map {code, name, message, retriable} (see frame.ts). The
// client's retry loop reads `retriable`; `name` lets a newer broker's unknown code still be logged
// readably by an older client.

/** Every code by name. Values are wire numbers; never renumber one that has shipped. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  SECURITY_DISABLED: 54,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  REASSIGNMENT_IN_PROGRESS: 60,
  UNKNOWN_PRODUCER_ID: 59,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  THROTTLING_QUOTA_EXCEEDED: 89,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNKNOWN_TOPIC_ID: 100,
  INCONSISTENT_CLUSTER_ID: 104,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  INVALID_REGULAR_EXPRESSION: 128,
  // faecie's own, from 1000 up.
  INVALID_FRAME: 1000,
  FRAME_TOO_LARGE: 1001,
  UNKNOWN_OP: 1002,
  TOO_MANY_IN_FLIGHT: 1003,
  TOO_MANY_SESSIONS: 1004,
  TOO_MANY_SUBSCRIPTIONS: 1005,
  HELLO_REQUIRED: 1006,
  ORIGIN_NOT_ALLOWED: 1007,
  MAILBOX_FULL: 1008,
  SHUTTING_DOWN: 1009,
  LOG_DAMAGED: 1010,
  AUTHENTICATION_REQUIRED: 1011,
} as const

export type ErrorName = keyof typeof ErrorCode
export type ErrorCodeNumber = (typeof ErrorCode)[ErrorName]

/** The first code of faecie's own range; everything below is Kafka's numbering. */
export const FAECIE_ERROR_CODE_MIN = 1000

export interface ErrorInfo {
  readonly code: number
  readonly name: ErrorName
  /** True when the same request may succeed if sent again later, unchanged. */
  readonly retriable: boolean
  /** A default message; a thrower may give a more specific one. */
  readonly message: string
}

// [name, retriable, message]; the code comes from ErrorCode so the two can't disagree.
const ROWS: ReadonlyArray<readonly [ErrorName, boolean, string]> = [
  ['UNKNOWN_SERVER_ERROR', false, 'The server hit an unexpected error while handling the request.'],
  ['NONE', false, 'No error.'],
  ['OFFSET_OUT_OF_RANGE', false, 'The offset is below the log start offset or above the high watermark.'],
  ['CORRUPT_MESSAGE', true, 'A record batch failed its CRC, its length or structure checks, or is otherwise corrupt.'],
  ['UNKNOWN_TOPIC_OR_PARTITION', true, 'This broker does not host this topic partition.'],
  ['INVALID_FETCH_SIZE', false, 'The fetch size is not valid.'],
  ['LEADER_NOT_AVAILABLE', true, 'The partition has no leader right now, an election is under way.'],
  ['NOT_LEADER_OR_FOLLOWER', true, 'This broker is not the leader (or a replica) of the partition.'],
  ['REQUEST_TIMED_OUT', true, 'The request timed out.'],
  ['BROKER_NOT_AVAILABLE', false, 'The broker is not available.'],
  ['REPLICA_NOT_AVAILABLE', true, 'The replica is not available for the requested partition.'],
  ['MESSAGE_TOO_LARGE', false, 'A record batch is larger than the broker accepts.'],
  ['OFFSET_METADATA_TOO_LARGE', false, 'The metadata of a committed offset is longer than the broker keeps.'],
  ['NETWORK_EXCEPTION', true, 'The connection closed before a response arrived.'],
  ['COORDINATOR_LOAD_IN_PROGRESS', true, 'The coordinator is still loading its state.'],
  ['COORDINATOR_NOT_AVAILABLE', true, 'The coordinator is not available.'],
  ['NOT_COORDINATOR', true, 'This broker is not the coordinator for that group.'],
  ['INVALID_TOPIC_EXCEPTION', false, 'The topic name is not valid, or the topic is internal.'],
  ['RECORD_LIST_TOO_LARGE', false, 'The batch is larger than a segment can hold.'],
  ['NOT_ENOUGH_REPLICAS', true, 'Fewer replicas are in sync than the topic requires; nothing was written.'],
  ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, 'The records were written, but to fewer in-sync replicas than required.'],
  ['INVALID_REQUIRED_ACKS', false, 'The produce request asked for an invalid acks value.'],
  ['ILLEGAL_GENERATION', false, 'The group generation in the request is not the current one.'],
  ['INCONSISTENT_GROUP_PROTOCOL', false, "The member's protocols do not match the group's."],
  ['INVALID_GROUP_ID', false, 'The group id is not valid.'],
  ['UNKNOWN_MEMBER_ID', false, 'The coordinator does not know this member.'],
  ['INVALID_SESSION_TIMEOUT', false, 'The session timeout is outside the range the broker allows.'],
  ['REBALANCE_IN_PROGRESS', false, 'The group is rebalancing; the member must rejoin.'],
  ['INVALID_COMMIT_OFFSET_SIZE', false, 'The committed offset metadata is too large.'],
  ['TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access the topic.'],
  ['GROUP_AUTHORIZATION_FAILED', false, 'Not authorized to access the group.'],
  ['CLUSTER_AUTHORIZATION_FAILED', false, 'Not authorized for this cluster-wide request.'],
  ['INVALID_TIMESTAMP', false, 'A timestamp is outside the accepted range.'],
  ['UNSUPPORTED_SASL_MECHANISM', false, 'The broker does not support the requested SASL mechanism.'],
  ['ILLEGAL_SASL_STATE', false, 'The request is not valid given the current SASL state.'],
  ['UNSUPPORTED_VERSION', false, 'The protocol version is not supported.'],
  ['TOPIC_ALREADY_EXISTS', false, 'A topic with this name already exists.'],
  ['INVALID_PARTITIONS', false, 'The number of partitions is not valid.'],
  ['INVALID_REPLICATION_FACTOR', false, 'The replication factor is below 1 or above the number of brokers.'],
  ['INVALID_REPLICA_ASSIGNMENT', false, 'The replica assignment is not valid (unknown broker, a broker named twice, or an empty list).'],
  ['INVALID_CONFIG', false, 'The configuration is not valid.'],
  ['NOT_CONTROLLER', true, 'This broker is not the controller; ask the controller.'],
  ['INVALID_REQUEST', false, 'The request is malformed or does not fit this broker.'],
  ['POLICY_VIOLATION', false, 'The request breaks a configured policy.'],
  ['OUT_OF_ORDER_SEQUENCE_NUMBER', false, 'The batch sequence number leaves a gap after the last one the broker has.'],
  ['DUPLICATE_SEQUENCE_NUMBER', false, 'The broker already has a batch with this sequence number.'],
  ['INVALID_PRODUCER_EPOCH', false, 'The producer epoch is older than the current one.'],
  ['SECURITY_DISABLED', false, 'Security features are disabled on this broker.'],
  ['KAFKA_STORAGE_ERROR', true, 'A disk error, or the partition is being reopened; try again.'],
  ['SASL_AUTHENTICATION_FAILED', false, 'Authentication failed: unknown user, wrong password, or a bad SASL exchange.'],
  ['REASSIGNMENT_IN_PROGRESS', false, 'A reassignment of this partition is in progress; cancel it or wait for it to finish.'],
  ['UNKNOWN_PRODUCER_ID', false, 'The broker has no state for this producer id.'],
  ['NON_EMPTY_GROUP', false, 'The group still has members.'],
  ['GROUP_ID_NOT_FOUND', false, 'The group does not exist.'],
  ['FENCED_LEADER_EPOCH', true, 'The leader epoch in the request is older than the broker\'s: refresh metadata.'],
  ['UNKNOWN_LEADER_EPOCH', true, 'The leader epoch in the request is newer than the broker\'s: it has not caught up yet.'],
  ['UNSUPPORTED_COMPRESSION_TYPE', false, 'The compression codec of a batch is not supported here.'],
  ['MEMBER_ID_REQUIRED', false, 'The group requires a member id: join again with the one given.'],
  ['PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred leader is not in the ISR or not alive.'],
  ['GROUP_MAX_SIZE_REACHED', false, 'The consumer group has as many members as it may have.'],
  ['FENCED_INSTANCE_ID', false, 'Another member registered with the same group instance id.'],
  ['ELIGIBLE_LEADERS_NOT_AVAILABLE', true, 'No replica that may lead the partition is alive.'],
  ['ELECTION_NOT_NEEDED', false, 'The partition is already led by its preferred replica.'],
  ['NO_REASSIGNMENT_IN_PROGRESS', false, 'No reassignment of this partition is in progress.'],
  ['GROUP_SUBSCRIBED_TO_TOPIC', false, 'The group subscribes to the topic: its offsets cannot be deleted.'],
  ['INVALID_RECORD', false, 'A record failed validation and the batch was refused.'],
  ['THROTTLING_QUOTA_EXCEEDED', true, 'A throttling quota was exceeded.'],
  ['RESOURCE_NOT_FOUND', false, 'The resource (a user, an ACL) does not exist.'],
  ['DUPLICATE_RESOURCE', false, 'The resource already exists.'],
  ['UNKNOWN_TOPIC_ID', true, 'This broker does not host a topic with this id.'],
  ['INCONSISTENT_CLUSTER_ID', false, 'The cluster id does not match this broker\'s.'],
  ['FENCED_MEMBER_EPOCH', false, 'The member epoch is fenced; the member must drop its partitions and rejoin.'],
  ['UNRELEASED_INSTANCE_ID', false, 'Another member still holds this instance id and must leave first.'],
  ['UNSUPPORTED_ASSIGNOR', false, 'The group does not support this assignor.'],
  ['STALE_MEMBER_EPOCH', false, 'The member epoch is stale; retry after a heartbeat brings the current one.'],
  ['INVALID_REGULAR_EXPRESSION', false, 'The subscription regular expression is not valid RE2 syntax or is too long.'],
  ['INVALID_FRAME', false, 'The frame is not a valid msgpack value or lacks a valid envelope.'],
  ['FRAME_TOO_LARGE', false, 'The frame is larger than the session allows.'],
  ['UNKNOWN_OP', false, 'The broker does not know this op.'],
  ['TOO_MANY_IN_FLIGHT', true, 'Too many requests are in flight on this session; wait for responses.'],
  ['TOO_MANY_SESSIONS', true, 'The broker has as many sessions as it allows.'],
  ['TOO_MANY_SUBSCRIPTIONS', false, 'The session has as many subscriptions as it allows.'],
  ['HELLO_REQUIRED', false, 'The first request of a session must be hello.'],
  ['ORIGIN_NOT_ALLOWED', false, 'The Origin of the request is not in the allow-list.'],
  ['MAILBOX_FULL', true, 'The partition is busy and its mailbox is full; try again shortly.'],
  ['SHUTTING_DOWN', true, 'The broker is shutting down.'],
  ['LOG_DAMAGED', false, 'The partition lost offsets to a damaged or missing segment; a read crossing them cannot succeed until an operator repairs it.'],
  ['AUTHENTICATION_REQUIRED', false, 'This broker requires authentication (saslAuthenticate) before any other op.'],
]

/** Every known error, in code order within each range (Kafka's, then faecie's). */
export const ERROR_TABLE: readonly ErrorInfo[] = ROWS.map(([name, retriable, message]) =>
  Object.freeze({ code: ErrorCode[name], name, retriable, message }),
)

const BY_CODE = new Map<number, ErrorInfo>(ERROR_TABLE.map((info) => [info.code, info]))

/** The table row for a code, or undefined for a code this version does not know. */
export function errorInfo(code: number): ErrorInfo | undefined {
  return BY_CODE.get(code)
}

/** The error object of an error response frame. */
export interface WireError {
  code: number
  name: string
  message: string
  retriable: boolean
}

export interface FaecieErrorOptions {
  cause?: unknown
  /** Overrides the table; used for codes a newer peer sent that this version does not know. */
  errorName?: string
  retriable?: boolean
}

/** An error with a code from the table. Everything faecie throws on bad input is one of these. */
export class FaecieError extends Error {
  override readonly name = 'FaecieError'
  readonly code: number
  /** The code's name, such as CORRUPT_MESSAGE. */
  readonly errorName: string
  readonly retriable: boolean

  constructor(code: number, message?: string, options: FaecieErrorOptions = {}) {
    const info = BY_CODE.get(code)
    super(message ?? info?.message ?? `Error code ${code}.`, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.errorName = options.errorName ?? info?.name ?? `ERROR_${code}`
    this.retriable = options.retriable ?? info?.retriable ?? false
  }

  /** The plain object that travels in an error response. */
  toWire(): WireError {
    return { code: this.code, name: this.errorName, message: this.message, retriable: this.retriable }
  }

  /**
   * Rebuilds an error from the wire. A code this version does not know keeps the peer's name and
   * retriable flag; a value that is not an error object at all is itself an INVALID_FRAME error.
   */
  static fromWire(value: unknown): FaecieError {
    if (!isWireError(value)) {
      return new FaecieError(ErrorCode.INVALID_FRAME, 'The error object of a response is malformed.')
    }
    return new FaecieError(value.code, value.message, { errorName: value.name, retriable: value.retriable })
  }
}

/** True for a well-formed {code, name, message, retriable} object. */
export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    Number.isSafeInteger(v.code) &&
    typeof v.name === 'string' &&
    typeof v.message === 'string' &&
    typeof v.retriable === 'boolean'
  )
}

export function isFaecieError(value: unknown): value is FaecieError {
  return value instanceof FaecieError
}

/** Shorthand for the decoders: a CORRUPT_MESSAGE error saying what was wrong. */
export function corruptMessage(detail: string, cause?: unknown): FaecieError {
  return new FaecieError(ErrorCode.CORRUPT_MESSAGE, `Corrupt record batch: ${detail}.`, { cause })
}

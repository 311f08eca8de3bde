// Op `heartbeat`: a consumer group member's one call (KIP-848 style). The same request joins
// (memberEpoch 0, memberId ''), keeps the member alive, reports what it owns, and leaves
// (memberEpoch -1, or -2 for a static member that will come back). The broker computes the group's
// assignment and hands each member its share in the answer; a member must revoke (drop from
// ownedPartitions) what it loses before the new owner gets it.
import { ErrorCode, FaecieError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { INT32_MAX, invalidField, MILLIS_RANGE, parseOp, PARTITION_RANGE } from './fields.js'

/** memberEpoch values with a meaning of their own. */
export const JOIN_GROUP_EPOCH = 0
export const LEAVE_GROUP_EPOCH = -1
export const LEAVE_GROUP_STATIC_EPOCH = -2

export const SERVER_ASSIGNORS = ['uniform', 'range'] as const
export type ServerAssignor = (typeof SERVER_ASSIGNORS)[number]

/** Partitions of one topic, as in assignments and ownedPartitions. */
export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface HeartbeatRequest {
  groupId: string
  /** '' to join: the broker assigns a UUID. */
  memberId: string
  /** 0 to join, -1 to leave, -2 to leave as a static member, else the member's current epoch. */
  memberEpoch: number
  /** Static membership: a restarting member with the same id gets its partitions back. */
  groupInstanceId?: string
  /** The client's name, shown in describeGroups. */
  clientId?: string
  /** How long the member may take to revoke partitions (default 60 000). */
  rebalanceTimeoutMs?: number
  /** The member expires when no heartbeat arrives for this long (default: the broker's, 45 000). */
  sessionTimeoutMs?: number
  /** Absent: unchanged since the last heartbeat. Required on join (or subscribedTopicRegex). */
  subscribedTopicNames?: string[]
  /** An RE2 regular expression matched against whole topic names (the broker checks it). */
  subscribedTopicRegex?: string
  serverAssignor?: ServerAssignor
  /** What the member owns now; absent: unchanged since the last heartbeat. */
  ownedPartitions?: TopicPartitions[]
}

export interface HeartbeatResponse {
  memberId: string
  /** The member's epoch after this heartbeat (-1 or -2 after a leave). */
  memberEpoch: number
  heartbeatIntervalMs: number
  /** Present when the member's assignment changed (always on join): what it should own now. */
  assignment?: TopicPartitions[]
}

/** Reads an optional array of {topic, partitions: int[]} from a raw frame field. */
export function readTopicPartitionsList(raw: unknown, path: string): TopicPartitions[] {
  if (!Array.isArray(raw)) throw invalidField(path, 'an array', raw)
  return raw.map((item: unknown, i) => {
    const at = `${path}[${i}]`
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(at, 'a map', item)
    const { topic, partitions } = item as Record<string, unknown>
    if (typeof topic !== 'string' || topic.length === 0) throw invalidField(`${at}.topic`, 'a non-empty string', topic)
    if (!Array.isArray(partitions)) throw invalidField(`${at}.partitions`, 'an array', partitions)
    const out: number[] = []
    partitions.forEach((p: unknown, j) => {
      if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < (PARTITION_RANGE.min ?? 0) || p > INT32_MAX) {
        throw invalidField(`${at}.partitions[${j}]`, `an integer from 0 to ${INT32_MAX}`, p)
      }
      out.push(p)
    })
    return { topic, partitions: out }
  })
}

export function parseHeartbeatRequest(frame: RequestFrame): Parsed<HeartbeatRequest> {
  return parseOp(frame, (f) => {
    const request: HeartbeatRequest = {
      groupId: f.str('groupId'),
      memberId: f.str('memberId', { allowEmpty: true }),
      memberEpoch: f.int('memberEpoch', { min: LEAVE_GROUP_STATIC_EPOCH, max: INT32_MAX }),
    }
    const instance = f.optionalStr('groupInstanceId')
    if (instance !== undefined) request.groupInstanceId = instance
    const clientId = f.has('clientId') ? f.str('clientId', { allowEmpty: true }) : undefined
    if (clientId !== undefined) request.clientId = clientId
    const rebalance = f.optionalInt('rebalanceTimeoutMs', { min: 1, max: MILLIS_RANGE.max })
    if (rebalance !== undefined) request.rebalanceTimeoutMs = rebalance
    const session = f.optionalInt('sessionTimeoutMs', { min: 1, max: MILLIS_RANGE.max })
    if (session !== undefined) request.sessionTimeoutMs = session
    const names = f.optionalStrings('subscribedTopicNames')
    if (names !== undefined) request.subscribedTopicNames = names
    const regex = f.optionalStr('subscribedTopicRegex')
    // Its syntax (RE2) and length are the broker's to check: INVALID_REGULAR_EXPRESSION.
    if (regex !== undefined) request.subscribedTopicRegex = regex
    if (f.has('serverAssignor')) {
      const assignor = f.str('serverAssignor')
      if (!(SERVER_ASSIGNORS as readonly string[]).includes(assignor)) {
        throw new FaecieError(ErrorCode.UNSUPPORTED_ASSIGNOR, `The broker has no assignor ${JSON.stringify(assignor)}; it has ${SERVER_ASSIGNORS.join(', ')}.`)
      }
      request.serverAssignor = assignor as ServerAssignor
    }
    if (f.has('ownedPartitions')) request.ownedPartitions = readTopicPartitionsList(frame.ownedPartitions, 'ownedPartitions')
    if (names !== undefined && regex !== undefined) {
      throw invalidField('subscribedTopicRegex', 'either subscribedTopicNames or subscribedTopicRegex, not both', regex)
    }
    if (request.memberEpoch === JOIN_GROUP_EPOCH && names === undefined && regex === undefined) {
      throw invalidField('subscribedTopicNames', 'topic names (or subscribedTopicRegex) when joining', undefined)
    }
    if (request.memberEpoch !== JOIN_GROUP_EPOCH && request.memberId === '') {
      throw invalidField('memberId', 'the member id the broker gave (only a join, memberEpoch 0, sends \'\')', '')
    }
    return request
  })
}

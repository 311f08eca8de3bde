// Kafka's classic group protocol: JoinGroup (v0-9), SyncGroup (v0-5), Heartbeat (v0-4) and
// LeaveGroup (v0-5), mapped onto the coordinator's Kafka-only group ops (groups/kafka-group-ops.ts,
// TopicService.kafkaGroup), which a classic group (groups/classic-group.ts) answers. Per version:
//   JoinGroup v0 has no rebalance timeout: the session timeout stands in (as Kafka); v4+ a first
//   join (member id '', no instance id) is answered MEMBER_ID_REQUIRED with the id to join with
//   (KIP-394); v5+ static members (groupInstanceId, KIP-345); v7+ protocolType and protocolName in
//   the answer; v8 a reason; v9 skipAssignment (KIP-814).
//   LeaveGroup v0-2 names one member by id, v3+ a batch (by id or instance id), v5 with reasons.
// A JoinGroup or SyncGroup is answered when the group's rebalance phase ends, which can take up to
// the rebalance timeout: nothing here times it out, and the connection answers in request order, as
// Kafka does. A refusal of the whole coordinator (a FaecieError: NOT_COORDINATOR, which sends the
// client to FindCoordinator again, COORDINATOR_LOAD_IN_PROGRESS, INVALID_REQUEST...) is the answer's
// error code. With --auth scram each needs Read on the group (GROUP_AUTHORIZATION_FAILED), as in Kafka.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultHeartbeatResponse, readHeartbeatRequest, writeHeartbeatResponse, type HeartbeatRequest,
  type HeartbeatResponse } from '../generated/heartbeat.js'
import { defaultJoinGroupResponse, readJoinGroupRequest, writeJoinGroupResponse, type JoinGroupRequest,
  type JoinGroupResponse } from '../generated/join-group.js'
import { defaultLeaveGroupResponse, readLeaveGroupRequest, writeLeaveGroupResponse, type LeaveGroupRequest,
  type LeaveGroupResponse } from '../generated/leave-group.js'
import { defaultSyncGroupResponse, readSyncGroupRequest, writeSyncGroupResponse, type SyncGroupRequest,
  type SyncGroupResponse } from '../generated/sync-group.js'
import { checkItemCount } from '../../gateway/context.js'
import { kafkaApi, type KafkaApiContext } from './context.js'

/** JoinGroup v4+: a first join gets its member id in a MEMBER_ID_REQUIRED answer (KIP-394). */
const REQUIRE_KNOWN_MEMBER_ID_MIN_VERSION = 4
/** JoinGroup from v7 carries protocolType in its answer, and protocolName may be null. */
const JOIN_PROTOCOL_TYPE_MIN_VERSION = 7

/** The error code of a coordinator-wide refusal; anything else is rethrown (a bug: the connection closes). */
function refusal(err: unknown): number {
  if (err instanceof FaecieError) return err.code
  throw err
}

/** Read on the group, or the refusal thrown (GROUP_AUTHORIZATION_FAILED, audited): every classic group API needs it. */
function checkGroupRead(ctx: KafkaApiContext, groupId: string): void {
  ctx.gateway.security.check(ctx.op.session, 'Read', 'group', groupId)
}

const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value)

/** A member's host as Kafka shows it (Java's InetAddress.toString(): "/127.0.0.1"), an IPv4-mapped IPv6 address as IPv4. */
export function kafkaClientHost(address: string): string {
  return `/${address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address}`
}

export const joinGroup = kafkaApi<JoinGroupRequest, JoinGroupResponse>({
  api: KAFKA_APIS.JoinGroup,
  read: readJoinGroupRequest,
  write: writeJoinGroupResponse,
  handle: async (request, version, ctx) => {
    const protocolName = (name: string | null): string | null => (version >= JOIN_PROTOCOL_TYPE_MIN_VERSION ? name : name ?? '')
    try {
      checkGroupRead(ctx, request.groupId)
      const groupInstanceId = optional(request.groupInstanceId)
      const reason = optional(request.reason)
      const result = await ctx.gateway.topics.kafkaGroup('joinGroup', {
        groupId: request.groupId,
        memberId: request.memberId,
        ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
        clientId: ctx.clientId,
        clientHost: kafkaClientHost(ctx.clientHost),
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: version === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        requireKnownMemberId: version >= REQUIRE_KNOWN_MEMBER_ID_MIN_VERSION,
        ...(reason === undefined ? {} : { reason }),
      })
      return {
        ...defaultJoinGroupResponse(),
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        protocolName: protocolName(result.protocolName),
        leader: result.leader,
        skipAssignment: result.skipAssignment,
        memberId: result.memberId,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, metadata: m.metadata })),
      }
    } catch (err) {
      return { ...defaultJoinGroupResponse(), errorCode: refusal(err), memberId: request.memberId, protocolName: protocolName(null) }
    }
  },
})

export const syncGroup = kafkaApi<SyncGroupRequest, SyncGroupResponse>({
  api: KAFKA_APIS.SyncGroup,
  read: readSyncGroupRequest,
  write: writeSyncGroupResponse,
  handle: async (request, _version, ctx) => {
    try {
      checkGroupRead(ctx, request.groupId)
      const groupInstanceId = optional(request.groupInstanceId)
      const protocolType = optional(request.protocolType)
      const protocolName = optional(request.protocolName)
      const result = await ctx.gateway.topics.kafkaGroup('syncGroup', {
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
        ...(protocolType === undefined ? {} : { protocolType }),
        ...(protocolName === undefined ? {} : { protocolName }),
        assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      })
      return { ...defaultSyncGroupResponse(), errorCode: result.errorCode, protocolType: result.protocolType,
        protocolName: result.protocolName, assignment: result.assignment }
    } catch (err) {
      return { ...defaultSyncGroupResponse(), errorCode: refusal(err) }
    }
  },
})

export const heartbeat = kafkaApi<HeartbeatRequest, HeartbeatResponse>({
  api: KAFKA_APIS.Heartbeat,
  read: readHeartbeatRequest,
  write: writeHeartbeatResponse,
  handle: async (request, _version, ctx) => {
    try {
      checkGroupRead(ctx, request.groupId)
      const groupInstanceId = optional(request.groupInstanceId)
      const result = await ctx.gateway.topics.kafkaGroup('classicHeartbeat', {
        groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
        ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
      })
      return { ...defaultHeartbeatResponse(), errorCode: result.errorCode }
    } catch (err) {
      return { ...defaultHeartbeatResponse(), errorCode: refusal(err) }
    }
  },
})

/** LeaveGroup v3+ names members in a batch (KIP-345); before, one member by id. */
const LEAVE_BATCH_MIN_VERSION = 3

export const leaveGroup = kafkaApi<LeaveGroupRequest, LeaveGroupResponse>({
  api: KAFKA_APIS.LeaveGroup,
  read: readLeaveGroupRequest,
  write: writeLeaveGroupResponse,
  handle: async (request, version, ctx) => {
    const batch = version >= LEAVE_BATCH_MIN_VERSION
    if (batch) checkItemCount(request.members.length, ctx.gateway.limits)
    const members = batch
      ? request.members.map((m) => {
        const groupInstanceId = optional(m.groupInstanceId)
        const reason = optional(m.reason)
        return { memberId: m.memberId, ...(groupInstanceId === undefined ? {} : { groupInstanceId }), ...(reason === undefined ? {} : { reason }) }
      })
      : [{ memberId: request.memberId }]
    try {
      checkGroupRead(ctx, request.groupId)
      const result = await ctx.gateway.topics.kafkaGroup('classicLeaveGroup', { groupId: request.groupId, members })
      if (!batch) return { ...defaultLeaveGroupResponse(), errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : result.members[0]?.errorCode ?? 0 }
      return {
        ...defaultLeaveGroupResponse(),
        errorCode: result.errorCode,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, errorCode: m.errorCode })),
      }
    } catch (err) {
      return { ...defaultLeaveGroupResponse(), errorCode: refusal(err) }
    }
  },
})

export const CLASSIC_GROUP_HANDLERS = [joinGroup, syncGroup, heartbeat, leaveGroup]

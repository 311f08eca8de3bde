// ConsumerGroupHeartbeat (v0-1, KIP-848): Kafka's next-generation consumer group call, mapped onto
// the gateway's `heartbeat` op (faecie's groups are KIP-848's model: groups/consumer-group.ts).
//
//   memberId              v0: '' to join (the broker makes one); v1 (KIP-1082): the client's own
//                         UUID, also on its join (epoch 0), which the group takes as the member's id
//   memberEpoch           0 join, -1 leave, -2 leave as a static member, else the member's epoch
//   instanceId            static membership (null: none); '' refused, as Kafka does
//   (header) clientId     the member's clientId, shown by ConsumerGroupDescribe
//   rackId                ignored (faecie's assignors are not rack-aware); '' refused, as Kafka does
//   rebalanceTimeoutMs    -1: unchanged (required on a join)
//   subscribedTopicNames  null: unchanged (one of names and regex required on a join)
//   subscribedTopicRegex  v1, RE2 (null: unchanged; '' clears it). Names and a regex are not
//                         combined: a heartbeat with a non-empty regex subscribes by the regex alone
//   serverAssignor        'uniform' or 'range' (null: unchanged); any other: UNSUPPORTED_ASSIGNOR
//   topicPartitions       what the member owns, by topic id (null: unchanged; [] on a join);
//                         ids of topics that no longer exist are dropped
// The answer's assignment (null: unchanged) names topics by id. Errors are Kafka's codes with a
// message: FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, UNRELEASED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED,
// INVALID_REQUEST, INVALID_REGULAR_EXPRESSION, NOT_COORDINATOR (a cluster: the client finds the
// coordinator again), COORDINATOR_LOAD_IN_PROGRESS ...
import { ErrorCode, FaecieError, JOIN_GROUP_EPOCH, LEAVE_GROUP_STATIC_EPOCH, parseHeartbeatRequest, type HeartbeatRequest,
  type RequestFrame, type TopicPartitions } from '@faecie/protocol'
import { NO_RESPONSE, wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultConsumerGroupHeartbeatResponse, readConsumerGroupHeartbeatRequest, writeConsumerGroupHeartbeatResponse,
  type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse,
  type ConsumerGroupHeartbeatResponseTopicPartitions } from '../generated/consumer-group-heartbeat.js'
import { kafkaApi, topicNameById, uuidBytes, type KafkaApiContext } from './context.js'

/** From v1 (KIP-1082) the client makes its member id, also for its join. */
const CLIENT_MEMBER_ID_VERSION = 1
const UNCHANGED_REBALANCE_TIMEOUT_MS = -1
/**
 * The member's clientId is the request header's, cut to the default groups.memberFieldCharsMax: it
 * is only shown (Java's default client.id, consumer-GROUP-N, outgrows it for a long group id).
 */
const CLIENT_ID_CHARS_MAX = 255

export const consumerGroupHeartbeat = kafkaApi<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>({
  api: KAFKA_APIS.ConsumerGroupHeartbeat,
  read: readConsumerGroupHeartbeatRequest,
  write: writeConsumerGroupHeartbeatResponse,
  handle: async (request, version, ctx) => {
    try {
      const answer = await OP_HANDLERS.heartbeat(toHeartbeat(request, version, ctx), ctx.op)
      if (answer === NO_RESPONSE) throw new Error('heartbeat always answers')
      return {
        ...defaultConsumerGroupHeartbeatResponse(),
        memberId: answer.memberId,
        memberEpoch: answer.memberEpoch,
        heartbeatIntervalMs: answer.heartbeatIntervalMs,
        assignment: answer.assignment === undefined ? null : { topicPartitions: byTopicId(ctx, answer.assignment) },
      }
    } catch (err) {
      const error = wireError(err, ctx.logger)
      return { ...defaultConsumerGroupHeartbeatResponse(), errorCode: error.code, errorMessage: error.message }
    }
  },
})

/** Kafka's checks of the request (GroupMetadataManager's), then the op's own through its parser. */
function toHeartbeat(request: ConsumerGroupHeartbeatRequest, version: number, ctx: KafkaApiContext): HeartbeatRequest {
  const joining = request.memberEpoch === JOIN_GROUP_EPOCH
  if (request.memberId === '' && (version >= CLIENT_MEMBER_ID_VERSION || !joining)) invalid("MemberId can't be empty.")
  if (request.groupId === '') invalid("GroupId can't be empty.")
  if (request.instanceId === '') invalid("InstanceId can't be empty.")
  if (request.rackId === '') invalid("RackId can't be empty.")
  if (joining) {
    if (request.rebalanceTimeoutMs === UNCHANGED_REBALANCE_TIMEOUT_MS) invalid('RebalanceTimeoutMs must be provided in first request.')
    if (request.topicPartitions === null || request.topicPartitions.length > 0) invalid('TopicPartitions must be empty when (re-)joining.')
    if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) {
      invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.')
    }
  } else if (request.memberEpoch === LEAVE_GROUP_STATIC_EPOCH) {
    if (request.instanceId === null) invalid("InstanceId can't be null.")
  } else if (request.memberEpoch < LEAVE_GROUP_STATIC_EPOCH) {
    invalid('MemberEpoch is invalid.')
  }
  const regex = request.subscribedTopicRegex === '' ? null : request.subscribedTopicRegex
  const frame: RequestFrame = { id: 0, op: 'heartbeat', groupId: request.groupId, memberId: request.memberId, memberEpoch: request.memberEpoch }
  if (request.instanceId !== null) frame.groupInstanceId = request.instanceId
  frame.clientId = ctx.clientId.slice(0, CLIENT_ID_CHARS_MAX)
  if (request.rebalanceTimeoutMs !== UNCHANGED_REBALANCE_TIMEOUT_MS) frame.rebalanceTimeoutMs = request.rebalanceTimeoutMs
  if (regex !== null) frame.subscribedTopicRegex = regex
  else if (request.subscribedTopicNames !== null) frame.subscribedTopicNames = request.subscribedTopicNames
  else if (request.subscribedTopicRegex === '') frame.subscribedTopicNames = []
  if (request.serverAssignor !== null) frame.serverAssignor = request.serverAssignor
  if (request.topicPartitions !== null) frame.ownedPartitions = byTopicName(ctx, request.topicPartitions)
  const parsed = parseHeartbeatRequest(frame)
  if (!parsed.ok) throw parsed.error
  return parsed.value
}

function invalid(message: string): never {
  throw new FaecieError(ErrorCode.INVALID_REQUEST, message)
}

/** Owned partitions by topic id, as names; a topic id no topic has any more is dropped. */
function byTopicName(ctx: KafkaApiContext, owned: NonNullable<ConsumerGroupHeartbeatRequest['topicPartitions']>): TopicPartitions[] {
  const named: TopicPartitions[] = []
  for (const t of owned) {
    const topic = topicNameById(ctx.gateway, t.topicId)
    if (topic !== undefined) named.push({ topic, partitions: t.partitions })
  }
  return named
}

/** An assignment by topic name, by id; a topic deleted since it was computed is left out. */
function byTopicId(ctx: KafkaApiContext, assignment: TopicPartitions[]): ConsumerGroupHeartbeatResponseTopicPartitions[] {
  const out: ConsumerGroupHeartbeatResponseTopicPartitions[] = []
  for (const t of assignment) {
    const meta = ctx.gateway.topics.lookup(t.topic)
    if (meta !== undefined) out.push({ topicId: uuidBytes(meta.topicId), partitions: [...t.partitions] })
  }
  return out
}

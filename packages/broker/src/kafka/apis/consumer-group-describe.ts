// ConsumerGroupDescribe (v0-1, KIP-848): faecie's own groups (type 'consumer') as Kafka describes
// its consumer groups, through the gateway's `describeGroups` op: state (Empty, Assigning,
// Reconciling, Stable, Dead), epochs, the server assignor, and each member with its subscription,
// its current and target assignment by topic id and name, and memberType 1 (a consumer-protocol
// member, v1). A classic group answers GROUP_ID_NOT_FOUND "Group X is not a consumer group.", as
// Kafka does, so Kafka's AdminClient describes it again with DescribeGroups; an unknown group,
// GROUP_ID_NOT_FOUND. Not kept by faecie, so not told: a member's rack (null) and host (''); the
// authorized operations (left out, as when not asked for).
// Authorization (with --auth scram), as Kafka 4: Describe on each group (else its
// GROUP_AUTHORIZATION_FAILED, not asked of the coordinator); a group whose members subscribe to or
// are assigned a topic the principal may not Describe answers TOPIC_AUTHORIZATION_FAILED, members
// left out, so that the answer names no topic the principal may not see.
import type { DescribedGroup, TopicPartitions } from '@faecie/protocol'
import { ErrorCode } from '@faecie/protocol'
import { checkItemCount, NO_RESPONSE, wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultConsumerGroupDescribeResponseDescribedGroup, readConsumerGroupDescribeRequest, writeConsumerGroupDescribeResponse,
  type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponse, type ConsumerGroupDescribeResponseDescribedGroup,
  type ConsumerGroupDescribeResponseTopicPartitions } from '../generated/consumer-group-describe.js'
import { denial, isAllowed, kafkaApi, uuidBytes, type KafkaApiContext } from './context.js'

/** ConsumerGroupDescribe v1's memberType of a member of the consumer protocol (0: classic, -1: unknown). */
const CONSUMER_MEMBER_TYPE = 1

export const consumerGroupDescribe = kafkaApi<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>({
  api: KAFKA_APIS.ConsumerGroupDescribe,
  read: readConsumerGroupDescribeRequest,
  write: writeConsumerGroupDescribeResponse,
  handle: async (request, _version, ctx) => {
    // Counted before any work: more ids than requestItemsMax refuses the request (the connection closes).
    checkItemCount(request.groupIds.length, ctx.gateway.limits)
    // A group named twice is described and answered once (Kafka answers each entry; its clients
    // ask for distinct ids): the answer's size is that of the distinct groups, however often named.
    const distinct = [...new Set(request.groupIds)]
    const refused = new Map(distinct.map((groupId) => [groupId, denial(ctx, 'Describe', 'group', groupId)]))
    const allowed = distinct.filter((groupId) => refused.get(groupId) === undefined)
    try {
      const answer = allowed.length === 0 ? { groups: [] } : await OP_HANDLERS.describeGroups({ groupIds: allowed }, ctx.op)
      if (answer === NO_RESPONSE) throw new Error('describeGroups always answers')
      const byId = new Map(answer.groups.map((g) => [g.groupId, described(ctx, g)]))
      for (const [groupId, refusal] of refused) {
        if (refusal !== undefined) {
          byId.set(groupId, { ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId, groupState: 'Dead', errorCode: refusal.code, errorMessage: refusal.message })
        }
      }
      return { throttleTimeMs: 0, groups: distinct.map((groupId) => byId.get(groupId) ?? notFound(groupId)) }
    } catch (err) {
      const error = wireError(err, ctx.logger)
      return {
        throttleTimeMs: 0,
        groups: distinct.map((groupId) => ({ ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId, groupState: 'Dead',
          errorCode: error.code, errorMessage: error.message })),
      }
    }
  },
})

function notFound(groupId: string): ConsumerGroupDescribeResponseDescribedGroup {
  return { ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId, groupState: 'Dead', errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
    errorMessage: `Group ${groupId} does not exist.` }
}

function described(ctx: KafkaApiContext, g: DescribedGroup): ConsumerGroupDescribeResponseDescribedGroup {
  const base = { ...defaultConsumerGroupDescribeResponseDescribedGroup(), groupId: g.groupId }
  if (g.error !== undefined) return { ...base, groupState: 'Dead', errorCode: g.error.code, errorMessage: g.error.message }
  if (g.type === 'classic') {
    return { ...base, groupState: 'Dead', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${g.groupId} is not a consumer group.` }
  }
  const topics = new Set(g.members.flatMap((m) => [...m.subscribedTopicNames, ...m.assignment.map((t) => t.topic), ...m.targetAssignment.map((t) => t.topic)]))
  const hidden = [...topics].filter((topic) => !isAllowed(ctx, 'Describe', 'topic', topic))
  if (hidden.length > 0) {
    return { ...base, groupState: g.state, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      errorMessage: `The group's members use ${hidden.length} topic(s) that ${ctx.op.session.principal} may not Describe.` }
  }
  return {
    ...base,
    groupState: g.state,
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    assignorName: g.assignor,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId ?? null,
      rackId: null,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost ?? '',
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex ?? null,
      assignment: { topicPartitions: byTopic(ctx, m.assignment) },
      targetAssignment: { topicPartitions: byTopic(ctx, m.targetAssignment) },
      memberType: CONSUMER_MEMBER_TYPE,
    })),
  }
}

/** Partitions by topic id and name; a topic deleted since is left out. */
function byTopic(ctx: KafkaApiContext, assignment: TopicPartitions[]): ConsumerGroupDescribeResponseTopicPartitions[] {
  const out: ConsumerGroupDescribeResponseTopicPartitions[] = []
  for (const t of assignment) {
    const meta = ctx.gateway.topics.lookup(t.topic)
    if (meta !== undefined) out.push({ topicId: uuidBytes(meta.topicId), topicName: t.topic, partitions: [...t.partitions] })
  }
  return out
}

// DescribeGroups (v0-6), ListGroups (v0-5) and DeleteGroups (v0-3) through the coordinator's
// describeGroups, listGroups and deleteGroup ops (docs/kafka-protocol.md "Group administration").
// Never forwarded: in a cluster each broker answers for the groups its shards hold (ListGroups:
// Kafka's admin client asks every broker; the others: NOT_COORDINATOR, and the client finds the
// coordinator).
//
// DescribeGroups is the classic protocol's view. A classic group answers as in Kafka: its state,
// protocol type, and, once Stable, the chosen protocol (the assignor) and each member's metadata and
// assignment (for protocol type 'consumer', ConsumerProtocol v0 bytes re-encoded from what the
// coordinator decoded; another protocol type's bytes are not kept: empty). A faecie group (type
// 'consumer', KIP-848) is shown the same way, its states mapped onto the classic ones (Assigning:
// PreparingRebalance, Reconciling: CompletingRebalance), so clients without ConsumerGroupDescribe
// see it too; Kafka 4 itself answers such a group GROUP_ID_NOT_FOUND here, and its admin client asks
// ConsumerGroupDescribe first. An unknown group: Dead, with GROUP_ID_NOT_FOUND from v6 (error 0
// before, as Kafka).
// Authorization (with --auth scram), as Kafka: DescribeGroups needs Describe on each group and
// DeleteGroups Delete on each (else that group's GROUP_AUTHORIZATION_FAILED, not asked of the
// coordinator); ListGroups lists every group with Describe on the cluster, else only the groups the
// principal may Describe.
import { CLUSTER_RESOURCE_NAME, ErrorCode, GROUP_TYPES, type DescribedGroup, type DescribedMember, type GroupState, type GroupType } from '@faecie/protocol'
import { checkItemCount } from '../../gateway/context.js'
import { encodeConsumerAssignment, encodeConsumerSubscription } from '../../groups/consumer-protocol.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultDeleteGroupsResponse, readDeleteGroupsRequest, writeDeleteGroupsResponse, type DeleteGroupsRequest,
  type DeleteGroupsResponse } from '../generated/delete-groups.js'
import { defaultDescribeGroupsResponse, readDescribeGroupsRequest, writeDescribeGroupsResponse, type DescribeGroupsRequest,
  type DescribeGroupsResponse, type DescribeGroupsResponseDescribedGroup, type DescribeGroupsResponseDescribedGroupMember } from '../generated/describe-groups.js'
import { defaultListGroupsResponse, readListGroupsRequest, writeListGroupsResponse, type ListGroupsRequest,
  type ListGroupsResponse } from '../generated/list-groups.js'
import { denial, isAllowed, kafkaApi } from './context.js'
import { refusalCode } from './offsets.js'

/** Kafka's "authorized operations not given" (faecie has no ACLs yet). */
const NO_AUTHORIZED_OPERATIONS = -2147483648
/** The protocol type of consumers (Kafka's ConsumerProtocol.PROTOCOL_TYPE). */
const CONSUMER_PROTOCOL_TYPE = 'consumer'
const CLIENT_SESSION = { mayForward: false } as const

/** faecie's group states as Kafka's classic ones (DescribeGroups has no others). */
const CLASSIC_STATE: Record<GroupState, string> = {
  Empty: 'Empty', Assigning: 'PreparingRebalance', Reconciling: 'CompletingRebalance', Stable: 'Stable', Dead: 'Dead',
  PreparingRebalance: 'PreparingRebalance', CompletingRebalance: 'CompletingRebalance',
}

export const describeGroups = kafkaApi<DescribeGroupsRequest, DescribeGroupsResponse>({
  api: KAFKA_APIS.DescribeGroups,
  read: readDescribeGroupsRequest,
  write: writeDescribeGroupsResponse,
  handle: async (request, version, ctx) => {
    checkItemCount(request.groups.length, ctx.gateway.limits)
    if (request.groups.length === 0) return defaultDescribeGroupsResponse()
    // A group named twice is described and answered once (Kafka answers each entry; its clients
    // ask for distinct ids): the answer's size is that of the distinct groups, however often named.
    const distinct = [...new Set(request.groups)]
    const denied = new Map(distinct.map((groupId) => [groupId, denial(ctx, 'Describe', 'group', groupId)]))
    const allowed = distinct.filter((groupId) => denied.get(groupId) === undefined)
    let described: DescribedGroup[]
    try {
      described = allowed.length === 0 ? [] : (await ctx.gateway.topics.group('describeGroups', { groupIds: allowed }, CLIENT_SESSION)).groups
    } catch (err) {
      const errorCode = refusalCode(err)
      return { ...defaultDescribeGroupsResponse(), groups: distinct.map((groupId) => ({ ...emptyGroup(groupId, ''), errorCode, errorMessage: (err as Error).message })) }
    }
    const byId = new Map(described.map((g) => [g.groupId, describedGroup(g, version)]))
    for (const [groupId, refusal] of denied) {
      if (refusal !== undefined) byId.set(groupId, { ...emptyGroup(groupId, ''), errorCode: refusal.code, errorMessage: refusal.message })
    }
    return { ...defaultDescribeGroupsResponse(), groups: distinct.map((groupId) => byId.get(groupId) ?? emptyGroup(groupId, 'Dead')) }
  },
})

function emptyGroup(groupId: string, groupState: string): DescribeGroupsResponseDescribedGroup {
  return { errorCode: 0, errorMessage: null, groupId, groupState, protocolType: '', protocolData: '', members: [], authorizedOperations: NO_AUTHORIZED_OPERATIONS }
}

/** One group as Kafka's DescribeGroups shows it. */
export function describedGroup(g: DescribedGroup, version: number): DescribeGroupsResponseDescribedGroup {
  if (g.error !== undefined) {
    if (g.error.code !== ErrorCode.GROUP_ID_NOT_FOUND) return { ...emptyGroup(g.groupId, ''), errorCode: g.error.code, errorMessage: g.error.message }
    return version >= 6 ? { ...emptyGroup(g.groupId, 'Dead'), errorCode: g.error.code, errorMessage: g.error.message } : emptyGroup(g.groupId, 'Dead')
  }
  const type: GroupType = g.type ?? 'consumer'
  const protocolType = type === 'consumer' ? CONSUMER_PROTOCOL_TYPE : g.protocolType ?? ''
  const stable = g.state === 'Stable'
  return {
    ...emptyGroup(g.groupId, CLASSIC_STATE[g.state]),
    protocolType,
    // Kafka gives the protocol, and the members' metadata and assignments, of a Stable group only.
    protocolData: stable ? g.assignor : '',
    members: g.members.map((m) => describedMember(m, stable && protocolType === CONSUMER_PROTOCOL_TYPE)),
  }
}

function describedMember(m: DescribedMember, withBytes: boolean): DescribeGroupsResponseDescribedGroupMember {
  return {
    memberId: m.memberId,
    groupInstanceId: m.instanceId ?? null,
    clientId: m.clientId,
    clientHost: m.clientHost ?? '',
    memberMetadata: withBytes ? encodeConsumerSubscription(m.subscribedTopicNames) : new Uint8Array(0),
    memberAssignment: withBytes ? encodeConsumerAssignment(m.assignment) : new Uint8Array(0),
  }
}

export const listGroups = kafkaApi<ListGroupsRequest, ListGroupsResponse>({
  api: KAFKA_APIS.ListGroups,
  read: readListGroupsRequest,
  write: writeListGroupsResponse,
  handle: async (request, _version, ctx) => {
    checkItemCount(request.statesFilter.length + request.typesFilter.length, ctx.gateway.limits)
    // Kafka matches types without regard to case; a type faecie has no groups of ('share', 'streams') matches none.
    const types = GROUP_TYPES.filter((t) => request.typesFilter.some((f) => f.toLowerCase() === t))
    if (request.typesFilter.length > 0 && types.length === 0) return defaultListGroupsResponse()
    const states = request.statesFilter.map((s) => s.toLowerCase())
    try {
      const answer = await ctx.gateway.topics.group('listGroups', {
        ...(states.length > 0 ? { states: request.statesFilter } : {}), ...(types.length > 0 ? { types } : {}),
      }, CLIENT_SESSION)
      const everyGroup = isAllowed(ctx, 'Describe', 'cluster', CLUSTER_RESOURCE_NAME)
      return {
        ...defaultListGroupsResponse(),
        groups: answer.groups
          .filter((g) => everyGroup || isAllowed(ctx, 'Describe', 'group', g.groupId))
          .filter((g) => (types.length === 0 || types.includes(g.type ?? 'consumer')) && (states.length === 0 || states.includes(g.state.toLowerCase())))
          .map((g) => {
            const type = g.type ?? 'consumer'
            return { groupId: g.groupId, protocolType: type === 'consumer' ? CONSUMER_PROTOCOL_TYPE : g.protocolType ?? '', groupState: g.state, groupType: type }
          }),
      }
    } catch (err) {
      return { ...defaultListGroupsResponse(), errorCode: refusalCode(err) }
    }
  },
})

export const deleteGroups = kafkaApi<DeleteGroupsRequest, DeleteGroupsResponse>({
  api: KAFKA_APIS.DeleteGroups,
  read: readDeleteGroupsRequest,
  write: writeDeleteGroupsResponse,
  handle: async (request, _version, ctx) => {
    checkItemCount(request.groupsNames.length, ctx.gateway.limits)
    // A group named twice is deleted once; each entry is answered with that one outcome.
    const outcomes = new Map(await Promise.all([...new Set(request.groupsNames)].map(async (groupId) => {
      try {
        ctx.gateway.security.check(ctx.op.session, 'Delete', 'group', groupId)
        await ctx.gateway.topics.group('deleteGroup', { groupId }, CLIENT_SESSION)
        return [groupId, { errorCode: 0, errorMessage: null }] as const
      } catch (err) {
        return [groupId, { errorCode: refusalCode(err), errorMessage: (err as Error).message as string | null }] as const
      }
    })))
    return { ...defaultDeleteGroupsResponse(), results: request.groupsNames.map((groupId) => ({ groupId, ...outcomes.get(groupId)! })) }
  },
})

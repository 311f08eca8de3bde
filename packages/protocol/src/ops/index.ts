// The ops of faecie's protocol in one place: the set of op names, the request and response type of
// each (OpRequest<'produce'>, OpResponse<'produce'>), and each op's request validator, so the
// broker's gateway can dispatch on `op` and the client can type its requests. Each op's shapes and
// rules live in its own file beside this one; docs/protocol.md describes them field by field.
import type { Parsed, RequestFrame } from '../frame.js'
import { type AlterGroupOffsetsRequest, type AlterGroupOffsetsResponse, parseAlterGroupOffsetsRequest } from './alter-group-offsets.js'
import { type CommitOffsetsRequest, type CommitOffsetsResponse, parseCommitOffsetsRequest } from './commit-offsets.js'
import { type DeleteGroupRequest, type DeleteGroupResponse, parseDeleteGroupRequest } from './delete-group.js'
import { type DescribeGroupsRequest, type DescribeGroupsResponse, parseDescribeGroupsRequest } from './describe-groups.js'
import { type FetchOffsetsRequest, type FetchOffsetsResponse, parseFetchOffsetsRequest } from './fetch-offsets.js'
import { type HeartbeatRequest, type HeartbeatResponse, parseHeartbeatRequest } from './heartbeat.js'
import { type LeaveGroupRequest, type LeaveGroupResponse, parseLeaveGroupRequest } from './leave-group.js'
import { type ListGroupsRequest, type ListGroupsResponse, parseListGroupsRequest } from './list-groups.js'
import { type AlterTopicConfigRequest, type AlterTopicConfigResponse, parseAlterTopicConfigRequest } from './alter-topic-config.js'
import { type CreatePartitionsRequest, type CreatePartitionsResponse, parseCreatePartitionsRequest } from './create-partitions.js'
import { type CreateTopicsRequest, type CreateTopicsResponse, parseCreateTopicsRequest } from './create-topics.js'
import { type CreditRequest, type CreditResponse, parseCreditRequest } from './credit.js'
import { type DeleteTopicsRequest, type DeleteTopicsResponse, parseDeleteTopicsRequest } from './delete-topics.js'
import { type DescribeTopicsRequest, type DescribeTopicsResponse, parseDescribeTopicsRequest } from './describe-topics.js'
import { type FetchRequest, type FetchResponse, parseFetchRequest } from './fetch.js'
import { type HelloRequest, type HelloResponse, parseHelloRequest } from './hello.js'
import { type InitProducerIdRequest, type InitProducerIdResponse, parseInitProducerIdRequest } from './init-producer-id.js'
import { type ListOffsetsRequest, type ListOffsetsResponse, parseListOffsetsRequest } from './list-offsets.js'
import { type MetadataRequest, type MetadataResponse, parseMetadataRequest } from './metadata.js'
import { type ProduceRequest, type ProduceResponse, parseProduceRequest } from './produce.js'
import { type StatsRequest, type StatsResponse, parseStatsRequest } from './stats.js'
import { type RepairPartitionRequest, type RepairPartitionResponse, parseRepairPartitionRequest } from './repair-partition.js'
import { type DeleteRecordsRequest, type DeleteRecordsResponse, parseDeleteRecordsRequest } from './delete-records.js'
import { type ReplicaFetchRequest, type ReplicaFetchResponse, parseReplicaFetchRequest } from './replica-fetch.js'
import { type OffsetsForLeaderEpochRequest, type OffsetsForLeaderEpochResponse, parseOffsetsForLeaderEpochRequest } from './offsets-for-leader-epoch.js'
import { type DescribeClusterRequest, type DescribeClusterResponse, parseDescribeClusterRequest } from './describe-cluster.js'
import { type FindCoordinatorRequest, type FindCoordinatorResponse, parseFindCoordinatorRequest } from './find-coordinator.js'
import { type AlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsResponse, parseAlterPartitionReassignmentsRequest } from './alter-partition-reassignments.js'
import { type ListPartitionReassignmentsRequest, type ListPartitionReassignmentsResponse, parseListPartitionReassignmentsRequest } from './list-partition-reassignments.js'
import { type ElectLeadersRequest, type ElectLeadersResponse, parseElectLeadersRequest } from './elect-leaders.js'
import { type SubscribeRequest, type SubscribeResponse, parseSubscribeRequest } from './subscribe.js'
import { type UnsubscribeRequest, type UnsubscribeResponse, parseUnsubscribeRequest } from './unsubscribe.js'
import { type SaslAuthenticateRequest, type SaslAuthenticateResponse, parseSaslAuthenticateRequest } from './sasl-authenticate.js'
import {
  type CreateAclsRequest, type CreateAclsResponse, type DeleteAclsRequest, type DeleteAclsResponse, type DescribeAclsRequest,
  type DescribeAclsResponse, parseCreateAclsRequest, parseDeleteAclsRequest, parseDescribeAclsRequest,
} from './acls.js'
import { type AlterUsersRequest, type AlterUsersResponse, type DescribeUsersRequest, type DescribeUsersResponse, parseAlterUsersRequest,
  parseDescribeUsersRequest } from './users.js'

export * from './fields.js'
export * from './hello.js'
export * from './metadata.js'
export * from './create-topics.js'
export * from './delete-topics.js'
export * from './describe-topics.js'
export * from './alter-topic-config.js'
export * from './create-partitions.js'
export * from './init-producer-id.js'
export * from './produce.js'
export * from './fetch.js'
export * from './list-offsets.js'
export * from './subscribe.js'
export * from './credit.js'
export * from './unsubscribe.js'
export * from './heartbeat.js'
export * from './leave-group.js'
export * from './commit-offsets.js'
export * from './fetch-offsets.js'
export * from './describe-groups.js'
export * from './list-groups.js'
export * from './delete-group.js'
export * from './alter-group-offsets.js'
export * from './stats.js'
export * from './repair-partition.js'
export * from './delete-records.js'
export * from './replica-fetch.js'
export * from './offsets-for-leader-epoch.js'
export * from './describe-cluster.js'
export * from './find-coordinator.js'
export * from './alter-partition-reassignments.js'
export * from './list-partition-reassignments.js'
export * from './elect-leaders.js'
export * from './sasl-authenticate.js'
export * from './acls.js'
export * from './users.js'

/** Each op's request fields (without the envelope's id and op) and its answer. */
export interface OpTypes {
  hello: { request: HelloRequest; response: HelloResponse }
  metadata: { request: MetadataRequest; response: MetadataResponse }
  createTopics: { request: CreateTopicsRequest; response: CreateTopicsResponse }
  deleteTopics: { request: DeleteTopicsRequest; response: DeleteTopicsResponse }
  describeTopics: { request: DescribeTopicsRequest; response: DescribeTopicsResponse }
  alterTopicConfig: { request: AlterTopicConfigRequest; response: AlterTopicConfigResponse }
  createPartitions: { request: CreatePartitionsRequest; response: CreatePartitionsResponse }
  initProducerId: { request: InitProducerIdRequest; response: InitProducerIdResponse }
  produce: { request: ProduceRequest; response: ProduceResponse }
  fetch: { request: FetchRequest; response: FetchResponse }
  listOffsets: { request: ListOffsetsRequest; response: ListOffsetsResponse }
  subscribe: { request: SubscribeRequest; response: SubscribeResponse }
  credit: { request: CreditRequest; response: CreditResponse }
  unsubscribe: { request: UnsubscribeRequest; response: UnsubscribeResponse }
  heartbeat: { request: HeartbeatRequest; response: HeartbeatResponse }
  leaveGroup: { request: LeaveGroupRequest; response: LeaveGroupResponse }
  commitOffsets: { request: CommitOffsetsRequest; response: CommitOffsetsResponse }
  fetchOffsets: { request: FetchOffsetsRequest; response: FetchOffsetsResponse }
  describeGroups: { request: DescribeGroupsRequest; response: DescribeGroupsResponse }
  listGroups: { request: ListGroupsRequest; response: ListGroupsResponse }
  deleteGroup: { request: DeleteGroupRequest; response: DeleteGroupResponse }
  alterGroupOffsets: { request: AlterGroupOffsetsRequest; response: AlterGroupOffsetsResponse }
  stats: { request: StatsRequest; response: StatsResponse }
  repairPartition: { request: RepairPartitionRequest; response: RepairPartitionResponse }
  deleteRecords: { request: DeleteRecordsRequest; response: DeleteRecordsResponse }
  replicaFetch: { request: ReplicaFetchRequest; response: ReplicaFetchResponse }
  offsetsForLeaderEpoch: { request: OffsetsForLeaderEpochRequest; response: OffsetsForLeaderEpochResponse }
  describeCluster: { request: DescribeClusterRequest; response: DescribeClusterResponse }
  findCoordinator: { request: FindCoordinatorRequest; response: FindCoordinatorResponse }
  alterPartitionReassignments: { request: AlterPartitionReassignmentsRequest; response: AlterPartitionReassignmentsResponse }
  listPartitionReassignments: { request: ListPartitionReassignmentsRequest; response: ListPartitionReassignmentsResponse }
  electLeaders: { request: ElectLeadersRequest; response: ElectLeadersResponse }
  saslAuthenticate: { request: SaslAuthenticateRequest; response: SaslAuthenticateResponse }
  createAcls: { request: CreateAclsRequest; response: CreateAclsResponse }
  describeAcls: { request: DescribeAclsRequest; response: DescribeAclsResponse }
  deleteAcls: { request: DeleteAclsRequest; response: DeleteAclsResponse }
  describeUsers: { request: DescribeUsersRequest; response: DescribeUsersResponse }
  alterUsers: { request: AlterUsersRequest; response: AlterUsersResponse }
}

export type OpName = keyof OpTypes
export type OpRequest<Op extends OpName> = OpTypes[Op]['request']
export type OpResponse<Op extends OpName> = OpTypes[Op]['response']

/** Each op's request validator: the frame's fields checked and copied, or INVALID_REQUEST naming the field. */
export const REQUEST_PARSERS: { readonly [Op in OpName]: (frame: RequestFrame) => Parsed<OpRequest<Op>> } = {
  hello: parseHelloRequest,
  metadata: parseMetadataRequest,
  createTopics: parseCreateTopicsRequest,
  deleteTopics: parseDeleteTopicsRequest,
  describeTopics: parseDescribeTopicsRequest,
  alterTopicConfig: parseAlterTopicConfigRequest,
  createPartitions: parseCreatePartitionsRequest,
  initProducerId: parseInitProducerIdRequest,
  produce: parseProduceRequest,
  fetch: parseFetchRequest,
  listOffsets: parseListOffsetsRequest,
  subscribe: parseSubscribeRequest,
  credit: parseCreditRequest,
  unsubscribe: parseUnsubscribeRequest,
  heartbeat: parseHeartbeatRequest,
  leaveGroup: parseLeaveGroupRequest,
  commitOffsets: parseCommitOffsetsRequest,
  fetchOffsets: parseFetchOffsetsRequest,
  describeGroups: parseDescribeGroupsRequest,
  listGroups: parseListGroupsRequest,
  deleteGroup: parseDeleteGroupRequest,
  alterGroupOffsets: parseAlterGroupOffsetsRequest,
  stats: parseStatsRequest,
  repairPartition: parseRepairPartitionRequest,
  deleteRecords: parseDeleteRecordsRequest,
  replicaFetch: parseReplicaFetchRequest,
  offsetsForLeaderEpoch: parseOffsetsForLeaderEpochRequest,
  describeCluster: parseDescribeClusterRequest,
  findCoordinator: parseFindCoordinatorRequest,
  alterPartitionReassignments: parseAlterPartitionReassignmentsRequest,
  listPartitionReassignments: parseListPartitionReassignmentsRequest,
  electLeaders: parseElectLeadersRequest,
  saslAuthenticate: parseSaslAuthenticateRequest,
  createAcls: parseCreateAclsRequest,
  describeAcls: parseDescribeAclsRequest,
  deleteAcls: parseDeleteAclsRequest,
  describeUsers: parseDescribeUsersRequest,
  alterUsers: parseAlterUsersRequest,
}

/** The names of every op this version speaks; pass it as parseRequestEnvelope's knownOps. */
export const OPS: ReadonlySet<OpName> = new Set(Object.keys(REQUEST_PARSERS) as OpName[])

export function isOpName(op: string): op is OpName {
  return (OPS as ReadonlySet<string>).has(op)
}

/** Validates a request whose envelope has been checked, by its op; UNKNOWN_OP is the envelope's job. */
export function parseOpRequest<Op extends OpName>(op: Op, frame: RequestFrame): Parsed<OpRequest<Op>> {
  return (REQUEST_PARSERS[op] as (frame: RequestFrame) => Parsed<OpRequest<Op>>)(frame)
}

// The op handlers by op name: the session dispatches each checked request here. Every op of
// docs/protocol.md has one file in this folder.
import type { OpName } from '@faecie/protocol'
import type { OpHandler } from '../context.js'
import { alterTopicConfig } from './alter-topic-config.js'
import { createPartitions } from './create-partitions.js'
import { createTopics } from './create-topics.js'
import { credit } from './credit.js'
import { deleteTopics } from './delete-topics.js'
import { describeTopics } from './describe-topics.js'
import { fetch } from './fetch.js'
import { hello } from './hello.js'
import { initProducerId } from './init-producer-id.js'
import { listOffsets } from './list-offsets.js'
import { metadata } from './metadata.js'
import { produce } from './produce.js'
import { subscribe } from './subscribe.js'
import { unsubscribe } from './unsubscribe.js'
import { heartbeat } from './heartbeat.js'
import { leaveGroup } from './leave-group.js'
import { commitOffsets } from './commit-offsets.js'
import { fetchOffsets } from './fetch-offsets.js'
import { describeGroups } from './describe-groups.js'
import { listGroups } from './list-groups.js'
import { deleteGroup } from './delete-group.js'
import { alterGroupOffsets } from './alter-group-offsets.js'
import { stats } from './stats.js'
import { repairPartition } from './repair-partition.js'
import { deleteRecords } from './delete-records.js'
import { describeCluster } from './describe-cluster.js'
import { findCoordinator } from './find-coordinator.js'
import { alterPartitionReassignments, electLeaders, listPartitionReassignments } from './partition-reassignments.js'
import { offsetsForLeaderEpoch, replicaFetch } from './replica-fetch.js'
import { saslAuthenticate } from './sasl-authenticate.js'
import { createAcls, deleteAcls, describeAcls } from './acls.js'
import { alterUsers, describeUsers } from './users.js'

export const OP_HANDLERS: { readonly [Op in OpName]: OpHandler<Op> } = {
  hello,
  metadata,
  createTopics,
  deleteTopics,
  describeTopics,
  alterTopicConfig,
  createPartitions,
  initProducerId,
  produce,
  fetch,
  listOffsets,
  subscribe,
  credit,
  unsubscribe,
  heartbeat,
  leaveGroup,
  commitOffsets,
  fetchOffsets,
  describeGroups,
  listGroups,
  deleteGroup,
  alterGroupOffsets,
  stats,
  repairPartition,
  deleteRecords,
  replicaFetch,
  offsetsForLeaderEpoch,
  describeCluster,
  findCoordinator,
  alterPartitionReassignments,
  listPartitionReassignments,
  electLeaders,
  saslAuthenticate,
  createAcls,
  describeAcls,
  deleteAcls,
  describeUsers,
  alterUsers,
}

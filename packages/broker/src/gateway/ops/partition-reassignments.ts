// Ops `alterPartitionReassignments`, `listPartitionReassignments` and `electLeaders`: the cluster's
// replica moves and preferred-leader elections, decided by the controller (cluster/). A single
// broker has one replica of each partition, on itself: a move to [itself] changes nothing, any other
// names a broker that does not exist; it has no moves in progress, and every partition is already
// led by its preferred (only) replica.
// ACLs, as Kafka's: Alter on the cluster to move replicas and elect leaders, Describe on it to list
// the moves (else CLUSTER_AUTHORIZATION_FAILED).
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { checkCluster } from '../../security/op-access.js'
import { changeOptions, checkItemCount, type OpHandler } from '../context.js'

export const alterPartitionReassignments: OpHandler<'alterPartitionReassignments'> = async (request, { gateway, session }) => {
  checkItemCount(request.partitions.length, gateway.limits)
  checkCluster(gateway.security, session, 'Alter')
  if (gateway.cluster !== undefined) return gateway.cluster.alterPartitionReassignments(request, changeOptions(session).mayForward)
  const self = gateway.broker.brokerId
  return {
    partitions: request.partitions.map(({ topic, partition, replicas }) => {
      const meta = gateway.topics.lookup(topic)
      if (meta === undefined || partition >= meta.partitions) {
        return { topic, partition, error: new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Partition ${topic}-${partition} does not exist.`).toWire() }
      }
      if (replicas === null) {
        return { topic, partition, error: new FaecieError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `No reassignment of ${topic}-${partition} is in progress.`).toWire() }
      }
      if (replicas.length !== 1 || replicas[0] !== self) {
        return { topic, partition, error: new FaecieError(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `A single broker (id ${self}) holds the only replica of each partition; ${JSON.stringify(replicas)} names another broker.`).toWire() }
      }
      return { topic, partition }
    }),
  }
}

export const listPartitionReassignments: OpHandler<'listPartitionReassignments'> = async (request, { gateway, session }) => {
  checkCluster(gateway.security, session, 'Describe')
  if (gateway.cluster !== undefined) return gateway.cluster.listPartitionReassignments(request)
  return { reassignments: [], throttleBytesPerSec: null }
}

export const electLeaders: OpHandler<'electLeaders'> = async (request, { gateway, session }) => {
  checkItemCount(request.partitions?.length ?? 0, gateway.limits)
  checkCluster(gateway.security, session, 'Alter')
  if (gateway.cluster !== undefined) return gateway.cluster.electLeaders(request, changeOptions(session).mayForward)
  const self = gateway.broker.brokerId
  const partitions = request.partitions ?? gateway.topics.all().filter((t) => !t.internal).flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.topic, partition })))
  return {
    partitions: partitions.map(({ topic, partition }) => {
      const meta = gateway.topics.lookup(topic)
      if (meta === undefined || partition >= meta.partitions) {
        return { topic, partition, leader: -1, error: new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Partition ${topic}-${partition} does not exist.`).toWire() }
      }
      return { topic, partition, leader: self, error: new FaecieError(ErrorCode.ELECTION_NOT_NEEDED, `${topic}-${partition} is led by its only replica, broker ${self}.`).toWire() }
    }),
  }
}

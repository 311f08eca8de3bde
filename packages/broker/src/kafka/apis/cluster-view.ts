// The cluster as the Kafka listener tells it, in one place: the brokers of Metadata, DescribeCluster
// and FindCoordinator, each partition's leader, epoch, replicas and ISR, and which partitions this
// broker may serve (Produce, Fetch, ListOffsets, DeleteRecords). A single broker (gateway.cluster
// undefined) is the whole cluster as it always was: itself, controller and leader of everything at
// epoch 0. In cluster mode every answer comes from `gateway.cluster` (etcd's state as last watched):
//
//   brokers       every live broker with a Kafka listener (its registered `kafkaAddress` host:port);
//                 one without (--no-kafka) is left out, and partitions it leads look leaderless to
//                 Kafka clients, which refresh their metadata until the leader moves
//   partition     leader / leaderEpoch / replicas / isr from etcd; leader -1: LEADER_NOT_AVAILABLE,
//                 offlineReplicas the replicas that are not live
//   not led here  NOT_LEADER_OR_FOLLOWER with the leader and epoch etcd names (Kafka's clients
//                 refresh metadata and retry at the leader); a partition etcd does not know is left
//                 to the op, which answers UNKNOWN_TOPIC_OR_PARTITION
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { ClusterGateway } from '../../gateway/context.js'
import type { KafkaApiContext } from './context.js'

export interface KafkaBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export interface KafkaPartitionView {
  errorCode: number
  leaderId: number
  leaderEpoch: number
  replicaNodes: number[]
  isrNodes: number[]
  offlineReplicas: number[]
}

/** A partition this broker does not serve: the error and the leader Kafka clients should go to. */
export interface Misdirection {
  errorCode: number
  errorMessage: string
  leaderId: number
  leaderEpoch: number
}

/** `host:port` (or `[v6]:port`) as host and port; undefined when it is not one. */
export function parseKafkaAddress(address: string): { host: string; port: number } | undefined {
  const at = address.lastIndexOf(':')
  if (at <= 0) return undefined
  const port = Number(address.slice(at + 1))
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1')
  return host === '' ? undefined : { host, port }
}

/** The brokers Kafka clients may connect to, by id. */
export function kafkaBrokers({ gateway, listener }: KafkaApiContext): KafkaBroker[] {
  const cluster = gateway.cluster
  if (cluster === undefined) return [{ nodeId: listener.brokerId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null }]
  const brokers: KafkaBroker[] = []
  for (const b of cluster.brokers()) {
    // This broker's own listener is known here even before its registration shows it.
    const address = b.brokerId === cluster.brokerId ? { host: listener.advertisedHost, port: listener.advertisedPort }
      : b.kafkaAddress === undefined ? undefined : parseKafkaAddress(b.kafkaAddress)
    if (address !== undefined) brokers.push({ nodeId: b.brokerId, ...address, rack: b.rack })
  }
  if (!brokers.some((b) => b.nodeId === cluster.brokerId)) {
    brokers.push({ nodeId: cluster.brokerId, host: listener.advertisedHost, port: listener.advertisedPort, rack: null })
  }
  return brokers.sort((a, b) => a.nodeId - b.nodeId)
}

export function kafkaControllerId({ gateway, listener }: KafkaApiContext): number {
  return gateway.cluster?.controllerId() ?? listener.brokerId
}

export function kafkaClusterId({ gateway, listener }: KafkaApiContext): string {
  return gateway.cluster?.clusterId ?? listener.clusterId
}

/**
 * A partition as Metadata describes it. Internal topics (the coordinator's, kept by each broker for
 * itself until issue 14) are this broker's own, as on a single broker.
 */
export function kafkaPartition(ctx: KafkaApiContext, topic: string, partition: number, live: ReadonlySet<number>, internal = false): KafkaPartitionView {
  const cluster = ctx.gateway.cluster
  const self = ctx.listener.brokerId
  if (cluster === undefined || internal) return { errorCode: 0, leaderId: self, leaderEpoch: 0, replicaNodes: [self], isrNodes: [self], offlineReplicas: [] }
  const state = cluster.partitionState(topic, partition)
  if (state === undefined) {
    // Created but not yet seen in etcd's watched state: no leader to name yet.
    return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1, leaderEpoch: -1, replicaNodes: [], isrNodes: [], offlineReplicas: [] }
  }
  return {
    errorCode: state.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
    leaderId: state.leader,
    leaderEpoch: state.leaderEpoch,
    replicaNodes: [...state.replicas],
    isrNodes: [...state.isr],
    offlineReplicas: state.replicas.filter((id) => !live.has(id)),
  }
}

/** The ids of the live brokers (all of them, Kafka listener or not). */
export function liveBrokerIds(cluster: ClusterGateway | undefined, self: number): ReadonlySet<number> {
  return new Set(cluster === undefined ? [self] : cluster.brokers().map((b) => b.brokerId))
}

/**
 * Undefined when this broker serves the partition (a single broker serves every partition; in a
 * cluster, the leader at etcd's epoch whose session is live now), else why not and where to go.
 */
export function misdirection(ctx: KafkaApiContext, topic: string, partition: number): Misdirection | undefined {
  const cluster = ctx.gateway.cluster
  if (cluster === undefined || cluster.isLeaderNow(topic, partition)) return undefined
  const state = cluster.partitionState(topic, partition)
  if (state === undefined) return undefined
  const leader = state.leader === cluster.brokerId ? -1 : state.leader
  const where = leader < 0 ? 'it has no leader available now' : `broker ${leader} leads it (epoch ${state.leaderEpoch})`
  return {
    errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    errorMessage: `Broker ${cluster.brokerId} is not the leader of ${topic}-${partition}: ${where}.`,
    leaderId: leader,
    leaderEpoch: leader < 0 ? -1 : state.leaderEpoch,
  }
}

/** The brokers named as leaders in `misdirected` (Produce v10+ / Fetch v16+ nodeEndpoints: KIP-951). */
export function leaderEndpoints(ctx: KafkaApiContext, misdirected: Iterable<Misdirection>): KafkaBroker[] {
  const wanted = new Set<number>()
  for (const m of misdirected) if (m.leaderId >= 0) wanted.add(m.leaderId)
  if (wanted.size === 0) return []
  return kafkaBrokers(ctx).filter((b) => wanted.has(b.nodeId))
}

/**
 * The broker coordinating a consumer group, as Kafka's clients reach it: a single broker is itself;
 * in a cluster, the leader of the group's `__consumer_offsets` partition (the gateway's
 * findCoordinator: the topic is made on the first ask), by its Kafka listener. No leader, the topic
 * being made, or a leader without a Kafka listener: COORDINATOR_NOT_AVAILABLE (thrown; clients ask again).
 */
export async function groupCoordinator(ctx: KafkaApiContext, groupId: string): Promise<KafkaBroker> {
  const cluster = ctx.gateway.cluster
  if (cluster === undefined) return kafkaBrokers(ctx)[0]!
  const { brokerId, partition } = await cluster.findCoordinator({ key: groupId })
  const broker = kafkaBrokers(ctx).find((b) => b.nodeId === brokerId)
  if (broker === undefined) {
    throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE,
      `Broker ${brokerId} leads __consumer_offsets-${partition}, which holds group ${groupId}, but has no Kafka listener known.`)
  }
  return broker
}

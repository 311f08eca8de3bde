// The reconciler's plan: the parts of the partition manager and the fetchers it drives, and what a
// broker should run for one partition given etcd's state (its target), as a pure function: nothing (not a replica here, or the topic is gone), the leader at etcd's epoch, or a
// follower of etcd's leader. A fenced broker (its session lapsed: the controller may already have
// given its leaderships away) leads nothing: where etcd names it leader it is a follower of no one
// (-1) until it is unfenced, when etcd still naming it makes it leader again.
import type { LeaderRole, PartitionConfig, ReplicaRoleResult } from '../partition/messages.js'
import type { TopicConfig } from '../topics/config.js'
import type { ClusterState } from './cluster-state.js'
import type { PartitionState } from './partition-state.js'

/** The partition manager's part the reconciler drives (PartitionManager has it). */
export interface ReconcilerPartitions {
  open(topic: string, partition: number, config: PartitionConfig): Promise<unknown>
  updateConfig(topic: string, partition: number, config: PartitionConfig): Promise<unknown>
  delete(topic: string, partition: number): Promise<void>
  request(topic: string, partition: number,
    request: { op: 'becomeLeader'; role: LeaderRole } | { op: 'becomeFollower'; leader: number; leaderEpoch: number }): Promise<ReplicaRoleResult>
}

/** The replica fetchers' part the reconciler drives (replication/replica-fetchers.ts). */
export interface ReconcilerFetchers {
  follow(topic: string, partition: number, target: { leader: number; leaderEpoch: number; latestEpoch: number; logEndOffset: number }): void
  unfollow(topic: string, partition: number): void
}

export type ReplicaTarget =
  | { kind: 'absent' }
  | { kind: 'leader'; topicId: string; config: TopicConfig; state: PartitionState; isrIneligible?: number[] }
  | { kind: 'follower'; topicId: string; config: TopicConfig; leader: number; leaderEpoch: number }

export function replicaTarget(state: ClusterState, brokerId: number, fenced: boolean, topic: string, partition: number): ReplicaTarget {
  const record = state.topics.get(topic)
  const partitionState = state.partitions.get(topic)?.get(partition)?.value
  if (record === undefined || partitionState === undefined || partition >= record.value.partitions || !partitionState.replicas.includes(brokerId)) {
    return { kind: 'absent' }
  }
  const { topicId, config } = record.value
  if (partitionState.leader === brokerId && !fenced) {
    // Replicas that may not join the ISR are part of the target, so that a change of theirs applies
    // the leader role again (the role names them: cluster-runtime.ts leaderRoleOf, isrIneligibleOf).
    const isrIneligible = isrIneligibleOf(state, partitionState.replicas, brokerId)
    return { kind: 'leader', topicId, config, state: partitionState, ...(isrIneligible.length === 0 ? {} : { isrIneligible }) }
  }
  const leader = partitionState.leader === brokerId ? -1 : partitionState.leader
  return { kind: 'follower', topicId, config, leader, leaderEpoch: partitionState.leaderEpoch }
}

/**
 * The replicas (other than `self`) that may not join an ISR now: those in controlled shutdown, and
 * those not registered (gone, or not yet back). A leader's pending expansion naming one is dropped
 * when its role says so (replica-state.ts updateRole): the ISR writer refuses to write it, and left
 * pending it would hold the high watermark for a broker that is not fetching.
 */
export function isrIneligibleOf(state: ClusterState, replicas: readonly number[], self: number): number[] {
  return replicas.filter((id) => id !== self && (state.brokers.get(id) === undefined || state.brokers.get(id)?.shuttingDown === true))
}

/** Every partition of `state` with this broker among its replicas, as [topic, partition]. */
export function partitionsHere(state: ClusterState, brokerId: number): [string, number][] {
  const out: [string, number][] = []
  for (const [topic, partitions] of state.partitions) {
    for (const [partition, versioned] of partitions) if (versioned.value.replicas.includes(brokerId)) out.push([topic, partition])
  }
  return out
}

const PARTITION_DIR = /^([a-zA-Z0-9._-]+)-(\d+)$/

/**
 * Partition directories (TOPIC-PARTITION) among `names` that are not replicas here: left alone, and
 * logged, by the reconciler. The broker's own internal logs (`__...`) are not partitions of etcd's,
 * nor are directories the single broker moved aside (`NAME.orphaned-<ms>`, coordinator-actor.ts).
 */
export function unknownPartitionDirs(names: string[], isHere: (topic: string, partition: number) => boolean): string[] {
  return names.filter((name) => {
    const match = PARTITION_DIR.exec(name)
    return match !== null && !name.startsWith('__') && !name.includes('.orphaned-') && !isHere(match[1]!, Number(match[2]))
  })
}

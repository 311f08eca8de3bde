// The cluster's internal topic of consumer groups, `__consumer_offsets` (Kafka's name and layout):
// `offsetsTopicPartitions` partitions (--offsets-topic-partitions, default 50), each holding the
// groups whose id hashes to it (groupPartition of protocol find-coordinator.ts), replicated on
// --offsets-topic-replication-factor (default 3) brokers, compacted (the latest record per key
// wins: groups/offset-records.ts), min.insync.replicas min(2, replication factor).
// The leader of a partition coordinates its groups (cluster/group-shards.ts). The topic is made by
// the controller on the first findCoordinator (ClusterTopics.ensureOffsetsTopic); clients can
// neither create, delete nor grow it (the group -> partition mapping depends on its partition count).
// As in Kafka, it is never made with fewer replicas than configured: while fewer brokers are live,
// findCoordinator and group ops answer COORDINATOR_NOT_AVAILABLE (retriable) naming the flag (made
// smaller, every commit would have one copy for good).
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { TopicConfig } from '../topics/config.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

/** Defaults and bounds of --offsets-topic-partitions and --offsets-topic-replication-factor. */
export const OFFSETS_TOPIC_DEFAULTS = {
  partitions: 50,
  replicationFactor: 3,
  /** min.insync.replicas is min(this, replication factor). */
  minInsyncReplicasMax: 2,
  partitionsMax: 1000,
} as const

export interface OffsetsTopicSettings {
  /** --offsets-topic-partitions. */
  partitions: number
  /** --offsets-topic-replication-factor: the topic is made only once this many brokers are live. */
  replicationFactor: number
}

export interface OffsetsTopicSpec {
  numPartitions: number
  replicationFactor: number
  config: TopicConfig
}

/**
 * What the topic is made with; throws COORDINATOR_NOT_AVAILABLE while fewer than its replication
 * factor of brokers are live.
 */
export function offsetsTopicSpec(settings: OffsetsTopicSettings, liveBrokers: number): OffsetsTopicSpec {
  assert(settings.partitions >= 1 && settings.replicationFactor >= 1, `bad offsets topic settings ${JSON.stringify(settings)}`)
  const replicationFactor = settings.replicationFactor
  if (liveBrokers < replicationFactor) {
    throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE,
      `${OFFSETS_TOPIC} needs ${replicationFactor} live brokers (--offsets-topic-replication-factor ${replicationFactor}); ` +
      `${liveBrokers} ${liveBrokers === 1 ? 'is' : 'are'} live: start more brokers, or lower the flag on every broker.`)
  }
  return {
    numPartitions: settings.partitions,
    replicationFactor,
    config: {
      'cleanup.policy': 'compact',
      'min.insync.replicas': String(Math.min(OFFSETS_TOPIC_DEFAULTS.minInsyncReplicasMax, replicationFactor)),
    },
  }
}

// The consumer groups of a cluster broker, wired (the runtime's part of issue 14's groups): the
// GroupShards of the `__consumer_offsets` partitions this broker leads (group-shards.ts), each
// GroupShard writing through an OffsetsPartitionHost to its partition's actor, its groups seeing
// etcd's topics; the internal topic made on the first ask (offsets-topic.ts, by the controller);
// and the watch's changes fed in: a topic whose id or size changed, or that went, reaches every
// shard's groups, and every change re-syncs which shards run here.
import type { GroupSettings } from '../groups/consumer-group.js'
import { GroupShard } from '../groups/group-shard.js'
import type { LocalPartitionRole } from '../gateway/context.js'
import type { Logger } from '../log.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { ClusterConfig } from '../server/cluster-config.js'
import type { MonotonicClock } from './broker-session.js'
import type { PeerLinksLike } from './cluster-parts.js'
import type { ClusterState, ClusterStateWatch } from './cluster-state.js'
import type { ClusterTopics } from './cluster-topics.js'
import { GroupShards } from './group-shards.js'
import { OffsetsPartitionHost } from './offsets-partition-host.js'
import { OFFSETS_TOPIC, offsetsTopicSpec } from './offsets-topic.js'

export interface ClusterGroupsDeps {
  brokerId: number
  config: ClusterConfig
  partitions: PartitionManager
  logger: Logger
  clock: MonotonicClock
  links: PeerLinksLike
  watch: ClusterStateWatch
  topics: ClusterTopics
  isLeaderNow(topic: string, partition: number): boolean
  localRole(topic: string, partition: number): LocalPartitionRole | undefined
  /** The groups' wall clock (commit timestamps, retention). */
  groupClock: () => number
  groupSettings?: Partial<GroupSettings>
}

/** The broker's GroupShards, fed by the watch; started by the runtime's join(), stopped by its stop(). */
export function clusterGroupShards(d: ClusterGroupsDeps): GroupShards {
  const { config, partitions, logger, watch } = d
  const leaderEpochNow = (p: number): number | undefined => (d.isLeaderNow(OFFSETS_TOPIC, p) ? d.localRole(OFFSETS_TOPIC, p)?.leaderEpoch : undefined)
  const groupTopics = {
    topic: (name: string) => d.topics.topic(name),
    names: () => d.topics.topics().filter((t) => !t.internal).map((t) => t.topic),
  }
  const shards = new GroupShards({
    brokerId: d.brokerId, links: d.links, clock: d.clock, logger: logger.child({ module: 'group-shards' }), leaderEpochNow,
    offsetsPartitions: () => watch.state.topics.get(OFFSETS_TOPIC)?.value.partitions,
    leaderOf: (p) => {
      const leader = watch.state.partitions.get(OFFSETS_TOPIC)?.get(p)?.value.leader ?? -1
      return { brokerId: leader, url: leader < 0 ? undefined : watch.state.brokers.get(leader)?.advertisedUrl }
    },
    liveBrokers: () => [...watch.state.brokers.keys()],
    ensureOffsetsTopic: () => d.topics.ensureOffsetsTopic(offsetsTopicSpec(
      { partitions: config.offsetsTopicPartitions, replicationFactor: config.offsetsTopicReplicationFactor }, watch.state.brokers.size)),
    makeShard: (partition, leaderEpoch) => new GroupShard({
      partition, clock: d.groupClock, topics: groupTopics, logger, ...(d.groupSettings === undefined ? {} : { settings: d.groupSettings }),
      host: new OffsetsPartitionHost({ partition, partitions, leaderEpoch, leaderEpochNow: () => leaderEpochNow(partition) }),
    }),
  })
  let topicsSeen = topicVersions(watch.state)
  watch.on('change', () => {
    const now = topicVersions(watch.state)
    for (const [topic, version] of now) if (topicsSeen.get(topic) !== version) shards.onTopicChanged(topic, false)
    for (const topic of topicsSeen.keys()) if (!now.has(topic)) shards.onTopicChanged(topic, true)
    topicsSeen = now
    shards.sync()
  })
  return shards
}

/** Each topic's identity and size as etcd has it: a change of either is a change groups hear of. */
function topicVersions(state: ClusterState): Map<string, string> {
  return new Map([...state.topics].map(([name, record]) => [name, `${record.value.topicId}/${record.value.partitions}`]))
}

// The admin's partition requests in a cluster: listOffsets and deleteRecords go to each partition's
// leader, so a request naming many partitions is split into one request per leader and the answers
// put back together (with a single broker, leader of all: one request, as before clusters). Also
// the topic description with each partition's leader, replicas and ISR (from metadata).
import type { DescribedPartition, DescribedTopic, MetadataTopic } from '@faecie/protocol'
import type { Cluster } from './cluster.js'
import type { Connection } from './connection.js'

/** A partition as describeTopics tells it, with (includeReplicas) its leader, replicas and ISR. */
export interface PartitionDescription extends DescribedPartition {
  leader?: number
  leaderEpoch?: number
  replicas?: number[]
  isr?: number[]
}

export interface TopicDescription extends Omit<DescribedTopic, 'partitions'> {
  partitions?: PartitionDescription[]
}

export interface TopicPartitions<P> {
  topic: string
  partitions: P[]
}

/** The topics' partitions grouped by their leader's connection (connecting or refreshing as needed). */
export async function groupByLeader<P extends { partition: number }>(
  cluster: Cluster, topics: Array<TopicPartitions<P>>,
): Promise<Map<Connection, Array<TopicPartitions<P>>>> {
  const groups = new Map<Connection, Map<string, P[]>>()
  for (const { topic, partitions } of topics) {
    for (const spec of partitions) {
      const connection = await cluster.leaderConnection(topic, spec.partition)
      let group = groups.get(connection)
      if (group === undefined) groups.set(connection, (group = new Map()))
      let list = group.get(topic)
      if (list === undefined) group.set(topic, (list = []))
      list.push(spec)
    }
  }
  const out = new Map<Connection, Array<TopicPartitions<P>>>()
  for (const [connection, group] of groups) out.set(connection, [...group].map(([topic, partitions]) => ({ topic, partitions })))
  return out
}

/**
 * Sends each leader its share of `topics` with `ask`, and merges the answers' topics in the order
 * asked (the partitions of a topic answered by several leaders put together).
 */
export async function askLeaders<P extends { partition: number }, A>(
  cluster: Cluster,
  topics: Array<TopicPartitions<P>>,
  ask: (connection: Connection, topics: Array<TopicPartitions<P>>) => Promise<Array<TopicPartitions<A>>>,
): Promise<Array<TopicPartitions<A>>> {
  const groups = await groupByLeader(cluster, topics)
  const answers = await Promise.all([...groups].map(([connection, asked]) => ask(connection, asked)))
  const merged = new Map<string, A[]>(topics.map(({ topic }) => [topic, []]))
  for (const answer of answers.flat()) {
    const list = merged.get(answer.topic)
    if (list === undefined) merged.set(answer.topic, [...answer.partitions])
    else list.push(...answer.partitions)
  }
  return [...merged].map(([topic, partitions]) => ({ topic, partitions }))
}

/** A described topic with each partition's leader, epoch, replicas and ISR from its metadata. */
export function withReplicas(topic: DescribedTopic, metadata: MetadataTopic | undefined): TopicDescription {
  if (topic.partitions === undefined || metadata === undefined) return topic
  return {
    ...topic,
    partitions: topic.partitions.map((p) => {
      const meta = metadata.partitions.find((m) => m.partition === p.partition)
      if (meta === undefined) return p
      return { ...p, leader: meta.leader, leaderEpoch: meta.leaderEpoch ?? 0, replicas: meta.replicas ?? [meta.leader], isr: meta.isr ?? [meta.leader] }
    }),
  }
}

// The admin's partition requests in a cluster: listOffsets and deleteRecords go to each partition's
// leader, so a request naming many partitions is split into one request per leader and the answers
// put back together (with a single broker, leader of all: one request, as before clusters). Also
// the topic description with each partition's leader, replicas and ISR (from metadata).
//
// describeTopics: a broker answers each partition's offsets and size from its own replica (-1
// where it has none, a follower's lagging view where it follows), so in a cluster each partition's
// row is taken from its leader's answer (one describeTopics per leading broker, over the client's
// per-broker connections). An offline partition (no leader) shows -1. An internal topic
// (__consumer_offsets), which brokers do not describe, is described from its metadata alone when
// named: its partitions, leaders and replicas, its offsets -1.
import { ErrorCode, FaecieError, type DescribedPartition, type DescribedTopic, type MetadataResponse, type MetadataTopic, type WireError } from '@faecie/protocol'
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

/** A per-topic error as thrown: its message names the topic. */
export function topicError(topic: string, error: WireError): FaecieError {
  // The broker's message usually names the topic already.
  const message = error.message.includes(topic) ? error.message : `${topic}: ${error.message}`
  return new FaecieError(error.code, message, { errorName: error.name, retriable: error.retriable })
}

/** The row of a partition whose offsets nobody can tell (no leader, or an internal topic). */
const unknownRow = (partition: number): DescribedPartition => ({ partition, logStartOffset: -1, highWatermark: -1, logEndOffset: -1, sizeBytes: 0 })

/**
 * One attempt of describeTopics (see the top of the file): the topics' ids and configs from the
 * broker the client talks to, each partition's offsets from its leader, and (includeReplicas) the
 * leader, epoch, replicas and ISR from metadata. Throws the first topic's error.
 */
export async function describeFromLeaders(cluster: Cluster, topics: string[], includeReplicas: boolean): Promise<TopicDescription[]> {
  const any = await cluster.connect()
  const [answer, metadata] = await Promise.all([any.request('describeTopics', { topics }), cluster.metadata(topics, { retry: false })])
  const metaOf = new Map(metadata.topics.map((t) => [t.topic, t]))
  const described = answer.topics.map((topic): DescribedTopic => {
    const meta = metaOf.get(topic.topic)
    if (topic.error === undefined) return topic
    if (topic.error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && meta?.internal === true && meta.error === undefined) {
      return { topic: topic.topic, topicId: meta.topicId, config: {}, partitions: meta.partitions.map((p) => unknownRow(p.partition)) }
    }
    throw topicError(topic.topic, topic.error)
  })
  // Per leading broker other than the one answered already: the topics it leads a partition of.
  const byLeader = new Map<number, Set<string>>()
  for (const topic of described) {
    const meta = metaOf.get(topic.topic)
    if (meta === undefined || meta.internal) continue
    for (const p of meta.partitions) {
      if (p.leader < 0 || p.leader === any.hello.brokerId) continue
      byLeader.set(p.leader, (byLeader.get(p.leader) ?? new Set()).add(topic.topic))
    }
  }
  const leaderAnswers = new Map<number, Map<string, DescribedTopic>>([[any.hello.brokerId, new Map(described.map((t) => [t.topic, t]))]])
  await Promise.all([...byLeader].map(async ([brokerId, names]) => {
    const response = await askBroker(cluster, metadata, brokerId, [...names])
    for (const t of response) if (t.error !== undefined) throw topicError(t.topic, t.error)
    leaderAnswers.set(brokerId, new Map(response.map((t) => [t.topic, t])))
  }))
  return described.map((topic) => {
    const meta = metaOf.get(topic.topic)
    if (meta === undefined || meta.internal) return includeReplicas ? withReplicas(topic, meta) : topic
    const partitions = (topic.partitions ?? []).map((row) => {
      const leader = meta.partitions.find((m) => m.partition === row.partition)?.leader ?? -1
      if (leader < 0) return unknownRow(row.partition)
      return leaderAnswers.get(leader)?.get(topic.topic)?.partitions?.find((p) => p.partition === row.partition) ?? unknownRow(row.partition)
    })
    const merged = { ...topic, partitions }
    return includeReplicas ? withReplicas(merged, meta) : merged
  })
}

/** describeTopics at one broker, over its own session (BROKER_NOT_AVAILABLE, retriable, when another answers). */
async function askBroker(cluster: Cluster, metadata: MetadataResponse, brokerId: number, topics: string[]): Promise<DescribedTopic[]> {
  const url = metadata.brokers?.find((b) => b.brokerId === brokerId)?.url
  if (url === undefined) throw new FaecieError(ErrorCode.LEADER_NOT_AVAILABLE, `Broker ${brokerId}, a leader of ${topics.join(',')}, is not among the live brokers.`)
  const connection = await cluster.brokerConnection(brokerId, url)
  if (connection.hello.brokerId !== brokerId) {
    throw new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, `${url} is broker ${connection.hello.brokerId}, not broker ${brokerId}.`)
  }
  return (await connection.request('describeTopics', { topics })).topics
}

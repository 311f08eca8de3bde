// One topic described for a view, or `undefined` when the broker has no such topic. The op itself
// is used, not admin.describeTopics: that one retries UNKNOWN_TOPIC_OR_PARTITION (retriable while a
// new topic's partitions open) for many seconds, and a page about a topic that does not exist
// should say so at once. Other errors are thrown as FaecieErrors.
import { ErrorCode, FaecieError, type DescribedTopic } from '@faecie/protocol'
import type { ConsoleClient } from './client.js'

export async function describeTopicOrUndefined(client: ConsoleClient, topic: string): Promise<DescribedTopic | undefined> {
  const { topics } = await client.reader.cluster.request('describeTopics', { topics: [topic] })
  const described = topics.find((t) => t.topic === topic)
  if (described === undefined || described.error?.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return undefined
  if (described.error !== undefined) throw new FaecieError(described.error.code, described.error.message)
  return described
}

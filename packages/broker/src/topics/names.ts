// Topic names, as Kafka allows them: 1-249 characters of [a-zA-Z0-9._-], never `.` or `..` (they
// would name directories of their own). Names starting with `__` are internal: the broker's own
// topics (`__cluster_metadata`, later `__consumer_offsets`), which clients can neither create nor
// delete. A partition's directory is `TOPIC-PARTITION`, so the name must be safe as a path segment,
// which these rules ensure.
import { ErrorCode, FaecieError } from '@faecie/protocol'

export const TOPIC_NAME_LENGTH_MAX = 249
const LEGAL = /^[a-zA-Z0-9._-]+$/

/** The broker's own metadata log; its one partition lives in DATA_DIR/__cluster_metadata-0. */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata'

export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__')
}

/** The reason a name is not a legal topic name, or undefined when it is. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'a topic name cannot be empty'
  if (topic.length > TOPIC_NAME_LENGTH_MAX) {
    return `a topic name has at most ${TOPIC_NAME_LENGTH_MAX} characters, this one ${topic.length}`
  }
  if (topic === '.' || topic === '..') return `"${topic}" is not a legal topic name`
  if (!LEGAL.test(topic)) return `topic name ${JSON.stringify(topic.slice(0, 64))} has characters outside [a-zA-Z0-9._-]`
  return undefined
}

/** Throws INVALID_TOPIC_EXCEPTION for a name a client may not create (illegal, or internal). */
export function checkCreatableTopicName(topic: string): void {
  const problem = topicNameProblem(topic)
  if (problem !== undefined) throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Invalid topic: ${problem}.`)
  if (isInternalTopic(topic)) {
    throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Invalid topic: names starting with "__" are internal to the broker (${topic}).`)
  }
}

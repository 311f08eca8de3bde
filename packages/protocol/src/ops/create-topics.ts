// Op `createTopics`: creates topics with a partition count and config, answered per topic.
// Whether a name is valid, the count allowed and the config known is the broker's to judge: it
// answers those per topic (INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG).
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { type ConfigMap, parseOp } from './fields.js'

export interface CreateTopicSpec {
  topic: string
  /** Default 1. */
  numPartitions?: number
  /**
   * Replicas per partition (cluster mode). Default: the broker's --replication-factor, itself
   * min(3, live brokers). Above the live brokers: INVALID_REPLICATION_FACTOR. A single broker
   * accepts 1 only.
   */
  replicationFactor?: number
  /** Topic config, Kafka's keys (`retention.ms`, `flush`, ...) with string values. */
  config?: ConfigMap
}

export interface CreateTopicsRequest {
  topics: CreateTopicSpec[]
  /** An existing topic is not an error (no TOPIC_ALREADY_EXISTS). */
  ifNotExists?: boolean
  /** Check everything, create nothing. */
  validateOnly?: boolean
}

export interface CreateTopicResult {
  topic: string
  topicId?: string
  error?: WireError
}

export interface CreateTopicsResponse {
  topics: CreateTopicResult[]
}

export function parseCreateTopicsRequest(frame: RequestFrame): Parsed<CreateTopicsRequest> {
  return parseOp(frame, (f) => {
    const topics = f.maps('topics', (t) => {
      const spec: CreateTopicSpec = { topic: t.str('topic') }
      const numPartitions = t.optionalInt('numPartitions')
      if (numPartitions !== undefined) spec.numPartitions = numPartitions
      const replicationFactor = t.optionalInt('replicationFactor', { min: 1, max: 32767 })
      if (replicationFactor !== undefined) spec.replicationFactor = replicationFactor
      const config = t.optionalConfig('config')
      if (config !== undefined) spec.config = config
      return spec
    })
    const request: CreateTopicsRequest = { topics }
    const ifNotExists = f.optionalBool('ifNotExists')
    if (ifNotExists !== undefined) request.ifNotExists = ifNotExists
    const validateOnly = f.optionalBool('validateOnly')
    if (validateOnly !== undefined) request.validateOnly = validateOnly
    return request
  })
}

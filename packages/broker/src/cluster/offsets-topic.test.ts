// The spec `__consumer_offsets` is made with: never fewer replicas than --offsets-topic-replication-factor
// (as Kafka: with fewer live brokers, COORDINATOR_NOT_AVAILABLE naming the flag), compacted,
// min.insync.replicas min(2, replication factor).
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { offsetsTopicSpec } from './offsets-topic.js'

describe('offsetsTopicSpec', () => {
  it('is made with the configured replication factor once that many brokers are live', () => {
    expect(offsetsTopicSpec({ partitions: 50, replicationFactor: 3 }, 5)).toEqual({ numPartitions: 50, replicationFactor: 3,
      config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '2' } })
    expect(offsetsTopicSpec({ partitions: 4, replicationFactor: 1 }, 1)).toMatchObject({ replicationFactor: 1, config: { 'min.insync.replicas': '1' } })
  })

  it('is refused, not made smaller, while fewer brokers are live: COORDINATOR_NOT_AVAILABLE naming the flag', () => {
    for (const live of [0, 1, 2]) {
      let refused: unknown
      try {
        offsetsTopicSpec({ partitions: 50, replicationFactor: 3 }, live)
      } catch (err) {
        refused = err
      }
      expect(refused).toBeInstanceOf(FaecieError)
      expect((refused as FaecieError).code).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      expect((refused as FaecieError).message).toContain('--offsets-topic-replication-factor 3')
      expect((refused as FaecieError).message).toContain(`${live} ${live === 1 ? 'is' : 'are'} live`)
    }
  })
})

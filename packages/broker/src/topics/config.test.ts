// Topic names and topic config: every key's checks, defaults, resets, and the PartitionConfig a topic
// becomes.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { changeTopicConfig, checkMinInsyncReplicas, effectiveTopicConfig, minInsyncReplicasOf, partitionConfigOf, TOPIC_CONFIG_KEYS, validateTopicConfig } from './config.js'
import { checkCreatableTopicName, topicNameProblem } from './names.js'

const limits = { batchBytesMax: 1_000_000 }

function code(work: () => unknown): number | undefined {
  try {
    work()
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

describe('topic names', () => {
  it('follows Kafka: [a-zA-Z0-9._-], 1 to 249 characters, not . or ..', () => {
    for (const ok of ['a', 'orders.v2', 'A_b-c', 'x'.repeat(249), '...']) expect(topicNameProblem(ok), ok).toBeUndefined()
    for (const bad of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'é', 'a\u0000']) expect(topicNameProblem(bad), bad).toBeDefined()
    expect(code(() => checkCreatableTopicName('__consumer_offsets'))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(code(() => checkCreatableTopicName('a/b'))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
  })
})

describe('topic config', () => {
  it('accepts every key in range and gives canonical values', () => {
    const config = validateTopicConfig({
      'retention.ms': '-1', 'retention.bytes': '1048576', 'segment.bytes': '1048576', 'segment.ms': '60000', flush: 'interval',
      'flush.ms': '5', 'max.message.bytes': '1000000', 'message.timestamp.type': 'LogAppendTime', 'cleanup.policy': 'delete',
      'delete.retention.ms': '1000', 'min.cleanable.dirty.ratio': '0.25', 'producer.id.expiration.ms': '3600000',
      'min.insync.replicas': '2',
    }, limits)
    expect(Object.keys(config).sort()).toEqual(Object.keys(TOPIC_CONFIG_KEYS).sort())
    const partition = partitionConfigOf(config, limits)
    expect(partition).toMatchObject({ retentionMs: -1, retentionBytes: 1048576, segmentBytes: 1048576, segmentMs: 60000, flush: 'interval',
      flushMs: 5, maxMessageBytes: 1_000_000, timestampType: 'LogAppendTime', cleanupPolicy: 'delete', deleteRetentionMs: 1000,
      minCleanableDirtyRatio: 0.25, producerIdExpirationMs: 3_600_000 })
  })

  it('accepts compaction, alone or with deletion, in either order, canonically', () => {
    for (const [value, canonical] of [['compact', 'compact'], ['delete', 'delete'], ['compact,delete', 'compact,delete'],
      ['delete,compact', 'compact,delete']] as const) {
      const config = validateTopicConfig({ 'cleanup.policy': value }, limits)
      expect(config['cleanup.policy']).toBe(canonical)
      expect(partitionConfigOf(config, limits).cleanupPolicy).toBe(canonical)
    }
    expect(partitionConfigOf({}, limits)).toMatchObject({ cleanupPolicy: 'delete', deleteRetentionMs: 86_400_000, minCleanableDirtyRatio: 0.5 })
    // Kafka's producer.id.expiration.ms default: one day.
    expect(partitionConfigOf({}, limits).producerIdExpirationMs).toBe(86_400_000)
    expect(validateTopicConfig({ 'min.cleanable.dirty.ratio': '1' }, limits)['min.cleanable.dirty.ratio']).toBe('1')
  })

  it('refuses unknown keys, malformed numbers, values out of range and unknown policies, with INVALID_CONFIG', () => {
    const bad: Record<string, string>[] = [
      { 'retention.msx': '1' }, { 'retention.ms': '1e3' }, { 'retention.ms': '-2' }, { 'segment.bytes': '10' },
      { 'segment.bytes': String(2 ** 31) }, { 'segment.ms': '0' }, { flush: 'ALWAYS' }, { 'flush.ms': '-1' },
      { 'max.message.bytes': '1000001' }, { 'message.timestamp.type': 'Now' }, { 'cleanup.policy': 'compacted' },
      { 'cleanup.policy': 'compact,compact' }, { 'cleanup.policy': '' }, { 'cleanup.policy': 'compact,delete,compact' },
      { 'retention.ms': ' 1' }, { 'delete.retention.ms': '-1' }, { 'min.cleanable.dirty.ratio': '1.5' },
      { 'min.cleanable.dirty.ratio': '-0.1' }, { 'min.cleanable.dirty.ratio': 'half' },
      { 'producer.id.expiration.ms': '0' }, { 'producer.id.expiration.ms': '1d' },
      { 'min.insync.replicas': '0' }, { 'min.insync.replicas': '-1' }, { 'min.insync.replicas': '32768' },
    ]
    for (const config of bad) expect(code(() => validateTopicConfig(config, limits)), JSON.stringify(config)).toBe(ErrorCode.INVALID_CONFIG)
  })

  it('shows defaults under the overrides, and resets a key with null', () => {
    const effective = effectiveTopicConfig({ flush: 'never' }, limits)
    expect(effective).toMatchObject({ flush: 'never', 'max.message.bytes': '1000000', 'cleanup.policy': 'delete', 'message.timestamp.type': 'CreateTime' })
    expect(changeTopicConfig({ flush: 'never', 'retention.ms': '5' }, { flush: null, 'segment.ms': '100' }, limits))
      .toEqual({ 'retention.ms': '5', 'segment.ms': '100' })
    expect(code(() => changeTopicConfig({}, { nope: null }, limits))).toBe(ErrorCode.INVALID_CONFIG)
  })

  it('has min.insync.replicas, default 1, at most the replication factor', () => {
    expect(effectiveTopicConfig({}, limits)['min.insync.replicas']).toBe('1')
    expect(minInsyncReplicasOf({})).toBe(1)
    expect(minInsyncReplicasOf(validateTopicConfig({ 'min.insync.replicas': '2' }, limits))).toBe(2)
    expect(code(() => checkMinInsyncReplicas({ 'min.insync.replicas': '2' }, 2))).toBeUndefined()
    expect(code(() => checkMinInsyncReplicas({ 'min.insync.replicas': '3' }, 2))).toBe(ErrorCode.INVALID_CONFIG)
    expect(code(() => checkMinInsyncReplicas({}, 1))).toBeUndefined()
  })
})

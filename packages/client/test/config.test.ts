// The client's configuration checks: broker addresses, producer and consumer options.
import { describe, expect, it } from 'vitest'
import { brokerUrl, resolveConfig } from '../src/config.js'
import { resolveConsumerConfig } from '../src/consumer/config.js'
import { resolveGroupConfig } from '../src/consumer/group-config.js'
import { resolveProducerConfig } from '../src/producer/config.js'
import { RETRY_DEFAULTS } from '../src/retry.js'
import type { TransportFactory } from '../src/transport.js'

const transport: TransportFactory = () => {
  throw new Error('not used')
}

describe('brokerUrl', () => {
  it('appends /v1/ws to an address without a path', () => {
    expect(brokerUrl('ws://127.0.0.1:8092')).toBe('ws://127.0.0.1:8092/v1/ws')
    expect(brokerUrl('ws://127.0.0.1:8092/')).toBe('ws://127.0.0.1:8092/v1/ws')
    expect(brokerUrl('127.0.0.1:8092')).toBe('ws://127.0.0.1:8092/v1/ws')
    expect(brokerUrl('wss://example.test')).toBe('wss://example.test/v1/ws')
    expect(brokerUrl('http://localhost:9000')).toBe('ws://localhost:9000/v1/ws')
  })

  it('keeps a path that is given and refuses other schemes', () => {
    expect(brokerUrl('ws://h:1/proxy/v1/ws')).toBe('ws://h:1/proxy/v1/ws')
    expect(() => brokerUrl('ftp://h:1')).toThrow(/ws:\/\//)
  })
})

describe('resolveConfig', () => {
  it('needs brokers and fills in defaults', () => {
    expect(() => resolveConfig({ brokers: [] })).toThrow(/brokers/)
    const config = resolveConfig({ brokers: ['h:1'], transport })
    expect(config).toMatchObject({ clientId: 'faecie', connectTimeoutMs: 10_000, requestTimeoutMs: 30_000, retry: RETRY_DEFAULTS })
    expect(() => resolveConfig({ brokers: ['h:1'], transport, requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/)
  })
})

describe('resolveProducerConfig', () => {
  it('is idempotent with acks all by default, and not with acks 0 or 1', () => {
    expect(resolveProducerConfig({}, RETRY_DEFAULTS)).toMatchObject({ acks: -1, idempotent: true, lingerMs: 5, batchBytes: 1 << 20, maxInFlightPerPartition: 16 })
    expect(resolveProducerConfig({ acks: 1 }, RETRY_DEFAULTS).idempotent).toBe(false)
    expect(resolveProducerConfig({ acks: 0 }, RETRY_DEFAULTS)).toMatchObject({ acks: 0, idempotent: false })
  })

  it('refuses contradictions and codecs that are not there', () => {
    expect(() => resolveProducerConfig({ acks: 1, idempotent: true }, RETRY_DEFAULTS)).toThrow(/acks 'all'/)
    expect(() => resolveProducerConfig({ maxInFlightPerPartition: 17 }, RETRY_DEFAULTS)).toThrow(/at most 16/)
    expect(resolveProducerConfig({ maxInFlightPerPartition: 64, idempotent: false }, RETRY_DEFAULTS).maxInFlightPerPartition).toBe(64)
    expect(() => resolveProducerConfig({ acks: 2 as 1 }, RETRY_DEFAULTS)).toThrow(/acks/)
    expect(() => resolveProducerConfig({ compression: 'brotli' as 'gzip' }, RETRY_DEFAULTS)).toThrow(/compression/)
    expect(resolveProducerConfig({ compression: 'gzip' }, RETRY_DEFAULTS).compression).toBe('gzip')
  })
})

describe('resolveConsumerConfig', () => {
  it('resolves a group consumer\'s options with Kafka\'s defaults and refuses bad ones', () => {
    expect(resolveGroupConfig({ groupId: 'billing' })).toMatchObject({
      groupId: 'billing', autoCommit: true, autoCommitIntervalMs: 5_000, rebalanceTimeoutMs: 60_000, maxPollIntervalMs: 300_000, sessionTimeoutMs: undefined,
    })
    expect(() => resolveGroupConfig({ groupId: '' })).toThrow(/groupId/)
    expect(() => resolveGroupConfig({ groupId: 'g', sessionTimeoutMs: 0 })).toThrow(/sessionTimeoutMs/)
    expect(() => resolveGroupConfig({ groupId: 'g', groupInstanceId: '' })).toThrow(/groupInstanceId/)
  })

  it('defaults to fetch mode and autoOffsetReset latest', () => {
    expect(resolveConsumerConfig({}, RETRY_DEFAULTS)).toMatchObject({ mode: 'fetch', autoOffsetReset: 'latest', maxWaitMs: 500, minBytes: 1 })
    expect(() => resolveConsumerConfig({ autoOffsetReset: 'smallest' as 'earliest' }, RETRY_DEFAULTS)).toThrow(/autoOffsetReset/)
    expect(() => resolveConsumerConfig({ mode: 'poll' as 'fetch' }, RETRY_DEFAULTS)).toThrow(/mode/)
  })
})

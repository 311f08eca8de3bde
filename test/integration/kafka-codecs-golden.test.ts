// Golden bytes for the generated Kafka codecs (packages/broker/src/kafka/generated): for every API
// and every version served, Kafka's own Java message classes serialize a sample request and response
// (test/support/java/KafkaGolden.java, compiled here with javac against the cached Kafka jars); the
// generated reader must read those bytes to their end with the sample's values, and the generated
// writer must write back the same bytes.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KAFKA_APIS, type KafkaApiName } from '../../packages/broker/src/kafka/generated/apis.js'
import * as codecs from '../../packages/broker/src/kafka/generated/index.js'
import { KafkaReader, KafkaWriter } from '../../packages/broker/src/kafka/wire.js'
import { ensureInstalled, INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { GROUP_SAMPLES, type Sample, UUID, UUID_B64 } from '../support/kafka-golden-samples.js'
import { SECURITY_SAMPLES } from '../support/kafka-golden-security-samples.js'
import { ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'



/** One request and one response per API, with values that differ from every default. */
const SAMPLES: Record<KafkaApiName, { request: Sample; response: Sample }> = {
  ApiVersions: {
    request: { json: { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.1', clusterId: null, nodeId: -1 }, check: (d, v) => v >= 3 && expect(d.clientSoftwareName).toBe('kcat') },
    response: {
      json: { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 13 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 7,
        supportedFeatures: [], finalizedFeaturesEpoch: 5, finalizedFeatures: [], zkMigrationReady: false },
      check: (d, v) => { expect(d.apiKeys[1]).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 }); if (v >= 3) expect(d.finalizedFeaturesEpoch).toBe(5n) },
    },
  },
  Metadata: {
    request: { json: { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false },
      check: (d) => expect(d.topics[0].name).toBe('orders') },
    response: {
      json: { throttleTimeMs: 0, brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }], clusterId: 'faecie', controllerId: 1,
        topics: [{ errorCode: 0, name: 'orders', topicId: UUID_B64, isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 2, leaderId: 1, leaderEpoch: 3,
          replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }], topicAuthorizedOperations: -2147483648 }], clusterAuthorizedOperations: -2147483648, errorCode: 0 },
      check: (d, v) => { expect(d.brokers[0].port).toBe(9092); expect(d.topics[0].partitions[0].partitionIndex).toBe(2); if (v >= 10) expect(d.topics[0].topicId).toEqual(UUID) },
    },
  },
  Produce: {
    request: { json: { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', topicId: UUID_B64, partitionData: [{ index: 4, records: null }] }] },
      check: (d) => { expect(d.acks).toBe(-1); expect(d.topicData[0].partitionData[0].index).toBe(4) } },
    response: {
      json: (v: number) => ({ responses: [{ name: 'orders', topicId: UUID_B64, partitionResponses: [{ index: 4, errorCode: 0, baseOffset: 42, logAppendTimeMs: -1, logStartOffset: 0,
        recordErrors: [], errorMessage: null, ...(v >= 10 ? { currentLeader: { leaderId: 1, leaderEpoch: 2 } } : {}) }] }], throttleTimeMs: 0,
        ...(v >= 10 ? { nodeEndpoints: [{ nodeId: 1, host: 'h', port: 1, rack: null }] } : {}) }),
      check: (d) => expect(d.responses[0].partitionResponses[0].baseOffset).toBe(42n),
    },
  },
  Fetch: {
    request: {
      json: (v: number) => ({ clusterId: null, ...(v >= 15 ? { replicaState: { replicaId: -1, replicaEpoch: -1 } } : { replicaId: -1 }), maxWaitMs: 500, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: 'orders', topicId: UUID_B64, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 17, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1048576 }] }],
        forgottenTopicsData: [], rackId: '' }),
      check: (d) => expect(d.topics[0].partitions[0].fetchOffset).toBe(17n),
    },
    response: {
      json: (v: number) => ({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 'orders', topicId: UUID_B64, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 99, lastStableOffset: 99,
        logStartOffset: 0, ...(v >= 12 ? { currentLeader: { leaderId: 1, leaderEpoch: 4 } } : {}), abortedTransactions: null, preferredReadReplica: -1, records: null }] }] }),
      check: (d, v) => { expect(d.responses[0].partitions[0].highWatermark).toBe(99n); if (v >= 12) expect(d.responses[0].partitions[0].currentLeader).toEqual({ leaderId: 1, leaderEpoch: 4 }) },
    },
  },
  ListOffsets: {
    request: { json: { replicaId: -1, isolationLevel: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2 }] }], timeoutMs: 0 },
      check: (d) => expect(d.topics[0].partitions[0].timestamp).toBe(-2n) },
    response: { json: { throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, errorCode: 0, timestamp: -1, offset: 12, leaderEpoch: -1 }] }] },
      check: (d) => expect(d.topics[0].partitions[0].offset).toBe(12n) },
  },
  CreateTopics: {
    request: { json: { topics: [{ name: 'orders', numPartitions: 3, replicationFactor: -1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] }], timeoutMs: 1000, validateOnly: false },
      check: (d) => expect(d.topics[0].configs[0]).toEqual({ name: 'cleanup.policy', value: 'compact' }) },
    response: { json: { throttleTimeMs: 0, topics: [{ name: 'orders', topicId: UUID_B64, errorCode: 36, errorMessage: 'exists', numPartitions: 3, replicationFactor: 1, configs: [] }] },
      check: (d) => expect(d.topics[0].errorCode).toBe(36) },
  },
  DeleteTopics: {
    request: { json: (v: number) => ({ ...(v >= 6 ? { topics: [{ name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] } : { topicNames: ['orders'] }), timeoutMs: 1000 }),
      check: (d, v) => expect(v >= 6 ? d.topics[0].name : d.topicNames[0]).toBe('orders') },
    response: { json: { throttleTimeMs: 0, responses: [{ name: 'orders', topicId: UUID_B64, errorCode: 3, errorMessage: null }] },
      check: (d) => expect(d.responses[0].errorCode).toBe(3) },
  },
  DeleteRecords: {
    request: { json: { topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 5 }] }], timeoutMs: 1000 }, check: (d) => expect(d.topics[0].partitions[0].offset).toBe(5n) },
    response: { json: { throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, lowWatermark: 5, errorCode: 0 }] }] }, check: (d) => expect(d.topics[0].partitions[0].lowWatermark).toBe(5n) },
  },
  InitProducerId: {
    request: { json: { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, check: (d) => expect(d.transactionTimeoutMs).toBe(60000) },
    response: { json: { throttleTimeMs: 0, errorCode: 0, producerId: 1000, producerEpoch: 0 }, check: (d) => expect(d.producerId).toBe(1000n) },
  },
  DescribeConfigs: {
    request: { json: { resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false },
      check: (d) => expect(d.resources[0].configurationKeys).toBeNull() },
    response: { json: { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '1000', readOnly: false,
      configSource: 1, isSensitive: false, synonyms: [], configType: 5, documentation: null }] }] }, check: (d) => expect(d.results[0].configs[0].value).toBe('1000') },
  },
  AlterConfigs: {
    request: { json: { resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '5' }] }], validateOnly: false }, check: (d) => expect(d.resources[0].configs[0].value).toBe('5') },
    response: { json: { throttleTimeMs: 0, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }] }, check: (d) => expect(d.responses[0].resourceName).toBe('orders') },
  },
  CreatePartitions: {
    request: { json: { topics: [{ name: 'orders', count: 6, assignments: null }], timeoutMs: 1000, validateOnly: false }, check: (d) => expect(d.topics[0].count).toBe(6) },
    response: { json: { throttleTimeMs: 0, results: [{ name: 'orders', errorCode: 37, errorMessage: 'fewer' }] }, check: (d) => expect(d.results[0].errorMessage).toBe('fewer') },
  },
  IncrementalAlterConfigs: {
    request: { json: { resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: 1, value: null }] }], validateOnly: false },
      check: (d) => expect(d.resources[0].configs[0].configOperation).toBe(1) },
    response: { json: { throttleTimeMs: 0, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }] }, check: (d) => expect(d.responses[0].resourceType).toBe(2) },
  },
  FindCoordinator: {
    request: { json: (v: number) => (v >= 4 ? { keyType: 0, coordinatorKeys: ['g1', 'g2'] } : { key: 'g1', keyType: 0 }),
      check: (d, v) => expect(v >= 4 ? d.coordinatorKeys : [d.key]).toEqual(v >= 4 ? ['g1', 'g2'] : ['g1']) },
    response: {
      json: (v: number) => (v >= 4
        ? { throttleTimeMs: 0, coordinators: [{ key: 'g1', nodeId: 0, host: 'localhost', port: 9092, errorCode: 0, errorMessage: null }] }
        : { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: 'localhost', port: 9092 }),
      check: (d, v) => expect(v >= 4 ? d.coordinators[0].port : d.port).toBe(9092),
    },
  },
  DescribeCluster: {
    request: { json: { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false }, check: (d) => expect(d.endpointType).toBe(1) },
    response: { json: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, endpointType: 1, clusterId: 'faecie', controllerId: 1,
      brokers: [{ brokerId: 1, host: 'localhost', port: 9092, rack: null, isFenced: false }], clusterAuthorizedOperations: -2147483648 },
      check: (d) => expect(d.brokers[0].host).toBe('localhost') },
  },
  ...GROUP_SAMPLES,
  ...SECURITY_SAMPLES,
}

function sampleJson(sample: Sample, version: number): unknown {
  return typeof sample.json === 'function' ? (sample.json as (v: number) => unknown)(version) : sample.json
}

let workDir: string
let classpath: string

beforeAll(() => {
  ensureInstalled('javac (the Kafka codec golden-byte test)', ['default-jdk-headless'], () => {
    const found = spawnSync('which', ['javac'], { encoding: 'utf8' })
    return found.status === 0 ? found.stdout.trim() : undefined
  })
  const kafka = ensureKafkaClasspath()
  workDir = mkdtempSync(join(tmpdir(), 'faecie-kafka-golden-'))
  execFileSync('javac', ['-d', workDir, '-cp', kafka, join(import.meta.dirname, '..', 'support', 'java', 'KafkaGolden.java')])
  classpath = `${workDir}:${kafka}`
}, KAFKA_FETCH_TIMEOUT_MS + INSTALL_TIMEOUT_MS)

afterAll(() => { if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true }) })

function javaBytes(cases: Array<{ message: string; version: number; json: unknown }>): string[] {
  const input = cases.map((c) => `${c.message}\t${c.version}\t${JSON.stringify(c.json)}\n`).join('')
  const out = execFileSync('java', ['-cp', classpath, 'KafkaGolden'], { input, encoding: 'utf8', maxBuffer: 64 << 20 })
  return out.trimEnd().split('\n')
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('generated Kafka codecs against bytes from Kafka 4.4\'s Java message classes', () => {
  for (const [api, { minVersion, maxVersion }] of Object.entries(KAFKA_APIS) as Array<[KafkaApiName, (typeof KAFKA_APIS)[KafkaApiName]]>) {
    it(`${api} v${minVersion}-${maxVersion}: reads Kafka's bytes and writes them back the same`, () => {
      const cases = (['request', 'response'] as const).flatMap((kind) => Array.from({ length: maxVersion - minVersion + 1 }, (_, i) => ({
        kind, message: `${api}${kind === 'request' ? 'Request' : 'Response'}`, version: minVersion + i, json: sampleJson(SAMPLES[api][kind], minVersion + i),
      })))
      const lines = javaBytes(cases)
      expect(lines).toHaveLength(cases.length)
      cases.forEach((c, i) => {
        const [status, payload] = lines[i]!.split('\t')
        expect(`${c.message} v${c.version}: ${status}`, payload).toBe(`${c.message} v${c.version}: OK`)
        const bytes = Buffer.from(payload!, 'hex')
        const codec = codecs as unknown as Record<string, (...args: unknown[]) => unknown>
        const reader = new KafkaReader(bytes)
        const decoded = codec[`read${c.message}`]!(reader, c.version)
        expect(reader.remaining, `${c.message} v${c.version} left bytes unread`).toBe(0)
        SAMPLES[api][c.kind].check(decoded, c.version)
        const writer = new KafkaWriter()
        codec[`write${c.message}`]!(writer, c.version, decoded)
        expect(hex(writer.finish()), `${c.message} v${c.version} written back`).toBe(payload)
      })
    })
  }
})

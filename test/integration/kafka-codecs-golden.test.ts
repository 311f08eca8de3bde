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
import { ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'

const UUID_B64 = 'AAECAwQFBgcICQoLDA0ODw' // bytes 0..15
const UUID = Uint8Array.from({ length: 16 }, (_, i) => i)
const ZERO_UUID_B64 = 'AAAAAAAAAAAAAAAAAAAAAA'
const BYTES_B64 = 'AQID' // bytes 1, 2, 3
const BYTES = Uint8Array.from([1, 2, 3])

interface Sample { json: unknown | ((version: number) => unknown); check: (decoded: any, version: number) => void }

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
  JoinGroup: {
    request: {
      json: (v: number) => ({ groupId: 'g1', sessionTimeoutMs: 45000, rebalanceTimeoutMs: from(v, 1, 300000, -1), memberId: 'm-1', groupInstanceId: from(v, 5, 'i-1', null),
        protocolType: 'consumer', protocols: [{ name: 'range', metadata: BYTES_B64 }, { name: 'roundrobin', metadata: '' }], reason: from(v, 8, 'joining', null) }),
      check: (d, v) => {
        expect(d.sessionTimeoutMs).toBe(45000); expect(d.protocols[0]).toEqual({ name: 'range', metadata: BYTES }); expect(d.protocols[1].name).toBe('roundrobin')
        if (v >= 1) expect(d.rebalanceTimeoutMs).toBe(300000)
        if (v >= 5) expect(d.groupInstanceId).toBe('i-1')
        if (v >= 8) expect(d.reason).toBe('joining')
      },
    },
    response: {
      json: (v: number) => ({ throttleTimeMs: from(v, 2, 7, 0), errorCode: 79, generationId: 5, protocolType: from(v, 7, 'consumer', null), protocolName: 'range', leader: 'm-1',
        skipAssignment: from(v, 9, true, false), memberId: 'm-2', members: [{ memberId: 'm-1', groupInstanceId: from(v, 5, 'i-1', null), metadata: BYTES_B64 }] }),
      check: (d, v) => {
        expect([d.errorCode, d.generationId, d.protocolName, d.leader, d.memberId]).toEqual([79, 5, 'range', 'm-1', 'm-2']); expect(d.members[0].metadata).toEqual(BYTES)
        if (v >= 5) expect(d.members[0].groupInstanceId).toBe('i-1')
        if (v >= 7) expect(d.protocolType).toBe('consumer')
        if (v >= 9) expect(d.skipAssignment).toBe(true)
      },
    },
  },
  SyncGroup: {
    request: {
      json: (v: number) => ({ groupId: 'g1', generationId: 5, memberId: 'm-1', groupInstanceId: from(v, 3, 'i-1', null), protocolType: from(v, 5, 'consumer', null),
        protocolName: from(v, 5, 'range', null), assignments: [{ memberId: 'm-1', assignment: BYTES_B64 }] }),
      check: (d, v) => {
        expect([d.generationId, d.memberId]).toEqual([5, 'm-1']); expect(d.assignments[0]).toEqual({ memberId: 'm-1', assignment: BYTES })
        if (v >= 3) expect(d.groupInstanceId).toBe('i-1')
        if (v >= 5) expect([d.protocolType, d.protocolName]).toEqual(['consumer', 'range'])
      },
    },
    response: {
      json: (v: number) => ({ throttleTimeMs: from(v, 1, 7, 0), errorCode: 27, protocolType: from(v, 5, 'consumer', null), protocolName: from(v, 5, 'range', null), assignment: BYTES_B64 }),
      check: (d, v) => { expect(d.errorCode).toBe(27); expect(d.assignment).toEqual(BYTES); if (v >= 5) expect(d.protocolName).toBe('range') },
    },
  },
  Heartbeat: {
    request: { json: (v: number) => ({ groupId: 'g1', generationId: 5, memberId: 'm-1', groupInstanceId: from(v, 3, 'i-1', null) }),
      check: (d, v) => { expect([d.groupId, d.generationId, d.memberId]).toEqual(['g1', 5, 'm-1']); if (v >= 3) expect(d.groupInstanceId).toBe('i-1') } },
    response: { json: (v: number) => ({ throttleTimeMs: from(v, 1, 7, 0), errorCode: 27 }), check: (d) => expect(d.errorCode).toBe(27) },
  },
  LeaveGroup: {
    request: {
      json: (v: number) => (v >= 3 ? { groupId: 'g1', members: [{ memberId: 'm-1', groupInstanceId: null, reason: from(v, 5, 'bye', null) }, { memberId: '', groupInstanceId: 'i-2', reason: null }] }
        : { groupId: 'g1', memberId: 'm-1' }),
      check: (d, v) => { if (v >= 3) expect(d.members[1]).toMatchObject({ memberId: '', groupInstanceId: 'i-2' }); else expect(d.memberId).toBe('m-1'); if (v >= 5) expect(d.members[0].reason).toBe('bye') },
    },
    response: {
      json: (v: number) => ({ throttleTimeMs: from(v, 1, 7, 0), errorCode: 25, members: v >= 3 ? [{ memberId: 'm-1', groupInstanceId: 'i-1', errorCode: 82 }] : [] }),
      check: (d, v) => { expect(d.errorCode).toBe(25); if (v >= 3) expect(d.members[0]).toEqual({ memberId: 'm-1', groupInstanceId: 'i-1', errorCode: 82 }) },
    },
  },
  OffsetCommit: {
    request: {
      json: (v: number) => ({ groupId: 'g1', generationIdOrMemberEpoch: 5, memberId: 'm-1', groupInstanceId: from(v, 7, 'i-1', null), retentionTimeMs: v <= 4 ? 5000 : -1,
        topics: [{ name: v <= 9 ? 'orders' : '', topicId: from(v, 10, UUID_B64, ZERO_UUID_B64),
          partitions: [{ partitionIndex: 3, committedOffset: 42, committedLeaderEpoch: from(v, 6, 7, -1), committedMetadata: 'meta' }] }] }),
      check: (d, v) => {
        expect([d.generationIdOrMemberEpoch, d.memberId]).toEqual([5, 'm-1']); expect(d.topics[0].partitions[0]).toMatchObject({ partitionIndex: 3, committedOffset: 42n, committedMetadata: 'meta' })
        if (v <= 4) expect(d.retentionTimeMs).toBe(5000n)
        if (v >= 6) expect(d.topics[0].partitions[0].committedLeaderEpoch).toBe(7)
        if (v >= 7) expect(d.groupInstanceId).toBe('i-1')
        if (v >= 10) expect(d.topics[0].topicId).toEqual(UUID); else expect(d.topics[0].name).toBe('orders')
      },
    },
    response: {
      json: (v: number) => ({ throttleTimeMs: from(v, 3, 7, 0), topics: [{ name: v <= 9 ? 'orders' : '', topicId: from(v, 10, UUID_B64, ZERO_UUID_B64), partitions: [{ partitionIndex: 3, errorCode: 22 }] }] }),
      check: (d, v) => { expect(d.topics[0].partitions[0]).toEqual({ partitionIndex: 3, errorCode: 22 }); if (v >= 10) expect(d.topics[0].topicId).toEqual(UUID); else expect(d.topics[0].name).toBe('orders') },
    },
  },
  OffsetFetch: {
    request: {
      json: (v: number) => (v <= 7
        ? { groupId: 'g1', topics: [{ name: 'orders', partitionIndexes: [0, 2] }], requireStable: from(v, 7, true, false) }
        : { groups: [{ groupId: 'g1', memberId: from(v, 9, 'm-1', null), memberEpoch: from(v, 9, 4, -1),
          topics: [{ name: v <= 9 ? 'orders' : '', topicId: from(v, 10, UUID_B64, ZERO_UUID_B64), partitionIndexes: [0, 2] }] }, { groupId: 'g2', memberId: null, memberEpoch: -1, topics: null }], requireStable: true }),
      check: (d, v) => {
        if (v <= 7) { expect(d.groupId).toBe('g1'); expect(d.topics[0]).toEqual({ name: 'orders', partitionIndexes: [0, 2] }); if (v === 7) expect(d.requireStable).toBe(true); return }
        expect(d.groups[0].topics[0].partitionIndexes).toEqual([0, 2]); expect(d.groups[1]).toMatchObject({ groupId: 'g2', topics: null })
        if (v >= 9) expect([d.groups[0].memberId, d.groups[0].memberEpoch]).toEqual(['m-1', 4])
        if (v >= 10) expect(d.groups[0].topics[0].topicId).toEqual(UUID); else expect(d.groups[0].topics[0].name).toBe('orders')
      },
    },
    response: {
      json: (v: number) => (v <= 7
        ? { throttleTimeMs: from(v, 3, 7, 0), topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, committedOffset: 42, committedLeaderEpoch: from(v, 5, 3, -1), metadata: 'meta', errorCode: 0 },
          { partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 3 }] }], errorCode: from(v, 2, 16, 0) }
        : { throttleTimeMs: 7, groups: [{ groupId: 'g1', errorCode: 0, topics: [{ name: v <= 9 ? 'orders' : '', topicId: from(v, 10, UUID_B64, ZERO_UUID_B64),
          partitions: [{ partitionIndex: 2, committedOffset: 42, committedLeaderEpoch: 3, metadata: 'meta', errorCode: 0 }] }] }, { groupId: 'g2', errorCode: 69, topics: [] }] }),
      check: (d, v) => {
        if (v <= 7) {
          expect(d.topics[0].partitions[0]).toMatchObject({ partitionIndex: 2, committedOffset: 42n, metadata: 'meta' }); expect(d.topics[0].partitions[1].errorCode).toBe(3)
          if (v >= 2) expect(d.errorCode).toBe(16)
          if (v >= 5) expect(d.topics[0].partitions[0].committedLeaderEpoch).toBe(3)
          return
        }
        expect(d.groups[0].topics[0].partitions[0]).toEqual({ partitionIndex: 2, committedOffset: 42n, committedLeaderEpoch: 3, metadata: 'meta', errorCode: 0 }); expect(d.groups[1].errorCode).toBe(69)
        if (v >= 10) expect(d.groups[0].topics[0].topicId).toEqual(UUID); else expect(d.groups[0].topics[0].name).toBe('orders')
      },
    },
  },
  OffsetDelete: {
    request: { json: { groupId: 'g1', topics: [{ name: 'orders', partitions: [{ partitionIndex: 2 }, { partitionIndex: 5 }] }] }, check: (d) => expect(d.topics[0].partitions).toEqual([{ partitionIndex: 2 }, { partitionIndex: 5 }]) },
    response: { json: { errorCode: 0, throttleTimeMs: 7, topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 86 }] }] },
      check: (d) => { expect(d.throttleTimeMs).toBe(7); expect(d.topics[0].partitions[0]).toEqual({ partitionIndex: 2, errorCode: 86 }) } },
  },
  DescribeGroups: {
    request: { json: (v: number) => ({ groups: ['g1', 'g2'], includeAuthorizedOperations: from(v, 3, true, false) }),
      check: (d, v) => { expect(d.groups).toEqual(['g1', 'g2']); if (v >= 3) expect(d.includeAuthorizedOperations).toBe(true) } },
    response: {
      json: (v: number) => ({ throttleTimeMs: from(v, 1, 7, 0), groups: [{ errorCode: 0, errorMessage: from(v, 6, 'none', null), groupId: 'g1', groupState: 'Stable', protocolType: 'consumer',
        protocolData: 'range', members: [{ memberId: 'm-1', groupInstanceId: from(v, 4, 'i-1', null), clientId: 'c-1', clientHost: '/127.0.0.1', memberMetadata: BYTES_B64, memberAssignment: 'BAUG' }],
        authorizedOperations: from(v, 3, -2147483648, -2147483648) }] }),
      check: (d, v) => {
        expect(d.groups[0]).toMatchObject({ groupId: 'g1', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' })
        expect(d.groups[0].members[0]).toMatchObject({ memberId: 'm-1', clientId: 'c-1', clientHost: '/127.0.0.1', memberMetadata: BYTES, memberAssignment: Uint8Array.from([4, 5, 6]) })
        if (v >= 4) expect(d.groups[0].members[0].groupInstanceId).toBe('i-1')
        if (v >= 6) expect(d.groups[0].errorMessage).toBe('none')
      },
    },
  },
  ListGroups: {
    request: { json: (v: number) => ({ statesFilter: v >= 4 ? ['Stable', 'Empty'] : [], typesFilter: v >= 5 ? ['classic'] : [] }),
      check: (d, v) => { if (v >= 4) expect(d.statesFilter).toEqual(['Stable', 'Empty']); if (v >= 5) expect(d.typesFilter).toEqual(['classic']) } },
    response: {
      json: (v: number) => ({ throttleTimeMs: from(v, 1, 7, 0), errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer', groupState: from(v, 4, 'Stable', ''), groupType: from(v, 5, 'classic', '') }] }),
      check: (d, v) => {
        expect(d.groups[0]).toMatchObject({ groupId: 'g1', protocolType: 'consumer' })
        if (v >= 4) expect(d.groups[0].groupState).toBe('Stable')
        if (v >= 5) expect(d.groups[0].groupType).toBe('classic')
      },
    },
  },
  DeleteGroups: {
    request: { json: { groupsNames: ['g1', 'g2'] }, check: (d) => expect(d.groupsNames).toEqual(['g1', 'g2']) },
    response: { json: (v: number) => ({ throttleTimeMs: 7, results: [{ groupId: 'g1', errorCode: 68, errorMessage: from(v, 3, 'not empty', null) }, { groupId: 'g2', errorCode: 0, errorMessage: null }] }),
      check: (d, v) => { expect(d.results[0]).toMatchObject({ groupId: 'g1', errorCode: 68 }); expect(d.results[1].groupId).toBe('g2'); if (v >= 3) expect(d.results[0].errorMessage).toBe('not empty') } },
  },
  ConsumerGroupHeartbeat: {
    request: {
      json: (v: number) => ({ groupId: 'g1', memberId: 'm-1', memberEpoch: 4, instanceId: 'i-1', rackId: 'r1', rebalanceTimeoutMs: 30000, subscribedTopicNames: ['orders'],
        subscribedTopicRegex: from(v, 1, 'ord.*', null), serverAssignor: 'uniform', topicPartitions: [{ topicId: UUID_B64, partitions: [0, 2] }] }),
      check: (d, v) => {
        expect(d).toMatchObject({ memberId: 'm-1', memberEpoch: 4, instanceId: 'i-1', rackId: 'r1', rebalanceTimeoutMs: 30000, subscribedTopicNames: ['orders'], serverAssignor: 'uniform' })
        expect(d.topicPartitions[0]).toEqual({ topicId: UUID, partitions: [0, 2] })
        if (v >= 1) expect(d.subscribedTopicRegex).toBe('ord.*')
      },
    },
    response: {
      json: { throttleTimeMs: 7, errorCode: 0, errorMessage: null, memberId: 'm-1', memberEpoch: 5, heartbeatIntervalMs: 5000, assignment: { topicPartitions: [{ topicId: UUID_B64, partitions: [1] }] } },
      check: (d) => { expect(d).toMatchObject({ memberId: 'm-1', memberEpoch: 5, heartbeatIntervalMs: 5000 }); expect(d.assignment.topicPartitions[0]).toEqual({ topicId: UUID, partitions: [1] }) },
    },
  },
  ConsumerGroupDescribe: {
    request: { json: { groupIds: ['g1'], includeAuthorizedOperations: true }, check: (d) => expect(d).toEqual({ groupIds: ['g1'], includeAuthorizedOperations: true }) },
    response: {
      json: (v: number) => ({ throttleTimeMs: 7, groups: [{ errorCode: 0, errorMessage: null, groupId: 'g1', groupState: 'Stable', groupEpoch: 5, assignmentEpoch: 5, assignorName: 'uniform',
        members: [{ memberId: 'm-1', instanceId: null, rackId: 'r1', memberEpoch: 5, clientId: 'c-1', clientHost: '/127.0.0.1', subscribedTopicNames: ['orders'], subscribedTopicRegex: null,
          assignment: { topicPartitions: [{ topicId: UUID_B64, topicName: 'orders', partitions: [0, 1] }] }, targetAssignment: { topicPartitions: [] }, memberType: from(v, 1, 1, -1) }],
        authorizedOperations: -2147483648 }] }),
      check: (d, v) => {
        expect(d.groups[0]).toMatchObject({ groupId: 'g1', groupState: 'Stable', groupEpoch: 5, assignorName: 'uniform' })
        expect(d.groups[0].members[0].assignment.topicPartitions[0]).toEqual({ topicId: UUID, topicName: 'orders', partitions: [0, 1] })
        if (v >= 1) expect(d.groups[0].members[0].memberType).toBe(1)
      },
    },
  },
}

/** A value for a field served from version `min`, and the field's default below it. */
function from<T>(version: number, min: number, value: T, fallback: T): T {
  return version >= min ? value : fallback
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

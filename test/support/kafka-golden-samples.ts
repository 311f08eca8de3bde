// Golden-byte samples of the group APIs (JoinGroup .. ConsumerGroupDescribe) for
// test/integration/kafka-codecs-golden.test.ts: one request and one response per API, as the JSON of
// Kafka's generated JsonConverter, with values that differ from every default in each version that
// carries the field (a field below its first version keeps its default, or Kafka refuses to write it).
import { expect } from 'vitest'
import type { KafkaApiName } from '../../packages/broker/src/kafka/generated/apis.js'

export interface Sample { json: unknown | ((version: number) => unknown); check: (decoded: any, version: number) => void }

export const UUID_B64 = 'AAECAwQFBgcICQoLDA0ODw' // bytes 0..15
export const UUID = Uint8Array.from({ length: 16 }, (_, i) => i)
const ZERO_UUID_B64 = 'AAAAAAAAAAAAAAAAAAAAAA'
const BYTES_B64 = 'AQID' // bytes 1, 2, 3
const BYTES = Uint8Array.from([1, 2, 3])

type GroupApi = 'JoinGroup' | 'SyncGroup' | 'Heartbeat' | 'LeaveGroup' | 'OffsetCommit' | 'OffsetFetch' | 'OffsetDelete' | 'DescribeGroups' | 'ListGroups'
  | 'DeleteGroups' | 'ConsumerGroupHeartbeat' | 'ConsumerGroupDescribe'

/** A value for a field served from version `min`, and the field's default below it. */
function from<T>(version: number, min: number, value: T, fallback: T): T {
  return version >= min ? value : fallback
}

export const GROUP_SAMPLES: Record<GroupApi & KafkaApiName, { request: Sample; response: Sample }> = {
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

// The Kafka group handlers' bounds, against a recording stand-in for the topic service: a request
// naming more groups or keys than requestItemsMax is refused before any work (the connection then
// closes); a group named twice is worked on once; an OffsetFetch answer is bounded by
// requestItemsMax partitions; OffsetCommit passes a static member's instance id on.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../../log.js'
import type { Gateway } from '../../gateway/context.js'
import { openGatewaySecurity } from '../../security/gateway-security.js'
import { consumerGroupDescribe } from './consumer-group-describe.js'
import { findCoordinator } from './find-coordinator.js'
import { deleteGroups, describeGroups } from './groups-admin.js'
import { offsetCommit, offsetFetch } from './offsets.js'
import type { KafkaApiContext } from './context.js'

interface Asked { op: string; request: Record<string, unknown> }

const ITEMS_MAX = 10

function context(answer: (op: string, request: Record<string, unknown>) => unknown): { ctx: KafkaApiContext; asked: Asked[] } {
  const asked: Asked[] = []
  const ask = async (op: string, request: Record<string, unknown>): Promise<unknown> => { asked.push({ op, request }); return answer(op, request) }
  const gateway = {
    limits: { requestItemsMax: ITEMS_MAX },
    security: openGatewaySecurity(silentLogger()),
    topics: { group: ask, kafkaGroup: ask, lookup: () => undefined, all: () => [] },
    cluster: { brokerId: 1, brokers: () => [], findCoordinator: async (request: Record<string, unknown>) => {
      asked.push({ op: 'findCoordinator', request }); return { brokerId: 1, partition: 0 }
    } },
  } as unknown as Gateway
  const ctx = { gateway, op: { gateway, session: {} }, listener: { brokerId: 1, clusterId: 'c', advertisedHost: 'h', advertisedPort: 9092 },
    served: [], logger: silentLogger(), clientId: 'c', clientHost: '127.0.0.1' } as unknown as KafkaApiContext
  return { ctx, asked }
}

/** describeGroups' answer: every group asked for unknown. */
const unknownGroups = (_op: string, request: Record<string, unknown>): unknown => ({
  groups: (request.groupIds as string[]).map((groupId) => ({ groupId, state: 'Dead', members: [], error: { code: ErrorCode.GROUP_ID_NOT_FOUND, message: 'no' } })),
})

describe('ConsumerGroupDescribe', () => {
  it('more ids than requestItemsMax is refused before any work', async () => {
    const { ctx, asked } = context(unknownGroups)
    const groupIds = Array.from({ length: ITEMS_MAX + 1 }, () => '')
    await expect(consumerGroupDescribe.handle({ groupIds, includeAuthorizedOperations: false }, 0, ctx)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST })
    expect(asked).toEqual([])
  })

  it('a group named twice is described and answered once', async () => {
    const { ctx, asked } = context(unknownGroups)
    const answer = await consumerGroupDescribe.handle({ groupIds: ['a', 'b', 'a'], includeAuthorizedOperations: false }, 0, ctx) as
      { groups: Array<{ groupId: string; errorCode: number }> }
    expect(asked.map((a) => a.request.groupIds)).toEqual([['a', 'b']])
    expect(answer.groups.map((g) => [g.groupId, g.errorCode])).toEqual([['a', 69], ['b', 69]])
  })
})

describe('FindCoordinator v4+', () => {
  it('more keys than requestItemsMax is refused before any lookup; a key named twice is looked up once, answered twice', async () => {
    const { ctx, asked } = context(() => undefined)
    const over = Array.from({ length: ITEMS_MAX + 1 }, (_, i) => `g${i}`)
    await expect(findCoordinator.handle({ key: '', keyType: 0, coordinatorKeys: over }, 4, ctx)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST })
    expect(asked).toEqual([])
    const answer = await findCoordinator.handle({ key: '', keyType: 0, coordinatorKeys: ['a', 'b', 'a', 'a'] }, 4, ctx) as
      { coordinators: Array<{ key: string; nodeId: number; errorCode: number }> }
    expect(asked.map((a) => a.request.key)).toEqual(['a', 'b'])
    expect(answer.coordinators.map((c) => [c.key, c.nodeId, c.errorCode])).toEqual([['a', 1, 0], ['b', 1, 0], ['a', 1, 0], ['a', 1, 0]])
  })
})

describe('a group named twice is worked on once', () => {
  it('DescribeGroups describes and answers it once', async () => {
    const { ctx, asked } = context(unknownGroups)
    const answer = await describeGroups.handle({ groups: ['a', 'a', 'b', 'a'], includeAuthorizedOperations: false }, 5, ctx) as
      { groups: Array<{ groupId: string; groupState: string }> }
    expect(asked.map((a) => a.request.groupIds)).toEqual([['a', 'b']])
    expect(answer.groups.map((g) => [g.groupId, g.groupState])).toEqual([['a', 'Dead'], ['b', 'Dead']])
  })

  it('DeleteGroups deletes it once and answers every entry with that outcome', async () => {
    const { ctx, asked } = context(() => ({ groupId: 'a' }))
    const answer = await deleteGroups.handle({ groupsNames: ['a', 'a', 'a'] }, 2, ctx) as { results: Array<{ groupId: string; errorCode: number }> }
    expect(asked.map((a) => [a.op, a.request.groupId])).toEqual([['deleteGroup', 'a']])
    expect(answer.results).toEqual([{ groupId: 'a', errorCode: 0, errorMessage: null }, { groupId: 'a', errorCode: 0, errorMessage: null },
      { groupId: 'a', errorCode: 0, errorMessage: null }])
  })
})

/** fetchOffsets' answer: four committed offsets in topic t. */
const fourOffsets = (op: string, request: Record<string, unknown>): unknown => (op === 'fetchOffsets'
  ? { groupId: request.groupId, topics: [{ topic: 't', partitions: [0, 1, 2, 3].map((partition) => ({ partition, offset: 5, metadata: '', commitTimestamp: 1 })) }] }
  : unknownGroups(op, request))

const allOffsetsOf = (groupId: string, member?: { memberId: string; memberEpoch: number }) =>
  ({ groupId, memberId: member?.memberId ?? null, memberEpoch: member?.memberEpoch ?? -1, topics: null })

describe('OffsetFetch v8+', () => {
  it('a group asked for all its offsets twice is fetched once and answered twice', async () => {
    const { ctx, asked } = context(fourOffsets)
    const answer = await offsetFetch.handle({ groupId: '', topics: null, requireStable: false, groups: [allOffsetsOf('g'), allOffsetsOf('g')] }, 8, ctx) as
      { groups: Array<{ groupId: string; topics: Array<{ partitions: unknown[] }> }> }
    expect(asked.map((a) => a.op)).toEqual(['fetchOffsets'])
    expect(answer.groups.map((g) => [g.groupId, g.topics[0]!.partitions.length])).toEqual([['g', 4], ['g', 4]])
  })

  it('an answer of more partitions than requestItemsMax is refused, the groups counted as fetched', async () => {
    const { ctx, asked } = context(fourOffsets)
    const groups = Array.from({ length: 5 }, () => allOffsetsOf('g'))
    await expect(offsetFetch.handle({ groupId: '', topics: null, requireStable: false, groups }, 8, ctx)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST })
    expect(asked.map((a) => a.op)).toEqual(['fetchOffsets'])
    const distinct = Array.from({ length: 5 }, (_, i) => allOffsetsOf(`g${i}`))
    await expect(offsetFetch.handle({ groupId: '', topics: null, requireStable: false, groups: distinct }, 8, ctx)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST })
    // Refused on the third group: 12 partitions; the fourth and fifth are never fetched.
    expect(asked.filter((a) => a.op === 'fetchOffsets').map((a) => a.request.groupId)).toEqual(['g', 'g0', 'g1', 'g2'])
  })
})

describe('OffsetFetch v9+ from members', () => {
  it("the group is described once for every entry naming it; each entry's member checked against it", async () => {
    const { ctx, asked } = context((op, request) => (op === 'describeGroups'
      ? { groups: [{ groupId: 'g', type: 'consumer', state: 'Stable', members: [{ memberId: 'm1', memberEpoch: 3 }] }] }
      : fourOffsets(op, request)))
    const named = (partition: number) => ({ groupId: 'g', memberId: 'm1', memberEpoch: 3,
      topics: [{ name: 't', topicId: new Uint8Array(16), partitionIndexes: [partition] }] })
    const groups = [named(0), named(1), allOffsetsOf('g', { memberId: 'm1', memberEpoch: 2 }), allOffsetsOf('g', { memberId: 'm9', memberEpoch: 1 })]
    const answer = await offsetFetch.handle({ groupId: '', topics: null, requireStable: false, groups }, 9, ctx) as
      { groups: Array<{ errorCode: number }> }
    expect(asked.filter((a) => a.op === 'describeGroups')).toHaveLength(1)
    expect(answer.groups.map((g) => g.errorCode)).toEqual([0, 0, ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID])
  })
})

describe('OffsetCommit', () => {
  it("passes a member's group instance id (v7+) to the coordinator; without a generation, none", async () => {
    const { ctx, asked } = context(() => ({ groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] }))
    const commit = (generationIdOrMemberEpoch: number, groupInstanceId: string | null) => ({ groupId: 'g', generationIdOrMemberEpoch, memberId: 'm1',
      groupInstanceId, retentionTimeMs: -1n, topics: [{ name: 't', topicId: new Uint8Array(16), partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }] })
    await offsetCommit.handle(commit(2, 'i-1'), 8, ctx)
    await offsetCommit.handle(commit(2, null), 8, ctx)
    await offsetCommit.handle(commit(-1, 'i-1'), 8, ctx)
    expect(asked.map((a) => [a.request.memberId, a.request.memberEpoch, a.request.groupInstanceId]))
      .toEqual([['m1', 2, 'i-1'], ['m1', 2, undefined], [undefined, undefined, undefined]])
  })
})

// The Kafka group handlers' bounds, against a recording stand-in for the topic service: a request
// naming more groups or keys than requestItemsMax is refused before any work (the connection then
// closes); a group named twice is worked on once; an OffsetFetch answer is bounded by
// requestItemsMax partitions; OffsetCommit passes a static member's instance id on.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../../log.js'
import type { Gateway } from '../../gateway/context.js'
import { consumerGroupDescribe } from './consumer-group-describe.js'
import { findCoordinator } from './find-coordinator.js'
import type { KafkaApiContext } from './context.js'

interface Asked { op: string; request: Record<string, unknown> }

const ITEMS_MAX = 10

function context(answer: (op: string, request: Record<string, unknown>) => unknown): { ctx: KafkaApiContext; asked: Asked[] } {
  const asked: Asked[] = []
  const ask = async (op: string, request: Record<string, unknown>): Promise<unknown> => { asked.push({ op, request }); return answer(op, request) }
  const gateway = {
    limits: { requestItemsMax: ITEMS_MAX },
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

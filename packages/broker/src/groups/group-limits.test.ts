// The group coordinator's broker-wide limits (group-limits.ts) on a fake clock: groupsMax,
// membersMax (both group types, KIP-394's pending ids counted) and classicMemberBytesMax, each a
// COORDINATOR_NOT_AVAILABLE naming the limit, and a refused join that makes no group nor records one.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import type { GroupSettings } from './consumer-group.js'
import { encodeConsumerSubscription } from './consumer-protocol.js'
import { GroupCoordinator, type GroupRecord } from './group-coordinator.js'
import type { JoinGroupRequest } from './kafka-group-ops.js'

function world(settings: Partial<GroupSettings>) {
  const records: GroupRecord[] = []
  let ids = 0
  const coordinator = new GroupCoordinator({
    clock: () => 0,
    topics: { topic: (t) => (t === 't' ? { partitions: 1, topicId: 'id-t' } : undefined), names: () => ['t'] },
    appendOffsets: () => {},
    recordGroups: (r) => records.push(...r),
    logger: silentLogger(),
    newMemberId: () => `m${++ids}`,
  }, settings)
  return { coordinator, records }
}

function join(groupId: string, over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return { groupId, memberId: '', clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeConsumerSubscription(['t']) }], requireKnownMemberId: false, ...over }
}

function refusal(work: () => unknown): FaecieError {
  try {
    work()
  } catch (err) {
    if (err instanceof FaecieError) return err
    throw err
  }
  throw new Error('not refused')
}

describe('the group coordinator\'s limits', () => {
  it('groupsMax: a new group of either type, by join, heartbeat or commit, is refused COORDINATOR_NOT_AVAILABLE and not recorded', () => {
    const { coordinator, records } = world({ groupsMax: 2 })
    void coordinator.kafkaGroup('joinGroup', join('a'))
    coordinator.heartbeat({ groupId: 'b', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
    expect(coordinator.groupCount).toBe(2)
    const refusals = [
      refusal(() => coordinator.kafkaGroup('joinGroup', join('c'))),
      refusal(() => coordinator.heartbeat({ groupId: 'c', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })),
      refusal(() => coordinator.commitOffsets({ groupId: 'c', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] })),
    ]
    for (const err of refusals) {
      expect(err.code).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      expect(err.message).toMatch(/groups\.groupsMax/)
    }
    expect(coordinator.has('c')).toBe(false)
    expect(records.map((r) => r.groupId)).toEqual(['a', 'b'])
    // Members of existing groups still come.
    void coordinator.kafkaGroup('joinGroup', join('a', { clientId: 'second' }))
  })

  it('membersMax counts the members of both types and KIP-394 pending ids; a member that goes makes room', () => {
    const { coordinator } = world({ membersMax: 3 })
    void coordinator.kafkaGroup('joinGroup', join('a'))
    const pending = coordinator.kafkaGroup('joinGroup', join('a', { requireKnownMemberId: true }))
    expect(pending).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED })
    const consumer = coordinator.heartbeat({ groupId: 'b', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
    expect(refusal(() => coordinator.kafkaGroup('joinGroup', join('a', { clientId: 'fourth' }))).message).toMatch(/groups\.membersMax 3/)
    expect(refusal(() => coordinator.heartbeat({ groupId: 'b', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })).code)
      .toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    // The pending id joins: not a new member.
    void coordinator.kafkaGroup('joinGroup', join('a', { memberId: (pending as { memberId: string }).memberId }))
    coordinator.leaveGroup({ groupId: 'b', memberId: consumer.memberId })
    coordinator.heartbeat({ groupId: 'b', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
  })

  it('classicMemberBytesMax: a join whose metadata, or a sync whose assignments, would pass it is refused', async () => {
    const { coordinator } = world({ classicMemberBytesMax: 1_000, classicInitialRebalanceDelayMs: 0 })
    const big = { name: 'range', metadata: new Uint8Array(600) }
    const first = coordinator.kafkaGroup('joinGroup', join('a', { protocols: [big] }))
    const err = refusal(() => coordinator.kafkaGroup('joinGroup', join('b', { protocols: [big] })))
    expect([err.code, err.message]).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, expect.stringMatching(/classicMemberBytesMax 1000/)])
    expect(coordinator.has('b')).toBe(false)
    coordinator.tick()
    const joined = await first
    expect(joined.errorCode).toBe(0)
    const sync = (bytes: number) => coordinator.kafkaGroup('syncGroup', { groupId: 'a', generationId: joined.generationId, memberId: joined.memberId,
      assignments: [{ memberId: joined.memberId, assignment: new Uint8Array(bytes) }] })
    expect(refusal(() => sync(500)).message).toMatch(/classicMemberBytesMax/)
    expect((await sync(300)).errorCode).toBe(0)
  })

  it('a join refused for its session timeout or its fields makes no group and records none', async () => {
    const { coordinator, records } = world({})
    expect((await coordinator.kafkaGroup('joinGroup', join('a', { sessionTimeoutMs: 1 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT)
    expect(refusal(() => coordinator.kafkaGroup('joinGroup', join('a', { clientId: 'c'.repeat(300) }))).code).toBe(ErrorCode.INVALID_REQUEST)
    expect((await coordinator.kafkaGroup('joinGroup', join('a', { protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    expect(coordinator.has('a')).toBe(false)
    expect(records).toEqual([])
  })
})

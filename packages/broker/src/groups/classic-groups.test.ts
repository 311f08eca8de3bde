// Classic groups inside the group coordinator, with a fake clock and in-memory records: one id space
// with the consumer groups (the type rule both ways, an empty group of the other type taken over
// with its offsets), commits checked against the generation, deleteGroup / OffsetDelete / describe /
// list of classic groups, retention, and a replay that brings a classic group back Empty with its offsets.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { encodeConsumerAssignment, encodeConsumerSubscription } from './consumer-protocol.js'
import { CoordinatorWorld } from './coordinator-test-support.js'
import { GroupCoordinator } from './group-coordinator.js'
import type { JoinGroupRequest, JoinGroupResult } from './kafka-group-ops.js'
import type { GroupSettings } from './consumer-group.js'

const INITIAL_DELAY_MS = 100

class World extends CoordinatorWorld {
  constructor(retentionMs = 60_000) {
    super({ topics: [['t', { partitions: 4, topicId: 'id-t' }], ['u', { partitions: 2, topicId: 'id-u' }]],
      settings: { offsetsRetentionMs: retentionMs, offsetsRetentionCheckIntervalMs: 1_000 }, classicSettings: { initialRebalanceDelayMs: INITIAL_DELAY_MS } })
  }

  /** A restart: a new coordinator replaying the records. */
  restart(): void {
    this.coordinator.shutdownClassicGroups(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    this.coordinator = this.open()
  }

  joinRequest(memberId = '', topics = ['t']): JoinGroupRequest {
    return { groupId: 'g', memberId, clientId: 'kcat', clientHost: '/127.0.0.1', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 60_000,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeConsumerSubscription(topics) }], requireKnownMemberId: false }
  }

  /** One member joins the group (held through the initial delay), then syncs as its leader: it is Stable. */
  async joinAlone(): Promise<{ memberId: string; generationId: number }> {
    const held = this.coordinator.kafkaGroup('joinGroup', this.joinRequest())
    expect(held).toBeInstanceOf(Promise)
    this.now += INITIAL_DELAY_MS
    this.coordinator.tick()
    const joined = await held
    expect(joined.errorCode).toBe(0)
    expect(joined.leader).toBe(joined.memberId)
    const synced = await this.coordinator.kafkaGroup('syncGroup', { groupId: 'g', generationId: joined.generationId, memberId: joined.memberId,
      assignments: [{ memberId: joined.memberId, assignment: encodeConsumerAssignment([{ topic: 't', partitions: [0, 1, 2, 3] }]) }] })
    expect(synced.errorCode).toBe(0)
    return { memberId: joined.memberId, generationId: joined.generationId }
  }

  commit(offset: number, member?: { memberId: string; generationId: number }, topic = 't') {
    return this.coordinator.commitOffsets({ groupId: 'g', ...(member === undefined ? {} : { memberId: member.memberId, memberEpoch: member.generationId }),
      topics: [{ topic, partitions: [{ partition: 0, offset }] }] })
  }

  leave(memberId: string): void {
    const left = this.coordinator.kafkaGroup('classicLeaveGroup', { groupId: 'g', members: [{ memberId }] }) as { errorCode: number; members: { errorCode: number }[] }
    expect([left.errorCode, left.members[0]?.errorCode]).toEqual([0, 0])
  }

  committed(topic = 't'): number | undefined {
    return this.coordinator.fetchOffsets({ groupId: 'g', topics: [{ topic, partitions: [0] }] }).topics[0]!.partitions[0]!.offset
  }
}

const refusal = (work: () => unknown): FaecieError => {
  try {
    work()
  } catch (err) {
    if (err instanceof FaecieError) return err
    throw err
  }
  throw new Error('not refused')
}

describe('classic groups in the group coordinator', () => {
  it('commit with the generation; a stale generation and a commit without member are refused while it has members', async () => {
    const world = new World()
    const member = await world.joinAlone()
    world.commit(5, member)
    expect(world.committed()).toBe(5)
    expect(refusal(() => world.commit(6, { ...member, generationId: member.generationId + 1 })).code).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(refusal(() => world.commit(6)).code).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(refusal(() => world.coordinator.alterGroupOffsets({ groupId: 'g', topics: [] })).code).toBe(ErrorCode.NON_EMPTY_GROUP)
    world.leave(member.memberId)
    world.commit(7)
    expect(world.committed()).toBe(7)
  })

  it('a commit from a static member whose instance id was taken over is FENCED_INSTANCE_ID, not UNKNOWN_MEMBER_ID', async () => {
    const world = new World()
    const first = world.coordinator.kafkaGroup('joinGroup', { ...world.joinRequest(), groupInstanceId: 'i1' })
    world.now += INITIAL_DELAY_MS
    world.coordinator.tick()
    const joined = await first
    await world.coordinator.kafkaGroup('syncGroup', { groupId: 'g', generationId: joined.generationId, memberId: joined.memberId,
      groupInstanceId: 'i1', assignments: [{ memberId: joined.memberId, assignment: new Uint8Array(0) }] })
    const commitAs = (memberId: string) => world.coordinator.commitOffsets({ groupId: 'g', memberId, memberEpoch: joined.generationId,
      groupInstanceId: 'i1', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 3 }] }] })
    commitAs(joined.memberId)
    expect(world.committed()).toBe(3)
    // The same instance comes back under a new member id (a restarted static consumer): the old id is fenced.
    const again = await world.coordinator.kafkaGroup('joinGroup', { ...world.joinRequest(), groupInstanceId: 'i1' })
    expect(again.errorCode).toBe(0)
    expect(again.memberId).not.toBe(joined.memberId)
    expect(refusal(() => commitAs(joined.memberId)).code).toBe(ErrorCode.FENCED_INSTANCE_ID)
    expect(world.committed()).toBe(3)
  })

  it("takes the classic settings from the broker's group settings (groups.classic*), Kafka's 6 s minimum session by default", async () => {
    const coordinatorWith = (settings: Partial<GroupSettings>) => new GroupCoordinator({
      clock: () => 0, topics: { topic: () => undefined, names: () => [] }, appendOffsets: () => {}, recordGroups: () => {}, logger: silentLogger(),
    }, settings)
    const join = { ...new World().joinRequest(), sessionTimeoutMs: 2_000 }
    expect((await coordinatorWith({}).kafkaGroup('joinGroup', join)).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT)
    const held = coordinatorWith({ classicSessionTimeoutMsMin: 1_000, classicInitialRebalanceDelayMs: 0 }).kafkaGroup('joinGroup', join)
    expect(held).toBeInstanceOf(Promise) // taken, and held through the (no longer 3 s) initial delay
  })

  it('a classic join to a consumer group with members is refused; a consumer heartbeat to a classic group with members too, naming its type', async () => {
    const world = new World()
    world.coordinator.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
    const refused = await world.coordinator.kafkaGroup('joinGroup', world.joinRequest())
    expect(refused.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)

    const other = new World()
    await other.joinAlone()
    const err = refusal(() => other.coordinator.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] }))
    expect(err.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    expect(err.message).toMatch(/classic group/)
  })

  it('an empty group of the other type is taken over, its offsets kept, and the change recorded', async () => {
    const world = new World()
    world.commit(3) // a consumer group made by a commit without member
    expect(world.groupLog.at(-1)).toEqual({ type: 'group', groupId: 'g' })
    const member = await world.joinAlone()
    expect(world.groupLog.at(-1)).toEqual({ type: 'group', groupId: 'g', groupType: 'classic', protocolType: 'consumer' })
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]).toMatchObject({ type: 'classic', state: 'Stable' })
    expect(world.committed()).toBe(3)
    world.leave(member.memberId)
    const beat = world.coordinator.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
    expect(beat.memberEpoch).toBeGreaterThan(0)
    expect(world.groupLog.at(-1)).toEqual({ type: 'group', groupId: 'g' })
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.type ?? 'consumer').toBe('consumer')
    expect(world.committed()).toBe(3)
  })

  it('describe and list show a classic group with its type, protocol type and state; list filters by type and state', async () => {
    const world = new World()
    const member = await world.joinAlone()
    world.coordinator.heartbeat({ groupId: 'h', memberId: '', memberEpoch: 0, subscribedTopicNames: ['u'] })
    const described = world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!
    expect(described).toMatchObject({ groupId: 'g', type: 'classic', protocolType: 'consumer', state: 'Stable', assignor: 'range' })
    expect(described.members.map((m) => m.memberId)).toEqual([member.memberId])
    const listed = (request = {}) => world.coordinator.listGroups(request).groups.map((g) => [g.groupId, g.type ?? 'consumer', g.state])
    expect(listed()).toEqual([['g', 'classic', 'Stable'], ['h', 'consumer', expect.any(String)]])
    expect(listed({ types: ['classic'] })).toEqual([['g', 'classic', 'Stable']])
    expect(listed({ types: ['consumer'] }).map((g) => g[0])).toEqual(['h'])
    expect(listed({ states: ['stable'], types: ['classic'] })).toHaveLength(1)
  })

  it('deleteGroup: NON_EMPTY_GROUP while it has members; then deleted with its offsets, and a replay does not bring it back', async () => {
    const world = new World()
    const member = await world.joinAlone()
    world.commit(5, member)
    expect(refusal(() => world.coordinator.deleteGroup('g')).code).toBe(ErrorCode.NON_EMPTY_GROUP)
    world.leave(member.memberId)
    world.coordinator.deleteGroup('g')
    expect(world.coordinator.has('g')).toBe(false)
    expect(world.offsetLog.at(-1)).toEqual({ groupId: 'g', topic: 't', partition: 0, value: null })
    world.restart()
    expect(world.coordinator.has('g')).toBe(false)
    expect(world.committed()).toBe(-1)
  })

  it('OffsetDelete: GROUP_ID_NOT_FOUND for no group, GROUP_SUBSCRIBED_TO_TOPIC for a subscribed topic, else tombstoned', async () => {
    const world = new World()
    const none = world.coordinator.kafkaGroup('deleteOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [0] }] })
    expect(none).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] })
    const member = await world.joinAlone()
    world.commit(5, member)
    world.commit(9, member, 'u')
    const answer = world.coordinator.kafkaGroup('deleteOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [0] }, { topic: 'u', partitions: [0, 1] }] })
    expect(answer).toEqual({ errorCode: 0, topics: [
      { topic: 't', partitions: [{ partition: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] },
      { topic: 'u', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 0 }] },
    ] })
    expect(world.committed('t')).toBe(5)
    expect(world.committed('u')).toBe(-1)
    expect(world.offsetLog.at(-1)).toEqual({ groupId: 'g', topic: 'u', partition: 0, value: null })
  })

  it('a restart brings a classic group back Empty with its offsets: its member of before is unknown and joins again', async () => {
    const world = new World()
    const member = await world.joinAlone()
    world.commit(5, member)
    world.restart()
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]).toMatchObject({ type: 'classic', protocolType: 'consumer', state: 'Empty' })
    expect(world.committed()).toBe(5)
    expect(world.coordinator.kafkaGroup('classicHeartbeat', { groupId: 'g', generationId: member.generationId, memberId: member.memberId }))
      .toEqual({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID })
    expect(refusal(() => world.commit(6, member)).code).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const again = await world.joinAlone()
    world.commit(6, again)
    expect(world.committed()).toBe(6)
  })

  it('ops on a group that is not classic: sync, heartbeat and leave are UNKNOWN_MEMBER_ID; a rejoin with a member id makes no group', async () => {
    const world = new World()
    expect(world.coordinator.kafkaGroup('classicHeartbeat', { groupId: 'g', generationId: 1, memberId: 'x' })).toEqual({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID })
    expect((await world.coordinator.kafkaGroup('syncGroup', { groupId: 'g', generationId: 1, memberId: 'x', assignments: [] })).errorCode)
      .toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect((await world.coordinator.kafkaGroup('joinGroup', world.joinRequest('x'))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(world.coordinator.has('g')).toBe(false)
    expect(world.groupLog).toEqual([])
  })

  it('retention: an emptied classic group keeps its offsets for the retention time from its emptiness, then is deleted', async () => {
    const world = new World(10_000)
    const member = await world.joinAlone()
    world.commit(5, member)
    world.now += 20_000 // subscribed, with a member: kept however old
    world.coordinator.expireOffsets()
    expect(world.committed()).toBe(5)
    world.leave(member.memberId)
    world.now += 9_000
    world.coordinator.expireOffsets()
    expect(world.committed()).toBe(5)
    world.now += 1_000
    expect(world.coordinator.expireOffsets()).toEqual({ offsets: 1, groups: 1 })
    expect(world.coordinator.has('g')).toBe(false)
  })

  it('a held join is answered when the coordinator shuts its classic groups down', async () => {
    const world = new World()
    const held = world.coordinator.kafkaGroup('joinGroup', world.joinRequest()) as Promise<JoinGroupResult>
    world.coordinator.shutdownClassicGroups(ErrorCode.NOT_COORDINATOR)
    expect((await held).errorCode).toBe(ErrorCode.NOT_COORDINATOR)
  })
})

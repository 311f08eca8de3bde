// The classic group's rules, continued (classic-group.test.ts has the join and sync phases):
// heartbeats and sessions, leaving, KIP-345 static members (fencing, KIP-814), held answers always
// answered once, bounds, commits, describe. Fake clock throughout.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { Held } from './classic-member.js'
import { classicGroup, joinRequest, rangeOf, stableGroup, syncRequest, turn, watch } from './classic-test-support.js'
import type { ClassicGroup } from './classic-group.js'
import { decodeConsumerAssignment, encodeConsumerAssignment } from './consumer-protocol.js'
import type { JoinGroupResult } from './kafka-group-ops.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('ClassicGroup: heartbeats, sessions and leaving', () => {
  it('heartbeats answer 0 for the current generation in CompletingRebalance and Stable, and keep the session alive', async () => {
    const group = classicGroup()
    const a = watch(group.join(joinRequest(), 0))
    group.tick(100)
    await turn()
    const id = a.answer!.memberId
    expect(group.heartbeat({ groupId: 'g', memberId: id, generationId: 1 }, 100).errorCode).toBe(0)
    watch(group.sync(syncRequest(id, 1, { assignments: [{ memberId: id, assignment: bytes(7) }] }), 100))
    for (let t = 700; t <= 5_000; t += 600) expect(group.heartbeat({ groupId: 'g', memberId: id, generationId: 1 }, t).errorCode).toBe(0)
    expect(group.heartbeat({ groupId: 'g', memberId: id, generationId: 0 }, 5_000).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(group.heartbeat({ groupId: 'g', memberId: 'x', generationId: 1 }, 5_000).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    group.tick(5_899)
    expect(group.memberCount).toBe(1)
    group.tick(5_900) // a second after the last heartbeat (4900): the session (1000) ended
    expect(group.memberCount).toBe(0)
    expect(group.state).toBe('Empty')
    expect(group.generationId).toBe(2)
  })

  it('a silent member is removed at its session timeout and the others must rejoin', async () => {
    const { group, ids } = await stableGroup(['a', 'b'])
    for (let t = 600; t <= 1_200; t += 600) group.heartbeat({ groupId: 'g', memberId: ids[0]!, generationId: 1 }, t)
    expect(group.state).toBe('PreparingRebalance') // b's session ended at 1100
    expect(group.heartbeat({ groupId: 'g', memberId: ids[1]!, generationId: 1 }, 1_200).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('a member waiting in a held join does not expire', async () => {
    const group = classicGroup()
    const a = watch(group.join(joinRequest({ sessionTimeoutMs: 20, rebalanceTimeoutMs: 500 }), 0))
    group.tick(99)
    expect(group.memberCount).toBe(1)
    group.tick(100)
    await turn()
    expect(a.answer?.errorCode).toBe(0)
  })

  it('refuses session timeouts outside the bounds and joins past the group size', () => {
    const group = classicGroup({ membersPerGroupMax: 2 })
    expect(watch(group.join(joinRequest({ sessionTimeoutMs: 9 }), 0)).answer?.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT)
    expect(watch(group.join(joinRequest({ sessionTimeoutMs: 60_001 }), 0)).answer?.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT)
    watch(group.join(joinRequest(), 0))
    watch(group.join(joinRequest(), 0))
    expect(watch(group.join(joinRequest(), 0)).answer?.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED)
    expect(group.memberCount).toBe(2)
  })

  it('leaves a batch: removes members, UNKNOWN_MEMBER_ID per unknown one, rebalances the rest, answers a held join', async () => {
    const { group, ids } = await stableGroup(['a', 'b', 'c'])
    const result = group.leave({ groupId: 'g', members: [{ memberId: ids[1]! }, { memberId: 'ghost' }] }, 200)
    expect(result).toEqual({ errorCode: 0, members: [{ memberId: ids[1], errorCode: 0 }, { memberId: 'ghost', errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] })
    expect(group.state).toBe('PreparingRebalance')
    const a = watch(group.join(joinRequest({ memberId: ids[0] }), 210))
    group.leave({ groupId: 'g', members: [{ memberId: ids[0]! }] }, 220)
    await turn()
    expect(a.answer).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID })
    group.leave({ groupId: 'g', members: [{ memberId: ids[2]! }] }, 230)
    expect(group.state).toBe('Empty')
  })
})

describe('ClassicGroup: static members (KIP-345)', () => {
  async function staticGroup(): Promise<{ group: ClassicGroup; a: string; b: string }> {
    const group = classicGroup()
    const ja = watch(group.join(joinRequest({ clientId: 'a', groupInstanceId: 'ia' }), 0))
    const jb = watch(group.join(joinRequest({ clientId: 'b', groupInstanceId: 'ib' }), 0))
    group.tick(200)
    await turn()
    const [a, b] = [ja.answer!.memberId, jb.answer!.memberId]
    watch(group.sync(syncRequest(a, 1, { groupInstanceId: 'ia', assignments: [{ memberId: a, assignment: bytes(1) }, { memberId: b, assignment: bytes(2) }] }), 200))
    return { group, a, b }
  }

  it('a restarted static member takes its instance id over without a rebalance; the old member id is fenced', async () => {
    const { group, a, b } = await staticGroup()
    expect(a).toBe('ia-1') // static member ids start from the instance id, as in Kafka
    const again = watch(group.join(joinRequest({ clientId: 'b', groupInstanceId: 'ib' }), 500))
    expect(again.answer).toMatchObject({ errorCode: 0, generationId: 1, leader: a, skipAssignment: false, members: [] })
    const b2 = again.answer!.memberId
    expect(b2).not.toBe(b)
    expect(group.state).toBe('Stable')
    expect(watch(group.sync(syncRequest(b2, 1, { groupInstanceId: 'ib' }), 500)).answer).toMatchObject({ errorCode: 0, assignment: bytes(2) })
    expect(group.heartbeat({ groupId: 'g', memberId: b, groupInstanceId: 'ib', generationId: 1 }, 500).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID)
    expect(watch(group.sync(syncRequest(b, 1, { groupInstanceId: 'ib' }), 500)).answer?.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID)
    expect(group.checkCommit(b, 1, 'ib')).toBe(ErrorCode.FENCED_INSTANCE_ID)
    expect(watch(group.join(joinRequest({ memberId: b, groupInstanceId: 'ib' }), 500)).answer?.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID)
  })

  it('KIP-814: a restarted static leader gets every member and skipAssignment', async () => {
    const { group, a, b } = await staticGroup()
    const again = watch(group.join(joinRequest({ clientId: 'a', groupInstanceId: 'ia' }), 500))
    const a2 = again.answer!.memberId
    expect(again.answer).toMatchObject({ errorCode: 0, generationId: 1, leader: a2, skipAssignment: true })
    expect(again.answer!.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([[b, 'ib'], [a2, 'ia']])
    expect(group.state).toBe('Stable')
  })

  it('a restarted static member whose protocols change the choice rebalances; its held join under the old id is fenced', async () => {
    const { group, a } = await staticGroup()
    const p = { name: 'roundrobin', metadata: bytes() }
    const moved = watch(group.join(joinRequest({ memberId: a, groupInstanceId: 'ia', protocols: [p, rangeOf('t')] }), 500))
    expect(group.state).toBe('PreparingRebalance')
    const replaced = watch(group.join(joinRequest({ clientId: 'a', groupInstanceId: 'ia', protocols: [rangeOf('t')] }), 510))
    await turn()
    expect(moved.answer).toMatchObject({ errorCode: ErrorCode.FENCED_INSTANCE_ID, memberId: a })
    group.tick(1_100) // b did not rejoin but is static: kept
    await turn()
    expect(replaced.answer).toMatchObject({ errorCode: 0, generationId: 2 })
    expect(group.memberCount).toBe(2)
  })

  it('leaves by instance id alone', async () => {
    const { group, b } = await staticGroup()
    const result = group.leave({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'ib' }, { memberId: '', groupInstanceId: 'nope' }] }, 200)
    expect(result.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID])
    expect(group.heartbeat({ groupId: 'g', memberId: b, generationId: 1 }, 200).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })
})

describe('ClassicGroup: held answers', () => {
  it('a newer join of the same member answers the held one, and the newer one is answered when the phase ends', async () => {
    const { group, ids } = await stableGroup(['a', 'b'])
    const first = watch(group.join(joinRequest({ memberId: ids[0] }), 200))
    const second = watch(group.join(joinRequest({ memberId: ids[0] }), 210))
    await turn()
    expect(first.answer?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    watch(group.join(joinRequest({ memberId: ids[1] }), 220))
    await turn()
    expect(second.answer).toMatchObject({ errorCode: 0, generationId: 2 })
    expect([first.count, second.count]).toEqual([1, 1])
  })

  it('shutdown answers every held join and sync with its code, and the group is Dead', async () => {
    const group = classicGroup()
    const [a, b] = ['a', 'b'].map((clientId) => watch(group.join(joinRequest({ clientId }), 0)))
    group.tick(200)
    await turn()
    const syncB = watch(group.sync(syncRequest(b!.answer!.memberId, 1), 200))
    const late = watch(group.join(joinRequest({ clientId: 'c' }), 200)) // starts a rebalance: syncB answered
    group.shutdown(ErrorCode.NOT_COORDINATOR)
    await turn()
    expect(syncB.answer?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect(late.answer?.errorCode).toBe(ErrorCode.NOT_COORDINATOR)
    expect(group.state).toBe('Dead')
    expect(watch(group.join(joinRequest(), 200)).answer?.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect(group.heartbeat({ groupId: 'g', memberId: a!.answer!.memberId, generationId: 1 }, 200).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  })

  it('shutdown answers a held sync', async () => {
    const group = classicGroup()
    const [, b] = ['a', 'b'].map((clientId) => watch(group.join(joinRequest({ clientId }), 0)))
    group.tick(200)
    await turn()
    const syncB = watch(group.sync(syncRequest(b!.answer!.memberId, 1), 200))
    group.shutdown(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    await turn()
    expect(syncB.answer?.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  })

  it('an answer is given once: a second is a bug, asserted', () => {
    const held = new Held<JoinGroupResult>('test join')
    held.answer({ errorCode: 0 } as JoinGroupResult)
    expect(() => held.answer({ errorCode: 0 } as JoinGroupResult)).toThrow(/answered twice/)
  })
})

describe('ClassicGroup: bounds, commits, describe', () => {
  it('refuses requests past the bounds with INVALID_REQUEST', async () => {
    const group = classicGroup({ memberProtocolBytesMax: 100, memberProtocolsMax: 2, memberAssignmentBytesMax: 8, memberFieldCharsMax: 20 })
    const invalid = (f: () => unknown): void => {
      let error: unknown
      try { f() } catch (err) { error = err }
      expect(error).toBeInstanceOf(FaecieError)
      expect((error as FaecieError).code).toBe(ErrorCode.INVALID_REQUEST)
    }
    invalid(() => group.join(joinRequest({ protocols: [{ name: 'range', metadata: new Uint8Array(96) }] }), 0))
    invalid(() => group.join(joinRequest({ protocols: ['a', 'b', 'c'].map((name) => ({ name, metadata: bytes() })) }), 0))
    invalid(() => group.join(joinRequest({ clientId: 'x'.repeat(21) }), 0))
    invalid(() => group.join(joinRequest({ groupInstanceId: 'x'.repeat(21) }), 0))
    invalid(() => group.join(joinRequest({ rebalanceTimeoutMs: -1 }), 0))
    const a = watch(group.join(joinRequest(), 0))
    group.tick(100)
    await turn()
    const id = a.answer!.memberId
    invalid(() => group.sync(syncRequest(id, 1, { assignments: [{ memberId: id, assignment: new Uint8Array(9) }] }), 100))
    expect(group.state).toBe('CompletingRebalance')
  })

  it("checks commits as Kafka's classic groups do", async () => {
    const group = classicGroup()
    expect(group.checkCommit('', -1, undefined)).toBe(0) // a simple consumer, empty group
    const a = watch(group.join(joinRequest(), 0))
    group.tick(100)
    await turn()
    const id = a.answer!.memberId
    expect(group.checkCommit(id, 1, undefined)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    watch(group.sync(syncRequest(id, 1), 100))
    expect(group.checkCommit(id, 1, undefined)).toBe(0)
    expect(group.checkCommit(id, 0, undefined)).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(group.checkCommit('other', 1, undefined)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(group.checkCommit('', -1, undefined)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('describes members with decoded subscriptions and assignments, and knows the subscribed topics', async () => {
    const group = classicGroup()
    const a = watch(group.join(joinRequest({ clientId: 'a', groupInstanceId: 'ia', protocols: [rangeOf('t', 'u')] }), 0))
    const b = watch(group.join(joinRequest({ clientId: 'b', protocols: [rangeOf('u')] }), 0))
    group.tick(200)
    await turn()
    const [ia, ib] = [a.answer!.memberId, b.answer!.memberId]
    watch(group.sync(syncRequest(ia, 1, { assignments: [{ memberId: ia, assignment: encodeConsumerAssignment([{ topic: 't', partitions: [0, 1] }]) },
      { memberId: ib, assignment: encodeConsumerAssignment([{ topic: 'u', partitions: [0] }]) }] }), 200))
    expect(group.subscribedTopics()).toEqual(new Set(['t', 'u']))
    expect(group.memberBytes().map((m) => [m.memberId, m.groupInstanceId, m.metadata, decodeConsumerAssignment(m.assignment)?.assignedPartitions]))
      .toEqual([[ia, 'ia', rangeOf('t', 'u').metadata, [{ topic: 't', partitions: [0, 1] }]], [ib, undefined, rangeOf('u').metadata, [{ topic: 'u', partitions: [0] }]]])
    const described = group.describe()
    expect(described).toMatchObject({ groupId: 'g', state: 'Stable', type: 'classic', protocolType: 'consumer', assignor: 'range', groupEpoch: 1, assignmentEpoch: 1 })
    expect(described.members).toEqual([
      { memberId: ia, instanceId: 'ia', clientId: 'a', clientHost: '/10.0.0.1', memberEpoch: 1, subscribedTopicNames: ['t', 'u'],
        assignment: [{ topic: 't', partitions: [0, 1] }], targetAssignment: [{ topic: 't', partitions: [0, 1] }] },
      { memberId: ib, clientId: 'b', clientHost: '/10.0.0.1', memberEpoch: 1, subscribedTopicNames: ['u'],
        assignment: [{ topic: 'u', partitions: [0] }], targetAssignment: [{ topic: 'u', partitions: [0] }] },
    ])
  })

  it('keeps at most subscribedTopicNamesMax names of a subscription, none longer than a topic name, decoded once per membership', async () => {
    const group = classicGroup({ subscribedTopicNamesMax: 3 })
    const long = 'x'.repeat(250) // longer than any topic name: not a topic
    watch(group.join(joinRequest({ clientId: 'a', protocols: [rangeOf(long, 't1', 't2', 't3', 't4', 't5')] }), 0))
    group.tick(100)
    expect(group.describe().members[0]!.subscribedTopicNames).toEqual(['t1', 't2', 't3'])
    const topics = group.subscribedTopics()
    expect(topics).toEqual(new Set(['t1', 't2', 't3']))
    expect(group.subscribedTopics()).toBe(topics) // kept, not decoded again
    const b = watch(group.join(joinRequest({ clientId: 'b', protocols: [rangeOf('u')] }), 100))
    expect(group.subscribedTopics()).toEqual(new Set(['t1', 't2', 't3', 'u'])) // a member came: computed again
    group.tick(1_000)
    await turn()
    expect(b.answer?.errorCode).toBe(0)
  })

  it('shows nothing decoded for another protocol type', async () => {
    const group = classicGroup()
    watch(group.join(joinRequest({ protocolType: 'connect', protocols: [rangeOf('t')] }), 0))
    group.tick(100)
    expect(group.subscribedTopics()).toEqual(new Set())
    expect(group.describe().members[0]!.subscribedTopicNames).toEqual([])
  })
})

// The classic group's rules, one test each on a fake clock: states and generations, the leader,
// protocol choice, KIP-394 member ids, the initial delay, join and sync phases and their timeouts,
// heartbeats, leaves, KIP-345 static members (fencing, KIP-814), sessions, bounds, held answers
// always answered once, commits, describe.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { Held } from './classic-member.js'
import { classicGroup, joinRequest, rangeOf, syncRequest, turn, watch } from './classic-test-support.js'
import type { ClassicGroup } from './classic-group.js'
import { encodeConsumerAssignment } from './consumer-protocol.js'
import type { JoinGroupResult } from './kafka-group-ops.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

/** A Stable group of the given clients (dynamic, v3 joins), the first its leader, each assigned [i]. */
async function stableGroup(clients: string[], at = 0): Promise<{ group: ClassicGroup; ids: string[] }> {
  const group = classicGroup()
  const joins = clients.map((clientId) => watch(group.join(joinRequest({ clientId }), at)))
  group.tick(at + 200)
  await turn()
  const ids = joins.map((j) => j.answer!.memberId)
  const syncs = ids.slice(1).map((id) => watch(group.sync(syncRequest(id, 1), at + 200)))
  const assignments = ids.map((memberId, i) => ({ memberId, assignment: bytes(i) }))
  watch(group.sync(syncRequest(ids[0]!, 1, { assignments }), at + 200))
  await turn()
  expect(syncs.every((s) => s.answer?.errorCode === 0)).toBe(true)
  expect(group.state).toBe('Stable')
  return { group, ids }
}

describe('ClassicGroup: the join phase', () => {
  it("waits the initial delay, then makes generation 1 with the first joiner as leader and the leader's answer listing every member", async () => {
    const group = classicGroup()
    const a = watch(group.join(joinRequest({ clientId: 'a', protocols: [rangeOf('t')] }), 0))
    const b = watch(group.join(joinRequest({ clientId: 'b', protocols: [rangeOf('u')] }), 10))
    expect(group.state).toBe('PreparingRebalance')
    group.tick(99)
    await turn()
    expect(a.answer).toBeUndefined()
    group.tick(200) // the delay ran once more for b, as b came during it
    await turn()
    expect(group.state).toBe('CompletingRebalance')
    expect(group.generationId).toBe(1)
    expect(a.answer).toMatchObject({ errorCode: 0, generationId: 1, leader: 'a-1', memberId: 'a-1', protocolName: 'range', protocolType: 'consumer' })
    expect(a.answer!.members).toEqual([{ memberId: 'a-1', metadata: rangeOf('t').metadata }, { memberId: 'b-2', metadata: rangeOf('u').metadata }])
    expect(b.answer).toMatchObject({ errorCode: 0, generationId: 1, leader: 'a-1', memberId: 'b-2', members: [] })
  })

  it('extends the initial delay while members keep coming, but not past the rebalance timeout', async () => {
    const group = classicGroup()
    const joins = [watch(group.join(joinRequest({ clientId: 'a', rebalanceTimeoutMs: 250 }), 0))]
    joins.push(watch(group.join(joinRequest({ clientId: 'b', rebalanceTimeoutMs: 250 }), 50)))
    group.tick(199)
    joins.push(watch(group.join(joinRequest({ clientId: 'c', rebalanceTimeoutMs: 250 }), 150)))
    group.tick(200)
    joins.push(watch(group.join(joinRequest({ clientId: 'd', rebalanceTimeoutMs: 250 }), 220)))
    group.tick(249)
    await turn()
    expect(joins.some((j) => j.answer !== undefined)).toBe(false)
    group.tick(250)
    await turn()
    expect(joins.map((j) => j.answer?.generationId)).toEqual([1, 1, 1, 1])
  })

  it('a lone first member is answered when the delay ends, not before', async () => {
    const group = classicGroup()
    const a = watch(group.join(joinRequest(), 0))
    group.tick(99)
    await turn()
    expect(a.answer).toBeUndefined()
    group.tick(100)
    await turn()
    expect(a.answer?.generationId).toBe(1)
  })

  it('chooses among the protocols every member supports, by the votes of each member\'s first choice', async () => {
    const p = (name: string): { name: string; metadata: Uint8Array } => ({ name, metadata: bytes(1) })
    const group = classicGroup()
    watch(group.join(joinRequest({ clientId: 'a', protocols: [p('range'), p('roundrobin'), p('sticky')] }), 0))
    watch(group.join(joinRequest({ clientId: 'b', protocols: [p('roundrobin'), p('range'), p('sticky')] }), 0))
    watch(group.join(joinRequest({ clientId: 'c', protocols: [p('sticky'), p('roundrobin')] }), 0))
    group.tick(300)
    // Candidates: roundrobin and sticky (a range-less member); votes: a roundrobin, b roundrobin, c sticky.
    expect(group.protocolName).toBe('roundrobin')
  })

  it('refuses INCONSISTENT_GROUP_PROTOCOL: no protocol in common, another protocol type, an empty type or no protocols', () => {
    const group = classicGroup()
    expect(watch(group.join(joinRequest({ protocolType: '' }), 0)).answer?.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    expect(watch(group.join(joinRequest({ protocols: [] }), 0)).answer?.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    watch(group.join(joinRequest(), 0))
    const other = watch(group.join(joinRequest({ protocols: [{ name: 'roundrobin', metadata: bytes() }] }), 0))
    expect(other.answer).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId: '' })
    expect(watch(group.join(joinRequest({ protocolType: 'connect' }), 0)).answer?.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    expect(group.memberCount).toBe(1)
  })

  it('KIP-394: a first v4+ join is answered MEMBER_ID_REQUIRED with its id at once, joins with it, and the id lapses after its session', async () => {
    const group = classicGroup()
    const first = watch(group.join(joinRequest({ requireKnownMemberId: true }), 0))
    expect(first.answer).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'c-1', generationId: -1 })
    expect(group.memberCount).toBe(0)
    const joined = watch(group.join(joinRequest({ memberId: 'c-1', requireKnownMemberId: true }), 10))
    group.tick(200)
    await turn()
    expect(joined.answer).toMatchObject({ errorCode: 0, memberId: 'c-1', leader: 'c-1' })
    const lapsed = watch(group.join(joinRequest({ requireKnownMemberId: true }), 300))
    expect(lapsed.answer?.memberId).toBe('c-2')
    expect(watch(group.join(joinRequest({ memberId: 'c-2', requireKnownMemberId: true }), 1_300)).answer?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('a pending KIP-394 id holds the join phase until it joins', async () => {
    const { group, ids } = await stableGroup(['a', 'b'])
    expect(watch(group.join(joinRequest({ clientId: 'n', requireKnownMemberId: true }), 200)).answer?.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    const a = watch(group.join(joinRequest({ memberId: ids[0] }), 200)) // the leader rejoins: a rebalance
    const b = watch(group.join(joinRequest({ memberId: ids[1] }), 200))
    await turn()
    expect(a.answer).toBeUndefined()
    const n = watch(group.join(joinRequest({ memberId: 'n-3', requireKnownMemberId: true }), 210))
    await turn()
    expect([a, b, n].map((j) => j.answer?.generationId)).toEqual([2, 2, 2])
  })

  it('ends a later join phase as soon as every member rejoined; members that do not rejoin in time are removed', async () => {
    const { group, ids } = await stableGroup(['a', 'b', 'c'])
    const b = watch(group.join(joinRequest({ memberId: ids[1], protocols: [rangeOf('t', 'u')] }), 300))
    expect(group.state).toBe('PreparingRebalance')
    expect(group.heartbeat({ groupId: 'g', memberId: ids[0]!, generationId: 1 }, 300).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    const a = watch(group.join(joinRequest({ memberId: ids[0] }), 310))
    group.tick(799)
    await turn()
    expect(b.answer).toBeUndefined()
    group.tick(800) // the rebalance timeout (500): c never rejoined (its session would last until 1200)
    await turn()
    expect(a.answer).toMatchObject({ generationId: 2, leader: ids[0] })
    expect(a.answer!.members.map((m) => m.memberId)).toEqual([ids[0], ids[1]])
    expect(group.heartbeat({ groupId: 'g', memberId: ids[2]!, generationId: 1 }, 800).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('elects a member that rejoined when the leader did not', async () => {
    const { group, ids } = await stableGroup(['a', 'b'])
    const b = watch(group.join(joinRequest({ memberId: ids[1], protocols: [rangeOf('u')] }), 300))
    group.tick(800)
    await turn()
    expect(b.answer).toMatchObject({ generationId: 2, leader: ids[1], members: [{ memberId: ids[1] }] })
    expect(group.leaderId).toBe(ids[1])
  })

  it('answers an unchanged follower rejoining a Stable group with the current generation, and rebalances for the leader or a change', async () => {
    const { group, ids } = await stableGroup(['a', 'b'])
    const b = watch(group.join(joinRequest({ memberId: ids[1] }), 1_000))
    expect(b.answer).toMatchObject({ errorCode: 0, generationId: 1, leader: ids[0], members: [] })
    expect(group.state).toBe('Stable')
    watch(group.join(joinRequest({ memberId: ids[0] }), 1_000))
    expect(group.state).toBe('PreparingRebalance')
  })

  it('a one-member group rebalances at once when its member rejoins changed', async () => {
    const { group, ids } = await stableGroup(['a'])
    const again = watch(group.join(joinRequest({ memberId: ids[0], protocols: [rangeOf('v')] }), 1_000))
    expect(again.answer).toMatchObject({ errorCode: 0, generationId: 2 })
    expect(group.subscribedTopics()).toEqual(new Set(['v']))
  })
})

describe('ClassicGroup: the sync phase', () => {
  it("the leader's assignment answers every waiting member with its own bytes and makes the group Stable", async () => {
    const group = classicGroup()
    const [a, b, c] = ['a', 'b', 'c'].map((clientId) => watch(group.join(joinRequest({ clientId }), 0)))
    group.tick(200)
    await turn()
    const ids = [a, b, c].map((j) => j!.answer!.memberId)
    const syncB = watch(group.sync(syncRequest(ids[1]!, 1), 210))
    await turn()
    expect(syncB.answer).toBeUndefined()
    const syncA = watch(group.sync(syncRequest(ids[0]!, 1, { assignments: [{ memberId: ids[0]!, assignment: bytes(1) }, { memberId: ids[1]!, assignment: bytes(2) }] }), 220))
    await turn()
    expect(syncA.answer).toMatchObject({ errorCode: 0, assignment: bytes(1), protocolName: 'range', protocolType: 'consumer' })
    expect(syncB.answer).toMatchObject({ errorCode: 0, assignment: bytes(2) })
    expect(group.state).toBe('Stable')
    // In Stable a sync is answered at once; a member the leader left out has empty bytes.
    expect(watch(group.sync(syncRequest(ids[2]!, 1), 230)).answer).toMatchObject({ errorCode: 0, assignment: bytes() })
  })

  it('refuses UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS while preparing, INCONSISTENT_GROUP_PROTOCOL (v5)', async () => {
    const { group, ids } = await stableGroup(['a', 'b'])
    const code = (memberId: string, generationId: number, over = {}): number | undefined => watch(group.sync(syncRequest(memberId, generationId, over), 200)).answer?.errorCode
    expect(code('nobody', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(code(ids[1]!, 0)).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(code(ids[1]!, 1, { protocolType: 'connect' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    expect(code(ids[1]!, 1, { protocolName: 'roundrobin' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    expect(code(ids[1]!, 1, { protocolType: 'consumer', protocolName: 'range' })).toBe(0)
    watch(group.join(joinRequest({ memberId: ids[0] }), 200))
    expect(code(ids[1]!, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
  })

  it('a rebalance while members wait for the assignment answers them REBALANCE_IN_PROGRESS', async () => {
    const group = classicGroup()
    const [a, b] = ['a', 'b'].map((clientId) => watch(group.join(joinRequest({ clientId }), 0)))
    group.tick(200)
    await turn()
    const syncB = watch(group.sync(syncRequest(b!.answer!.memberId, 1), 210))
    watch(group.join(joinRequest({ clientId: 'late' }), 220))
    await turn()
    expect(syncB.answer?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect(a!.answer?.leader).toBe('a-1')
  })

  it('members that do not sync within the rebalance timeout are removed; a sync waiting on a silent leader is answered then', async () => {
    const group = classicGroup()
    const [a, b, c] = ['a', 'b', 'c'].map((clientId) => watch(group.join(joinRequest({ clientId }), 0)))
    group.tick(200)
    await turn()
    const syncB = watch(group.sync(syncRequest(b!.answer!.memberId, 1), 250))
    group.tick(699)
    await turn()
    expect(syncB.answer).toBeUndefined()
    group.tick(700)
    await turn()
    expect(syncB.answer?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect(group.memberCount).toBe(1) // the leader a and c never synced
    expect(group.state).toBe('PreparingRebalance')
    void a; void c
  })
})

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
    const described = group.describe()
    expect(described).toMatchObject({ groupId: 'g', state: 'Stable', type: 'classic', protocolType: 'consumer', assignor: 'range', groupEpoch: 1, assignmentEpoch: 1 })
    expect(described.members).toEqual([
      { memberId: ia, instanceId: 'ia', clientId: 'a', clientHost: '/10.0.0.1', memberEpoch: 1, subscribedTopicNames: ['t', 'u'],
        assignment: [{ topic: 't', partitions: [0, 1] }], targetAssignment: [{ topic: 't', partitions: [0, 1] }] },
      { memberId: ib, clientId: 'b', clientHost: '/10.0.0.1', memberEpoch: 1, subscribedTopicNames: ['u'],
        assignment: [{ topic: 'u', partitions: [0] }], targetAssignment: [{ topic: 'u', partitions: [0] }] },
    ])
  })

  it('shows nothing decoded for another protocol type', async () => {
    const group = classicGroup()
    watch(group.join(joinRequest({ protocolType: 'connect', protocols: [rangeOf('t')] }), 0))
    group.tick(100)
    expect(group.subscribedTopics()).toEqual(new Set())
    expect(group.describe().members[0]!.subscribedTopicNames).toEqual([])
  })
})

// The classic group's rules, one test each on a fake clock: states and generations, the leader,
// protocol choice, KIP-394 member ids, the initial delay, the join and sync phases and their
// timeouts (classic-group-members.test.ts has the rest: sessions, leaves, static members, held
// answers, bounds, commits, describe).
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { classicGroup, joinRequest, rangeOf, stableGroup, syncRequest, turn, watch } from './classic-test-support.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

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
    const direct = watch(group.join(joinRequest({ clientId: 'old' }), 250)) // v0-3: a member at once, no MEMBER_ID_REQUIRED
    expect(direct.answer).toBeUndefined()
    expect(group.memberCount).toBe(2)
    group.leave({ groupId: 'g', members: [{ memberId: 'old-2' }] }, 260)
    const lapsed = watch(group.join(joinRequest({ requireKnownMemberId: true }), 300))
    expect(lapsed.answer?.memberId).toBe('c-3')
    expect(watch(group.join(joinRequest({ memberId: 'c-3', requireKnownMemberId: true }), 1_300)).answer?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
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

describe('ClassicGroup: held joins of new members and request bounds', () => {
  it('a new member\'s join is answered UNKNOWN_MEMBER_ID after newMemberJoinTimeoutMs, however long the rebalance timeout', async () => {
    const group = classicGroup({ newMemberJoinTimeoutMs: 1_000 })
    const huge = 0x7fffffff
    const a = watch(group.join(joinRequest({ clientId: 'a', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: huge }), 0))
    group.tick(100)
    await turn()
    const ia = a.answer!.memberId
    watch(group.sync(syncRequest(ia, 1, { assignments: [{ memberId: ia, assignment: bytes(0) }] }), 100))
    expect(group.state).toBe('Stable')
    // b joins: a must rejoin, and could take the whole (2^31-1 ms) rebalance timeout to.
    const b = watch(group.join(joinRequest({ clientId: 'b', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: huge }), 200))
    group.tick(1_199)
    await turn()
    expect(b.answer).toBeUndefined()
    group.tick(1_200)
    await turn()
    expect(b.answer).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID })
    expect(group.memberCount).toBe(1)
    // a member of the generation is not new: a rejoining a is held on, as its rebalance timeout allows.
    const again = watch(group.join(joinRequest({ clientId: 'a', memberId: ia, sessionTimeoutMs: 60_000, rebalanceTimeoutMs: huge }), 1_300))
    await turn()
    expect(again.answer).toMatchObject({ errorCode: 0, generationId: 2, memberId: ia })
  })

  it('refuses a JoinGroup or LeaveGroup reason longer than memberFieldCharsMax (INVALID_REQUEST)', () => {
    const group = classicGroup({ memberFieldCharsMax: 10 })
    expect(() => group.join(joinRequest({ reason: 'r'.repeat(11) }), 0)).toThrow(/reason/)
    expect(() => group.leave({ groupId: 'g', members: [{ memberId: 'm', reason: 'r'.repeat(11) }] }, 0)).toThrow(/reason/)
    expect(group.state).toBe('Empty')
    watch(group.join(joinRequest({ reason: 'r'.repeat(10) }), 0))
    expect(group.memberCount).toBe(1)
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


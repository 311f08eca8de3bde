// Random histories of a consumer group (fast-check; a failure prints its seed and the shortest
// history found): members join, heartbeat, leave, fall silent, skip reporting their revocations;
// time passes and timers fire; the topic grows. After every step, the partitions held by members
// the group still has (as those clients see them) are disjoint; at the end, once everyone
// heartbeats a few rounds, the group is Stable, every partition is held, and counts are balanced.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, type HeartbeatRequest, type TopicPartitions } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { fromWire, pairsOf, sizeOf } from './assignment.js'
import { GroupCoordinator } from './group-coordinator.js'

type Step =
  | { kind: 'join'; assignor: 'uniform' | 'range' }
  | { kind: 'beat'; who: number; report: boolean }
  | { kind: 'leave'; who: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'grow' }

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), assignor: fc.constantFrom('uniform' as const, 'range' as const) }),
  { arbitrary: fc.record({ kind: fc.constant('beat' as const), who: fc.nat(7), report: fc.boolean() }), weight: 6 },
  fc.record({ kind: fc.constant('leave' as const), who: fc.nat(7) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
  fc.record({ kind: fc.constant('grow' as const) }),
)

interface Client { memberId: string; memberEpoch: number; owned: TopicPartitions[]; gone: boolean }

function run(steps: Step[]): void {
  let now = 0
  const topics = new Map([['t', { partitions: 5, topicId: 'id' }]])
  let ids = 0
  const groups = new GroupCoordinator({
    clock: () => now,
    topics: { topic: (t) => topics.get(t), names: () => [...topics.keys()] },
    appendOffsets: () => undefined,
    recordGroups: () => undefined,
    logger: silentLogger(),
    newMemberId: () => `m${++ids}`,
  }, { sessionTimeoutMsDefault: 1_000, rebalanceTimeoutMsDefault: 800 })
  const clients: Client[] = []

  const beat = (c: Client, report: boolean, assignor: 'uniform' | 'range' = 'uniform'): void => {
    const request: HeartbeatRequest = { groupId: 'g', memberId: c.memberId, memberEpoch: c.memberEpoch }
    if (c.memberEpoch === 0) Object.assign(request, { subscribedTopicNames: ['t'], serverAssignor: assignor })
    if (report) request.ownedPartitions = c.owned
    try {
      const answer = groups.heartbeat(request)
      c.memberId = answer.memberId
      c.memberEpoch = answer.memberEpoch
      if (answer.assignment !== undefined) c.owned = answer.assignment
    } catch (err) {
      const code = (err as { code?: number }).code
      expect([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_MEMBER_EPOCH]).toContain(code)
      c.owned = [] // a fenced client drops everything and joins again
      c.memberEpoch = 0
    }
  }

  const checkDisjoint = (): void => {
    const members = new Set(groups.describeGroups({ groupIds: ['g'] }).groups[0]!.members.map((m) => m.memberId))
    const seen = new Set<string>()
    for (const c of clients) {
      if (c.gone || !members.has(c.memberId)) continue
      for (const [t, p] of pairsOf(fromWire(c.owned))) {
        expect(seen.has(`${t}:${p}`), `${t}:${p} held twice`).toBe(false)
        seen.add(`${t}:${p}`)
      }
    }
  }

  for (const step of steps) {
    switch (step.kind) {
      case 'join': {
        const c: Client = { memberId: '', memberEpoch: 0, owned: [], gone: false }
        clients.push(c)
        beat(c, true, step.assignor)
        break
      }
      case 'beat': {
        const c = clients.filter((x) => !x.gone)[step.who]
        if (c !== undefined) beat(c, step.report)
        break
      }
      case 'leave': {
        const c = clients.filter((x) => !x.gone)[step.who]
        if (c === undefined || c.memberEpoch === 0) break
        try {
          groups.leaveGroup({ groupId: 'g', memberId: c.memberId })
        } catch (err) {
          expect((err as { code?: number }).code).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
        }
        c.gone = true
        break
      }
      case 'advance':
        now += step.ms
        groups.tick()
        break
      case 'grow':
        topics.set('t', { partitions: Math.min(12, topics.get('t')!.partitions + 1), topicId: 'id' })
        groups.onTopicChanged('t', false)
        break
    }
    checkDisjoint()
  }

  // Everyone left behaves from now on, with no time passing: the group must settle.
  const live = clients.filter((c) => !c.gone)
  for (let round = 0; round < 6; round++) {
    for (const c of live) beat(c, true)
    checkDisjoint()
  }
  const described = groups.describeGroups({ groupIds: ['g'] }).groups[0]!
  if (live.length === 0) return
  expect(described.state).toBe('Stable')
  const counts = live.map((c) => sizeOf(fromWire(c.owned)))
  expect(counts.reduce((a, b) => a + b, 0)).toBe(topics.get('t')!.partitions)
  expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
}

describe('ConsumerGroup under random histories', () => {
  it('never gives a partition to two members, and settles balanced', () => {
    fc.assert(fc.property(fc.array(arbStep, { minLength: 1, maxLength: 60 }), (steps) => run(steps)), { numRuns: 300 })
  })
})

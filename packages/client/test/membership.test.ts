// The group member's reconciliation against a scripted coordinator: partitions it gains are taken up
// before it reports owning them; partitions it loses are revoked (and reported no longer owned)
// before anything else; a fenced member drops everything as lost and joins again with epoch 0; a
// leave says -1 (static members -2).
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, type HeartbeatRequest, type HeartbeatResponse } from '@faecie/protocol'
import { Membership, type MembershipHost } from '../src/consumer/membership.js'
import type { TopicPartition } from '../src/consumer/state.js'
import { ManualClock } from '../../../test/support/manual-clock.js'

type Answer = HeartbeatResponse | FaecieError

function scripted(answers: Answer[], options: { groupInstanceId?: string } = {}) {
  const sent: HeartbeatRequest[] = []
  const events: string[] = []
  const host: MembershipHost = {
    memberFields: () => ({ groupId: 'g', subscribedTopicNames: ['t'], ...options }),
    heartbeat: async (fields) => {
      sent.push(structuredClone(fields))
      const answer = answers.shift() ?? { memberId: 'm1', memberEpoch: fields.memberEpoch < 0 ? fields.memberEpoch : 9, heartbeatIntervalMs: 60_000 }
      if (answer instanceof FaecieError) throw answer
      return answer
    },
    assigned: async (partitions: TopicPartition[]) => {
      events.push(`assigned ${partitions.map((p) => p.partition).join(',')}`)
    },
    revoked: async (partitions: TopicPartition[], lost: boolean) => {
      events.push(`${lost ? 'lost' : 'revoked'} ${partitions.map((p) => p.partition).join(',')}`)
    },
    fatal: (err) => events.push(`fatal ${String(err)}`),
  }
  // The member's timers run on a manual clock: the heartbeat interval (60 s) never falls due by
  // itself, and `settle` runs what the answers set off, plus any backoff under a second.
  const clock = new ManualClock()
  return { sent, events, membership: new Membership(host, { clock }), settle: () => clock.advance(1_000) }
}

describe('Membership', () => {
  it('takes up its assignment, then reports it owned; revokes before reporting the loss', async () => {
    const { sent, events, membership, settle } = scripted([
      { memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 60_000, assignment: [{ topic: 't', partitions: [0, 1, 2] }] },
      { memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 60_000 },
    ])
    membership.join()
    await settle()
    expect(sent[0]).toMatchObject({ groupId: 'g', memberId: '', memberEpoch: 0, ownedPartitions: [] })
    expect(events).toEqual(['assigned 0,1,2'])
    expect(sent[1]).toMatchObject({ memberId: 'm1', memberEpoch: 1, ownedPartitions: [{ topic: 't', partitions: [0, 1, 2] }] })
    expect(membership.ownedPartitions()).toHaveLength(3)
    await membership.leave()
  })

  it('gives partitions up before it reports them gone, then takes new ones', async () => {
    const { sent, events, membership, settle } = scripted([
      { memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 60_000, assignment: [{ topic: 't', partitions: [0, 1] }] },
      { memberId: 'm1', memberEpoch: 2, heartbeatIntervalMs: 60_000, assignment: [{ topic: 't', partitions: [1, 2] }] },
    ])
    membership.join()
    await settle()
    expect(events).toEqual(['assigned 0,1', 'revoked 0', 'assigned 2'])
    const owned = sent.map((s) => s.ownedPartitions?.[0]?.partitions.join(',') ?? '')
    // After the revocation the member reports no 0 any more (1, and 2 while it takes 2 up).
    const afterRevocation = owned.slice(owned.indexOf('0,1') + 1)
    expect(afterRevocation.length).toBeGreaterThan(0)
    expect(afterRevocation.filter((o) => o.split(',').includes('0'))).toEqual([])
    expect(owned.at(-1)).toBe('1,2')
    await membership.leave()
  })

  it('drops everything as lost when fenced, and joins again with epoch 0', async () => {
    const { sent, events, membership, settle } = scripted([
      { memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 60_000, assignment: [{ topic: 't', partitions: [0] }] },
      new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH, 'fenced'),
      { memberId: 'm1', memberEpoch: 3, heartbeatIntervalMs: 60_000, assignment: [{ topic: 't', partitions: [0] }] },
    ])
    membership.join()
    await settle()
    expect(events).toEqual(['assigned 0', 'lost 0', 'assigned 0'])
    expect(sent[2]).toMatchObject({ memberId: 'm1', memberEpoch: 0, ownedPartitions: [] })
    await membership.leave()
  })

  it('leaves with epoch -1, or -2 as a static member', async () => {
    for (const [options, epoch] of [[{}, -1], [{ groupInstanceId: 'i1' }, -2]] as const) {
      const { sent, membership, settle } = scripted([{ memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 60_000, assignment: [] }], options)
      membership.join()
      await settle()
      await membership.leave()
      expect(sent.at(-1)).toMatchObject({ memberId: 'm1', memberEpoch: epoch })
      expect(membership.isActive).toBe(false)
    }
  })

  it('stops on an error it cannot get past', async () => {
    const { events, membership, settle } = scripted([new FaecieError(ErrorCode.INVALID_GROUP_ID, 'bad group')])
    membership.join()
    await settle()
    expect(events[0]).toMatch(/fatal .*bad group/)
    expect(membership.isActive).toBe(false)
  })

  it('reports partitions lost, and does not own them, when a fence comes while it is taking them up', async () => {
    const clock = new ManualClock()
    const sent: HeartbeatRequest[] = []
    const events: string[] = []
    const answers: Answer[] = [
      { memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 1_000, assignment: [{ topic: 't', partitions: [0] }] },
      new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH, 'fenced'),
      { memberId: 'm1', memberEpoch: 3, heartbeatIntervalMs: 1_000, assignment: [] },
    ]
    let finishTakeUp!: () => void
    const membership = new Membership({
      memberFields: () => ({ groupId: 'g', subscribedTopicNames: ['t'] }),
      heartbeat: async (fields) => {
        sent.push(structuredClone(fields))
        const answer = answers.shift() ?? { memberId: 'm1', memberEpoch: fields.memberEpoch < 0 ? fields.memberEpoch : 3, heartbeatIntervalMs: 1_000 }
        if (answer instanceof FaecieError) throw answer
        return answer
      },
      assigned: (partitions) => {
        events.push(`assigned ${partitions.map((p) => p.partition).join(',')}`)
        return new Promise((resolve) => (finishTakeUp = resolve))
      },
      revoked: async (partitions, lost) => {
        events.push(`${lost ? 'lost' : 'revoked'} ${partitions.map((p) => p.partition).join(',')}`)
      },
      fatal: (err) => events.push(`fatal ${String(err)}`),
    }, { clock })
    membership.join()
    await clock.advance(1_000) // the next heartbeat is fenced; the rejoin's answer gives nothing
    expect(sent.map((s) => s.memberEpoch)).toEqual([0, 1, 0])
    finishTakeUp()
    await clock.advance(1_000)
    expect(events).toEqual(['assigned 0', 'lost 0'])
    expect(membership.ownedPartitions()).toEqual([])
    expect(sent.at(-1)).toMatchObject({ memberEpoch: 3, ownedPartitions: [] })
    await membership.leave()
  })

  it('a static member refused with UNRELEASED_INSTANCE_ID tries its join again with backoff until it gets in', async () => {
    const clock = new ManualClock()
    const sent: HeartbeatRequest[] = []
    const events: string[] = []
    const answers: Answer[] = [
      new FaecieError(ErrorCode.UNRELEASED_INSTANCE_ID, 'held'),
      new FaecieError(ErrorCode.UNRELEASED_INSTANCE_ID, 'held'),
      { memberId: 'm2', memberEpoch: 4, heartbeatIntervalMs: 60_000, assignment: [{ topic: 't', partitions: [1] }] },
    ]
    const membership = new Membership({
      memberFields: () => ({ groupId: 'g', subscribedTopicNames: ['t'], groupInstanceId: 's' }),
      heartbeat: async (fields) => {
        sent.push(structuredClone(fields))
        const answer = answers.shift() ?? { memberId: 'm2', memberEpoch: fields.memberEpoch < 0 ? fields.memberEpoch : 4, heartbeatIntervalMs: 60_000 }
        if (answer instanceof FaecieError) throw answer
        return answer
      },
      assigned: async (partitions) => {
        events.push(`assigned ${partitions.map((p) => p.partition).join(',')}`)
      },
      revoked: async () => undefined,
      fatal: (err) => events.push(`fatal ${String(err)}`),
    }, { clock, random: () => 0.5 })
    membership.join()
    await clock.advance(999)
    expect(sent).toHaveLength(1)
    await clock.advance(1) // the first retry after 1 s, the next after 2 s more
    expect(sent).toHaveLength(2)
    await clock.advance(1_999)
    expect(sent).toHaveLength(2)
    await clock.advance(1)
    expect(sent.slice(0, 3).map((s) => [s.memberId, s.memberEpoch])).toEqual([['', 0], ['', 0], ['', 0]])
    expect(events).toEqual(['assigned 1'])
    expect(membership.isActive).toBe(true)
    expect(membership.memberId).toBe('m2')
    await membership.leave()
  })

  it('reports partitions it is taking up as owned, so that they are not read as revoked and given away meanwhile', async () => {
    const clock = new ManualClock()
    const sent: HeartbeatRequest[] = []
    let finishTakeUp!: () => void
    const membership = new Membership({
      memberFields: () => ({ groupId: 'g', subscribedTopicNames: ['t'] }),
      heartbeat: async (fields) => {
        sent.push(structuredClone(fields))
        return { memberId: 'm1', memberEpoch: fields.memberEpoch < 0 ? fields.memberEpoch : 1, heartbeatIntervalMs: 1_000,
          ...(sent.length === 1 ? { assignment: [{ topic: 't', partitions: [0, 1] }] } : {}) }
      },
      assigned: () => new Promise((resolve) => (finishTakeUp = resolve)),
      revoked: async () => undefined,
      fatal: () => undefined,
    }, { clock })
    membership.join()
    await clock.advance(1_000) // a heartbeat while the take-up is still under way
    expect(sent.map((s) => s.ownedPartitions)).toEqual([[], [{ topic: 't', partitions: [0, 1] }]])
    finishTakeUp()
    await clock.advance(1_000)
    expect(sent.at(-1)!.ownedPartitions).toEqual([{ topic: 't', partitions: [0, 1] }])
    await membership.leave()
  })
})

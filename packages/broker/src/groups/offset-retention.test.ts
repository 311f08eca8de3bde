// Offset retention (KIP-211) on the GroupCoordinator with a manual clock and in-memory logs: an empty
// group's offsets expire offsetsRetentionMs after it became empty, then the group is deleted
// (tombstones and a groupDeleted record, so a replay does not bring it back); a group with members
// keeps the offsets of what it subscribes to; a group replayed empty counts from its commits, but
// not while it waits for its members of before; the check runs only every
// offsetsRetentionCheckIntervalMs.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import type { GroupSettings } from './consumer-group.js'
import { CoordinatorWorld } from './coordinator-test-support.js'
import type { GroupCoordinator } from './group-coordinator.js'

const RETENTION_MS = 60_000
const CHECK_MS = 1_000
const LONG_SESSION_MS = 1_800_000

class World extends CoordinatorWorld {
  constructor(settings: Partial<GroupSettings>) {
    super({ topics: [['t', { partitions: 2, topicId: 'id-t' }], ['u', { partitions: 1, topicId: 'id-u' }]], settings })
  }

  /** A new coordinator replaying the logs, as after a broker restart. */
  restart(): GroupCoordinator {
    return (this.coordinator = this.open())
  }

  /** Moves the clock on in steps of at most `stepMs`, ticking the coordinator after each. */
  advance(ms: number, stepMs = CHECK_MS, eachStep: () => void = () => undefined): void {
    const end = this.now + ms
    while (this.now < end) {
      this.now = Math.min(end, this.now + stepMs)
      eachStep()
      this.coordinator.tick()
    }
  }

  groupIds(): string[] {
    return this.coordinator.listGroups({}).groups.map((g) => g.groupId)
  }

  /** The committed offsets of a group, as "topic-partition=offset". */
  offsets(groupId: string): string[] {
    return this.coordinator.fetchOffsets({ groupId }).topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p.partition}=${p.offset}`))
  }
}

const settings = { offsetsRetentionMs: RETENTION_MS, offsetsRetentionCheckIntervalMs: CHECK_MS, startupAssignmentDelayMs: 10_000 }

describe('offset retention', () => {
  it("an empty group's offsets expire offsetsRetentionMs after it became empty; the group is then deleted, also for a replay", () => {
    const world = new World(settings)
    const member = world.coordinator.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], sessionTimeoutMs: LONG_SESSION_MS })
    const epoch = { memberId: member.memberId, memberEpoch: member.memberEpoch }
    world.coordinator.commitOffsets({ groupId: 'g', ...epoch, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 5 }] }] })
    // With a member subscribed to the topic, the offset stays long past its retention.
    world.advance(3 * RETENTION_MS, 10_000, () => world.coordinator.heartbeat({ groupId: 'g', ...epoch }))
    expect(world.offsets('g')).toEqual(['t-0=5'])

    world.coordinator.leaveGroup({ groupId: 'g', memberId: member.memberId })
    world.advance(RETENTION_MS - CHECK_MS)
    expect(world.offsets('g')).toEqual(['t-0=5'])
    expect(world.groupIds()).toEqual(['g'])
    world.advance(CHECK_MS)
    expect(world.offsets('g')).toEqual([])
    expect(world.groupIds()).toEqual([])
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    expect(world.offsetLog.at(-1)).toEqual({ groupId: 'g', topic: 't', partition: 0, value: null })
    expect(world.groupLog.at(-1)).toEqual({ type: 'groupDeleted', groupId: 'g' })

    const replayed = world.restart()
    expect(replayed.listGroups({}).groups).toEqual([])
    expect(world.offsets('g')).toEqual([])
    expect(replayed.groupCount).toBe(0)
  })

  it('a group with members keeps the offsets of subscribed topics; those of a topic nobody subscribes to expire after their commit', () => {
    const world = new World(settings)
    world.coordinator.alterGroupOffsets({ groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 1, offset: 3 }] },
      { topic: 'u', partitions: [{ partition: 0, offset: 8 }] }] })
    const member = world.coordinator.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], sessionTimeoutMs: LONG_SESSION_MS })
    const beat = (): void => { world.coordinator.heartbeat({ groupId: 'g', memberId: member.memberId, memberEpoch: member.memberEpoch }) }
    world.advance(RETENTION_MS - CHECK_MS, CHECK_MS, beat)
    expect(world.offsets('g')).toEqual(['t-1=3', 'u-0=8'])
    world.advance(CHECK_MS, CHECK_MS, beat)
    expect(world.offsets('g')).toEqual(['t-1=3'])
    world.advance(5 * RETENTION_MS, 10_000, beat)
    expect(world.offsets('g')).toEqual(['t-1=3'])
    expect(world.groupIds()).toEqual(['g'])
  })

  it('an offset committed to a group after it emptied gets its full retention from its commit', () => {
    const world = new World(settings)
    world.coordinator.commitOffsets({ groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] })
    world.advance(RETENTION_MS / 2)
    world.coordinator.commitOffsets({ groupId: 'g', topics: [{ topic: 'u', partitions: [{ partition: 0, offset: 2 }] }] })
    world.advance(RETENTION_MS / 2)
    expect(world.offsets('g')).toEqual(['u-0=2'])
    world.advance(RETENTION_MS / 2)
    expect(world.offsets('g')).toEqual([])
    expect(world.groupIds()).toEqual([])
  })

  it('a group replayed empty counts from its commits, but waits while its members of before may come back', () => {
    const world = new World(settings)
    world.coordinator.commitOffsets({ groupId: 'old', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] })
    world.now += RETENTION_MS + CHECK_MS
    world.coordinator.commitOffsets({ groupId: 'recent', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 2 }] }] })
    world.restart()
    world.advance(10_000 - CHECK_MS)
    expect(world.groupIds()).toEqual(['old', 'recent'])
    world.advance(CHECK_MS)
    expect(world.groupIds()).toEqual(['recent'])
    expect(world.restart().listGroups({}).groups.map((g) => g.groupId)).toEqual(['recent'])
  })

  it('a group left empty with no offsets (a join and a leave) is deleted at the next check, not before', () => {
    const world = new World({ ...settings, offsetsRetentionCheckIntervalMs: 30_000 })
    for (let i = 0; i < 100; i++) {
      const m = world.coordinator.heartbeat({ groupId: `g${i}`, memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
      world.coordinator.leaveGroup({ groupId: `g${i}`, memberId: m.memberId })
    }
    world.advance(30_000 - 1, 1_000)
    expect(world.groupIds()).toHaveLength(100)
    world.advance(1)
    expect(world.groupIds()).toEqual([])
    expect(world.groupLog.filter((r) => r.type === 'groupDeleted')).toHaveLength(100)
    expect(world.restart().groupCount).toBe(0)
  })
})

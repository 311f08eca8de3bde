// The group coordinator with a fake clock and in-memory persistence (no threads, no disk):
// members converge to the target assignment through revoke-then-assign, no partition ever has two
// owners (checked after every heartbeat), sessions and revocations time out, static members get
// their partitions back, epochs fence stale members, and offsets follow the Kafka rules.
import { describe, expect, it } from 'vitest'
import { ErrorCode, type HeartbeatRequest, type HeartbeatResponse, type TopicPartitions } from '@faecie/protocol'
import { fromWire, pairsOf, sizeOf } from './assignment.js'
import { CoordinatorWorld } from './coordinator-test-support.js'

class World extends CoordinatorWorld {}

/** A well-behaved client: takes what it is given, drops what it loses at once, reports it. */
class Consumer {
  memberId = ''
  memberEpoch = 0
  owned: TopicPartitions[] = []
  last: HeartbeatResponse | undefined

  constructor(readonly world: World, readonly topics: string[], readonly extra: Partial<HeartbeatRequest> = {}) {}

  beat(): HeartbeatResponse {
    const request: HeartbeatRequest = { groupId: 'g', memberId: this.memberId, memberEpoch: this.memberEpoch, ownedPartitions: this.owned, ...this.extra }
    if (this.memberEpoch === 0) request.subscribedTopicNames = this.topics
    const response = this.world.coordinator.heartbeat(request)
    this.memberId = response.memberId
    this.memberEpoch = response.memberEpoch
    if (response.assignment !== undefined) this.owned = response.assignment
    this.last = response
    return response
  }

  count(): number {
    return sizeOf(fromWire(this.owned))
  }
}

/** Heartbeats everyone in turn until nothing changes, checking single ownership as clients see it. */
function settle(consumers: Consumer[], rounds = 10): void {
  for (let i = 0; i < rounds; i++) {
    for (const c of consumers) {
      c.beat()
      const seen = new Set<string>()
      for (const other of consumers) {
        for (const [t, p] of pairsOf(fromWire(other.owned))) {
          expect(seen.has(`${t}:${p}`), `${t}:${p} held twice`).toBe(false)
          seen.add(`${t}:${p}`)
        }
      }
    }
  }
}

function codeOf(work: () => unknown): number | undefined {
  try {
    work()
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

function state(world: World): string {
  return world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.state
}

describe('GroupCoordinator', () => {
  it('3 members on 6 partitions each get 2 and the group is Stable', () => {
    const world = new World()
    world.topics.set('t', { partitions: 6, topicId: 'id-t' })
    const consumers = [0, 1, 2].map(() => new Consumer(world, ['t']))
    settle(consumers)
    expect(consumers.map((c) => c.count())).toEqual([2, 2, 2])
    expect(state(world)).toBe('Stable')
    expect(world.groupLog).toEqual([{ type: 'group', groupId: 'g' }])
  })

  it('a joining member takes partitions only after their owner revoked them; others keep the rest', () => {
    const world = new World()
    world.topics.set('t', { partitions: 6, topicId: 'id-t' })
    const [a, b] = [new Consumer(world, ['t']), new Consumer(world, ['t'])]
    settle([a, b])
    const before = { a: a.owned, b: b.owned }
    const c = new Consumer(world, ['t'])
    c.beat()
    expect(c.count()).toBe(0) // everything is still owned by a or b
    expect(state(world)).toBe('Reconciling')
    settle([a, b, c])
    expect([a.count(), b.count(), c.count()]).toEqual([2, 2, 2])
    for (const [t, p] of pairsOf(fromWire(a.owned))) expect(fromWire(before.a).get(t)).toContain(p)
    for (const [t, p] of pairsOf(fromWire(b.owned))) expect(fromWire(before.b).get(t)).toContain(p)
  })

  it('a leave frees partitions at once; a silent member expires after its session timeout', () => {
    const world = new World()
    world.topics.set('t', { partitions: 6, topicId: 'id-t' })
    const consumers = [0, 1, 2].map(() => new Consumer(world, ['t'], { sessionTimeoutMs: 3_000 }))
    settle(consumers)
    world.coordinator.leaveGroup({ groupId: 'g', memberId: consumers[2]!.memberId })
    settle(consumers.slice(0, 2))
    expect(consumers.slice(0, 2).map((c) => c.count())).toEqual([3, 3])

    world.now += 2_000
    consumers[0]!.beat()
    world.now += 2_000
    world.coordinator.tick() // consumers[1] last beat 4 s ago
    settle([consumers[0]!])
    expect(consumers[0]!.count()).toBe(6)
    expect(codeOf(() => consumers[1]!.beat())).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('a member that does not revoke in its rebalance timeout is removed', () => {
    const world = new World()
    world.topics.set('t', { partitions: 4, topicId: 'id-t' })
    const a = new Consumer(world, ['t'], { rebalanceTimeoutMs: 500 })
    settle([a])
    const b = new Consumer(world, ['t'])
    b.beat()
    // a is told to keep 2 but never reports dropping the other 2.
    world.coordinator.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch })
    world.now += 600
    world.coordinator.tick()
    settle([b])
    expect(b.count()).toBe(4)
  })

  it('fences stale epochs and unknown members', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    settle([a])
    expect(codeOf(() => world.coordinator.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch + 5 })))
      .toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    expect(codeOf(() => world.coordinator.heartbeat({ groupId: 'g', memberId: 'nobody', memberEpoch: 1 }))).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(codeOf(() => world.coordinator.heartbeat({ groupId: 'other', memberId: 'nobody', memberEpoch: 1 }))).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(codeOf(() => world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch - 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] }))).toBe(ErrorCode.STALE_MEMBER_EPOCH)
    expect(codeOf(() => world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch + 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] }))).toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    expect(codeOf(() => world.coordinator.commitOffsets({ groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] })))
      .toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(codeOf(() => world.coordinator.deleteGroup('g'))).toBe(ErrorCode.NON_EMPTY_GROUP)
    expect(codeOf(() => world.coordinator.alterGroupOffsets({ groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] })))
      .toBe(ErrorCode.NON_EMPTY_GROUP)
  })

  it('a static member that comes back gets its partitions back without a rebalance', () => {
    const world = new World()
    world.topics.set('t', { partitions: 4, topicId: 'id-t' })
    const a = new Consumer(world, ['t'], { groupInstanceId: 'a' })
    const b = new Consumer(world, ['t'], { groupInstanceId: 'b' })
    settle([a, b])
    const had = a.owned
    const epoch = world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.groupEpoch
    world.coordinator.leaveGroup({ groupId: 'g', memberId: a.memberId, memberEpoch: -2 })
    const again = new Consumer(world, ['t'], { groupInstanceId: 'a' })
    again.beat()
    expect(again.owned).toEqual(had)
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.groupEpoch).toBe(epoch)
    expect(codeOf(() => a.beat())).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('growing a subscribed topic rebalances; deleting a topic tombstones its offsets', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const [a, b] = [new Consumer(world, ['t']), new Consumer(world, ['t'])]
    settle([a, b])
    world.topics.set('t', { partitions: 4, topicId: 'id-t' })
    world.coordinator.onTopicChanged('t', false)
    settle([a, b])
    expect([a.count(), b.count()]).toEqual([2, 2])
    const partition = fromWire(a.owned).get('t')![0]!
    world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch, topics: [{ topic: 't', partitions: [{ partition, offset: 7 }] }] })
    world.topics.delete('t')
    world.coordinator.onTopicChanged('t', true)
    expect(world.offsetLog.at(-1)).toEqual({ groupId: 'g', topic: 't', partition, value: null })
    settle([a, b])
    expect([a.count(), b.count()]).toEqual([0, 0])
  })

  it('commits, fetches, replays, alters and deletes offsets', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const commit = world.coordinator.commitOffsets({ groupId: 'simple', topics: [
      { topic: 't', partitions: [{ partition: 0, offset: 5, metadata: 'm' }, { partition: 9, offset: 1 }] },
      { topic: 'missing', partitions: [{ partition: 0, offset: 1 }] }] })
    expect(commit.topics[0]!.partitions[0]).toEqual({ partition: 0 })
    expect(commit.topics[0]!.partitions[1]!.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(commit.topics[1]!.partitions[0]!.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)

    const replayed = world.open()
    expect(replayed.fetchOffsets({ groupId: 'simple' })).toEqual({ groupId: 'simple', topics: [{ topic: 't', partitions: [
      { partition: 0, offset: 5, metadata: 'm', commitTimestamp: 1_000 }] }] })
    expect(replayed.fetchOffsets({ groupId: 'simple', topics: [{ topic: 't' }] }).topics[0]!.partitions.map((p) => p.offset)).toEqual([5, -1])
    // In its hold window a replayed group's members of before may still be consuming: no admin change yet.
    const alter = { groupId: 'simple', topics: [{ topic: 't', partitions: [{ partition: 1, offset: 3 }] }] }
    expect(codeOf(() => replayed.alterGroupOffsets(alter))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    expect(codeOf(() => replayed.deleteGroup('simple'))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    world.now += 10_000
    replayed.alterGroupOffsets(alter)
    expect(replayed.listGroups({})).toEqual({ groups: [{ groupId: 'simple', state: 'Empty', groupEpoch: 0, members: 0 }] })
    replayed.deleteGroup('simple')
    expect(codeOf(() => replayed.deleteGroup('simple'))).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    const again = world.open()
    expect(again.fetchOffsets({ groupId: 'simple' }).topics).toEqual([])
    expect(again.listGroups({}).groups).toEqual([])
    expect(again.describeGroups({ groupIds: ['simple'] }).groups[0]!.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })

  it('a regex subscription and a subscribed topic created later are picked up', () => {
    const world = new World()
    world.topics.set('orders-eu', { partitions: 1, topicId: 'id-1' })
    world.topics.set('payments', { partitions: 1, topicId: 'id-2' })
    const a = new Consumer(world, [], { subscribedTopicRegex: 'orders-.*' })
    const b = new Consumer(world, ['later'])
    settle([a, b])
    expect(a.owned).toEqual([{ topic: 'orders-eu', partitions: [0] }])
    expect(b.owned).toEqual([])
    world.topics.set('orders-us', { partitions: 1, topicId: 'id-3' })
    world.topics.set('later', { partitions: 2, topicId: 'id-4' })
    world.coordinator.onTopicChanged('orders-us', false)
    world.coordinator.onTopicChanged('later', false)
    settle([a, b])
    expect(a.owned).toEqual([{ topic: 'orders-eu', partitions: [0] }, { topic: 'orders-us', partitions: [0] }])
    expect(b.owned).toEqual([{ topic: 'later', partitions: [0, 1] }])
  })

  it('a fenced member drops everything and rejoins under the same id', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    settle([a])
    const id = a.memberId
    a.memberEpoch = 0
    a.owned = []
    const answer = a.beat()
    expect(answer.memberId).toBe(id)
    expect(answer.assignment).toEqual([{ topic: 't', partitions: [0, 1] }])
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.members).toHaveLength(1)
  })

  it('the range assignor is used when the first member asks for it', () => {
    const world = new World()
    world.topics.set('t', { partitions: 3, topicId: 'id-t' })
    const consumers = [0, 1].map(() => new Consumer(world, ['t'], { serverAssignor: 'range' }))
    settle(consumers)
    const group = world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!
    expect(group.assignor).toBe('range')
    expect(consumers.map((c) => c.owned)).toEqual([[{ topic: 't', partitions: [0, 1] }], [{ topic: 't', partitions: [2] }]])
  })

  it('a member whose answer was lost may come back with its previous epoch and gets the assignment again', () => {
    const world = new World()
    world.topics.set('t', { partitions: 4, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    settle([a])
    const [epoch, owned] = [a.memberEpoch, a.owned]
    const b = new Consumer(world, ['t'])
    b.beat()
    a.beat() // told to revoke two
    a.beat() // reports it: moves to the new epoch; pretend this answer is lost
    expect(a.memberEpoch).toBeGreaterThan(epoch)
    a.memberEpoch = epoch
    a.owned = owned.map((t) => ({ topic: t.topic, partitions: t.partitions.slice(0, 2) }))
    const again = a.beat()
    expect(again.memberEpoch).toBeGreaterThan(epoch)
    expect(again.assignment).toEqual(a.owned)
    expect(a.count()).toBe(2)
  })

  it('after a restart, members of before come back with their partitions and epochs, and their commits count', () => {
    const world = new World()
    world.topics.set('t', { partitions: 4, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    const b = new Consumer(world, ['t'])
    settle([a, b])
    expect([a.count(), b.count()]).toEqual([2, 2])
    const before = { a: JSON.stringify(a.owned), b: JSON.stringify(b.owned) }
    Object.defineProperty(world, 'coordinator', { value: world.open() })
    settle([a, b])
    expect([JSON.stringify(a.owned), JSON.stringify(b.owned)]).toEqual([before.a, before.b])
    // A second claim on partitions someone came back with is refused.
    expect(codeOf(() => world.coordinator.heartbeat({ groupId: 'g', memberId: 'ghost', memberEpoch: 3, ownedPartitions: a.owned })))
      .toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    const commit = world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: fromWire(a.owned).get('t')![0]!, offset: 7 }] }] })
    expect(commit.topics[0]!.partitions[0]!.error).toBeUndefined()
    // After the hold, a member that did not come back is unknown.
    world.now += 10_000
    expect(codeOf(() => world.coordinator.heartbeat({ groupId: 'g', memberId: 'late', memberEpoch: 2, ownedPartitions: [] })))
      .toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('after a restart, a member the old coordinator had expired cannot claim back a partition its new owner committed', () => {
    const world = new World()
    world.topics.set('t', { partitions: 1, topicId: 'id-t' })
    const m1 = new Consumer(world, ['t'], { sessionTimeoutMs: 1_000 })
    settle([m1])
    const m2 = new Consumer(world, ['t'])
    settle([m1, m2])
    expect([m1.count(), m2.count()]).toEqual([1, 0])
    world.coordinator.commitOffsets({ groupId: 'g', memberId: m1.memberId, memberEpoch: m1.memberEpoch, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 100 }] }] })
    // M1 stalls past its session: the coordinator expires it and gives t-0 to M2, which commits 500.
    world.now += 1_000
    world.coordinator.tick()
    settle([m2])
    expect(m2.count()).toBe(1)
    world.coordinator.commitOffsets({ groupId: 'g', memberId: m2.memberId, memberEpoch: m2.memberEpoch, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 500 }] }] })
    expect(world.offsetLog.at(-1)!.value).toMatchObject({ offset: 500, memberId: m2.memberId })
    // A new coordinator; M1 (which never heard it was expired) heartbeats first, claiming t-0.
    Object.defineProperty(world, 'coordinator', { value: world.open() })
    expect(codeOf(() => m1.beat())).toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    expect(codeOf(() => world.coordinator.commitOffsets({ groupId: 'g', memberId: m1.memberId, memberEpoch: m1.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 120 }] }] }))).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    // The real owner comes back with its partition and its offset stands.
    m2.beat()
    expect(m2.count()).toBe(1)
    expect(world.coordinator.fetchOffsets({ groupId: 'g' }).topics[0]!.partitions[0]!.offset).toBe(500)
  })

  it('a member that took a partition over is its committer from then on, so after a restart it keeps it without having committed', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    settle([a])
    world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 4 }, { partition: 1, offset: 6 }] }] })
    // B joins and takes one partition over from A; B consumes nothing new there, so commits nothing.
    const b = new Consumer(world, ['t'])
    settle([a, b])
    expect([a.count(), b.count()]).toEqual([1, 1])
    const taken = fromWire(b.owned).get('t')![0]!
    const restamped = world.offsetLog.at(-1)!
    expect(restamped).toMatchObject({ topic: 't', partition: taken, value: { offset: taken === 0 ? 4 : 6, memberId: b.memberId } })
    // A new coordinator: B heartbeats first with its partition and keeps it; so does A.
    Object.defineProperty(world, 'coordinator', { value: world.open() })
    b.beat()
    a.beat()
    expect([a.count(), b.count()]).toEqual([1, 1])
    expect(fromWire(b.owned).get('t')).toEqual([taken])
    expect(world.coordinator.fetchOffsets({ groupId: 'g' }).topics[0]!.partitions.map((p) => p.offset)).toEqual([4, 6])
  })

  it('after a restart, offsets committed without a member id (records of before, admin commits) impose nothing on a returning member', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    settle([a])
    world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 4 }] }] })
    world.offsetLog.push({ groupId: 'g', topic: 't', partition: 1, value: { offset: 9, metadata: '', commitTimestamp: 1, topicId: 'id-t' } })
    Object.defineProperty(world, 'coordinator', { value: world.open() })
    a.beat()
    expect(a.owned).toEqual([{ topic: 't', partitions: [0, 1] }])
  })

  it('beginReadmission starts the hold window when the coordinator starts answering, not when it was made', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    settle([a])
    const restarted = world.open()
    world.now += 60_000 // a long load
    restarted.beginReadmission()
    Object.defineProperty(world, 'coordinator', { value: restarted })
    a.beat()
    expect(a.owned).toEqual([{ topic: 't', partitions: [0, 1] }])
    expect(codeOf(() => restarted.deleteGroup('g'))).toBe(ErrorCode.NON_EMPTY_GROUP)
  })

  it('after a restart, a replayed group hands out nothing until the old members have heard they are gone', () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    settle([new Consumer(world, ['t'])])
    const restarted = world.open() // membership is not durable; the group is
    const consumer = new Consumer(world, ['t'])
    Object.defineProperty(world, 'coordinator', { value: restarted })
    expect(consumer.beat().heartbeatIntervalMs).toBeLessThanOrEqual(500)
    expect(consumer.count()).toBe(0)
    world.now += 10_000
    consumer.beat()
    expect(consumer.count()).toBe(2)
    // A group created after the start has no members from before it: no hold.
    world.now += 1
    expect(restarted.heartbeat({ groupId: 'new-group', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] }).assignment)
      .toEqual([{ topic: 't', partitions: [0, 1] }])
  })

  it('a second live member with a static instance id waits (UNRELEASED_INSTANCE_ID) until the first leaves or expires', () => {
    const world = new World()
    world.topics.set('t', { partitions: 4, topicId: 'id-t' })
    const a = new Consumer(world, ['t'], { groupInstanceId: 's', sessionTimeoutMs: 3_000 })
    const b = new Consumer(world, ['t'], { groupInstanceId: 'b', sessionTimeoutMs: 3_000 })
    settle([a, b])
    const had = a.owned
    const copy = new Consumer(world, ['t'], { groupInstanceId: 's', sessionTimeoutMs: 3_000 })
    expect(codeOf(() => copy.beat())).toBe(ErrorCode.UNRELEASED_INSTANCE_ID)
    settle([a, b])
    expect(a.owned).toEqual(had)
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.members).toHaveLength(2)

    // The holder's session runs out: the copy joins then, as a new member.
    world.now += 2_000
    b.beat()
    world.now += 2_000
    world.coordinator.tick()
    copy.beat()
    settle([b, copy])
    expect(copy.count() + b.count()).toBe(4)
    expect(codeOf(() => a.beat())).toBe(ErrorCode.UNKNOWN_MEMBER_ID)

    // A leave with epoch -2 releases the id at once: the next one takes over its partitions.
    const owned = copy.owned
    world.coordinator.leaveGroup({ groupId: 'g', memberId: copy.memberId, memberEpoch: -2 })
    const next = new Consumer(world, ['t'], { groupInstanceId: 's', sessionTimeoutMs: 3_000 })
    next.beat()
    expect(next.owned).toEqual(owned)
  })

  it("refuses a member's commit for a partition it does not own at its epoch; an admin commit to an empty group stays allowed", () => {
    const world = new World()
    world.topics.set('t', { partitions: 2, topicId: 'id-t' })
    const a = new Consumer(world, ['t'])
    const b = new Consumer(world, ['t'])
    settle([a, b])
    const [mine] = fromWire(a.owned).get('t')!
    const theirs = 1 - mine!
    world.coordinator.commitOffsets({ groupId: 'g', memberId: b.memberId, memberEpoch: b.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: theirs, offset: 50 }] }] })
    const answer = world.coordinator.commitOffsets({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: mine!, offset: 7 }, { partition: theirs, offset: 3 }] }] })
    expect(answer.topics[0]!.partitions).toEqual([
      { partition: mine }, { partition: theirs, error: expect.objectContaining({ code: ErrorCode.STALE_MEMBER_EPOCH }) }])
    const committed = world.coordinator.fetchOffsets({ groupId: 'g', topics: [{ topic: 't' }] }).topics[0]!.partitions
    expect(committed.find((p) => p.partition === theirs)!.offset).toBe(50)
    expect(committed.find((p) => p.partition === mine)!.offset).toBe(7)

    world.coordinator.leaveGroup({ groupId: 'g', memberId: a.memberId })
    world.coordinator.leaveGroup({ groupId: 'g', memberId: b.memberId })
    world.coordinator.commitOffsets({ groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: theirs, offset: 1 }] }] })
    expect(world.coordinator.fetchOffsets({ groupId: 'g', topics: [{ topic: 't', partitions: [theirs] }] }).topics[0]!.partitions[0]!.offset).toBe(1)
  })

  it('matches subscription regexes with RE2 and refuses what RE2 rejects or what is too long (INVALID_REGULAR_EXPRESSION)', () => {
    const world = new World()
    world.topics.set(`${'a'.repeat(40)}b`, { partitions: 1, topicId: 'id-1' })
    world.topics.set('orders', { partitions: 1, topicId: 'id-2' })
    // Catastrophic for a backtracking engine on the first topic's name; linear for RE2.
    const a = new Consumer(world, [], { subscribedTopicRegex: '(a+)+$|(?P<o>orders)' })
    settle([a])
    expect(a.owned).toEqual([{ topic: 'orders', partitions: [0] }])
    for (const pattern of ['(?=orders)', '(a', 'x'.repeat(1_025)]) {
      expect(codeOf(() => new Consumer(world, [], { subscribedTopicRegex: pattern }).beat())).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    }
    // A member that changes to a bad pattern keeps its subscription.
    expect(codeOf(() => world.coordinator.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch, subscribedTopicRegex: '\\1' })))
      .toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    settle([a])
    expect(a.owned).toEqual([{ topic: 'orders', partitions: [0] }])
    expect(world.coordinator.describeGroups({ groupIds: ['g'] }).groups[0]!.members[0]!.subscribedTopicRegex).toBe('(a+)+$|(?P<o>orders)')
  })
})

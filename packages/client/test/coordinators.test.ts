// The client following group coordinators (src/coordinators.ts and its users) against brokers in
// memory (fake-cluster.ts, extended here with groups): group ops go to the broker findCoordinator
// names, not the bootstrap one; NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and a coordinator that
// dies have the coordinator found again and the op retried there, the member keeping its id, epoch
// and partitions (no fence); a broker without findCoordinator gets group ops as before; admin
// listGroups asks every broker and merges, describeGroups asks each coordinator once.
import { ErrorCode, FaecieError, type HeartbeatRequest } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Admin } from '../src/admin.js'
import { Cluster } from '../src/cluster.js'
import { resolveConfig } from '../src/config.js'
import { Coordinators } from '../src/coordinators.js'
import { GroupOffsets } from '../src/consumer/group-offsets.js'
import { Membership } from '../src/consumer/membership.js'
import type { TransportHandlers } from '../src/transport.js'
import { ManualClock } from '../../../test/support/manual-clock.js'
import { FakeCluster, urlOf } from './fake-cluster.js'

const RETRY = { retries: 8, initialRetryTimeMs: 1, maxRetryTimeMs: 20 }
const GROUP_OPS = new Set(['heartbeat', 'commitOffsets', 'fetchOffsets', 'describeGroups', 'deleteGroup', 'alterGroupOffsets'])
const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

type Frame = Record<string, unknown> & { id: number; op: string }

/** Brokers that coordinate groups: each group at one broker (the test moves it), else NOT_COORDINATOR. */
class GroupCluster extends FakeCluster {
  readonly coordinator = new Map<string, number>()
  /** Set: findCoordinator answers this error (e.g. UNSUPPORTED_VERSION, as a broker of before). */
  findError: FaecieError | undefined
  /** Set: every broker serves every group (a broker of before, forwarding where groups live). */
  anyServes = false
  private readonly committed = new Map<string, number>()
  private readonly epochs = new Map<string, number>()

  /** Set: describeCluster lists these brokers (a killed one stays registered until its lease expires). */
  registered: number[] | undefined

  override answer(brokerId: number, frame: Frame, handlers: TransportHandlers): Record<string, unknown> | undefined {
    if (frame.op === 'describeCluster' && this.registered !== undefined) {
      return { mode: 'cluster', clusterId: 'fake', controllerId: 1, etcd: [], brokers: this.registered.map((id) => ({ brokerId: id, url: `ws://b${id}:1`, rack: null })) }
    }
    if (frame.op === 'findCoordinator') {
      if (this.findError !== undefined) return { error: this.findError.toWire() }
      const id = this.coordinator.get(frame.key as string)
      if (id === undefined) return { error: new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'no leader yet').toWire() }
      return { key: frame.key, brokerId: id, url: `ws://b${id}:1`, partition: 0 }
    }
    if (frame.op === 'listGroups') {
      return { groups: [...this.coordinator].filter(([, id]) => this.anyServes || id === brokerId).map(([groupId]) => ({ groupId, state: 'Stable', groupEpoch: 1, members: 1 })) }
    }
    if (!GROUP_OPS.has(frame.op)) return super.answer(brokerId, frame, handlers)
    if (frame.op === 'describeGroups') {
      return { groups: (frame.groupIds as string[]).map((groupId) => this.coordinator.get(groupId) === brokerId || this.anyServes
        ? { groupId, state: 'Stable', groupEpoch: 1, assignmentEpoch: 1, assignor: 'uniform', members: [] }
        : { groupId, state: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignor: '', members: [], error: new FaecieError(ErrorCode.NOT_COORDINATOR, `not ${groupId}'s coordinator`).toWire() }) }
    }
    const groupId = frame.groupId as string
    if (!this.anyServes && this.coordinator.get(groupId) !== brokerId) {
      return { error: new FaecieError(ErrorCode.NOT_COORDINATOR, `broker ${brokerId} does not coordinate ${groupId}`).toWire() }
    }
    switch (frame.op) {
      case 'heartbeat': {
        const hb = frame as unknown as HeartbeatRequest
        const epoch = hb.memberEpoch === 0 ? (this.epochs.get(groupId) ?? 0) + 1 : hb.memberEpoch
        this.epochs.set(groupId, epoch)
        return { memberId: 'm1', memberEpoch: epoch, heartbeatIntervalMs: 1_000, ...(hb.memberEpoch === 0 ? { assignment: [{ topic: 't', partitions: [0] }] } : {}) }
      }
      case 'commitOffsets': {
        const topics = frame.topics as Array<{ topic: string; partitions: Array<{ partition: number; offset: number }> }>
        for (const t of topics) for (const p of t.partitions) this.committed.set(`${groupId}/${t.topic}/${p.partition}`, p.offset)
        return { topics: topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition })) })) }
      }
      case 'fetchOffsets':
        return { topics: (frame.topics as Array<{ topic: string }>).map(({ topic }) => ({ topic, partitions: [0].map((partition) => ({ partition, offset: this.committed.get(`${groupId}/${topic}/${partition}`) ?? -1 })) })) }
      default:
        return {}
    }
  }

  /** Which brokers got `op`, in order. */
  where(op: string): number[] {
    return this.frames.filter((f) => f.op === op).map((f) => f.brokerId)
  }
}

function clusterOf(fake: FakeCluster, brokers: number[]): Cluster {
  const cluster = new Cluster(resolveConfig({ brokers: brokers.map(urlOf), transport: fake.transport, retry: RETRY }))
  closers.push(() => cluster.disconnect())
  return cluster
}

function member(coordinators: Coordinators, clock: ManualClock, events: string[]): Membership {
  return new Membership({
    memberFields: () => ({ groupId: 'g', subscribedTopicNames: ['t'] }),
    heartbeat: (fields) => coordinators.send('g', 'heartbeat', fields),
    assigned: async (partitions) => void events.push(`assigned ${partitions.map((p) => p.partition).join(',')}`),
    revoked: async (partitions, lost) => void events.push(`${lost ? 'lost' : 'revoked'} ${partitions.map((p) => p.partition).join(',')}`),
    fatal: (err) => void events.push(`fatal ${String(err)}`),
  }, { clock, retry: { ...RETRY, multiplier: 2, jitter: 0 } })
}

describe('group ops follow the coordinator', () => {
  it('sends group ops to the coordinator, not the bootstrap broker', async () => {
    const fake = new GroupCluster([1, 2, 3])
    fake.coordinator.set('g', 2)
    const coordinators = new Coordinators(clusterOf(fake, [1]))
    const offsets = new GroupOffsets(coordinators, 'g', () => undefined)
    await offsets.commit([{ topic: 't', partition: 0, offset: 7 }])
    expect(await offsets.fetchCommitted([{ topic: 't', partition: 0 }])).toEqual(new Map([['t\u00000', 7]].map(([k, v]) => [k as string, v as number])))
    expect(fake.where('findCoordinator')).toEqual([1])
    expect(fake.where('commitOffsets')).toEqual([2])
    expect(fake.where('fetchOffsets')).toEqual([2])
  })

  it('finds the coordinator again after NOT_COORDINATOR and retries there; the member is not fenced', async () => {
    const fake = new GroupCluster([1, 2, 3])
    fake.coordinator.set('g', 2)
    const clock = new ManualClock()
    const coordinators = new Coordinators(clusterOf(fake, [1]), { clock })
    const events: string[] = []
    const membership = member(coordinators, clock, events)
    membership.join()
    await clock.advance(100)
    expect(events).toEqual(['assigned 0'])
    const epoch = membership.memberEpoch
    fake.coordinator.set('g', 3) // the group moved: broker 2 answers NOT_COORDINATOR from now on
    await clock.advance(1_000)
    await clock.advance(100) // the backoff (well under the heartbeat interval), then the retry at broker 3
    expect(fake.where('heartbeat').slice(-2)).toEqual([2, 3])
    expect(fake.where('findCoordinator')).toEqual([1, 1])
    expect(events).toEqual(['assigned 0'])
    expect(membership.memberEpoch).toBe(epoch)
    expect(membership.ownedPartitions()).toEqual([{ topic: 't', partition: 0 }])
    await membership.leave()
    expect(fake.where('heartbeat').at(-1)).toBe(3)
  })

  it('a coordinator that dies: found again (backing off while none is named), commits carry on at the new one', async () => {
    const fake = new GroupCluster([1, 2, 3])
    fake.coordinator.set('g', 2)
    const coordinators = new Coordinators(clusterOf(fake, [1]))
    const offsets = new GroupOffsets(coordinators, 'g', () => undefined)
    await offsets.commit([{ topic: 't', partition: 0, offset: 1 }])
    fake.kill(2)
    fake.coordinator.delete('g') // COORDINATOR_NOT_AVAILABLE for a while, then broker 3
    let asked = 0
    fake.intercept = (_, frame) => {
      if (frame.op === 'findCoordinator' && ++asked === 2) fake.coordinator.set('g', 3)
      return false
    }
    await offsets.commit([{ topic: 't', partition: 0, offset: 2 }])
    expect(fake.where('commitOffsets')).toEqual([2, 3])
    expect(await offsets.fetchCommitted([{ topic: 't', partition: 0 }])).toEqual(new Map([['t\u00000', 2]]))
  })

  it('against a broker without findCoordinator, group ops go to the any connection as before', async () => {
    const fake = new GroupCluster([1, 2])
    fake.coordinator.set('g', 2)
    fake.anyServes = true
    fake.findError = new FaecieError(ErrorCode.UNSUPPORTED_VERSION, 'findCoordinator g: not built yet')
    const coordinators = new Coordinators(clusterOf(fake, [1]))
    const offsets = new GroupOffsets(coordinators, 'g', () => undefined)
    await offsets.commit([{ topic: 't', partition: 0, offset: 4 }])
    await offsets.commit([{ topic: 't', partition: 0, offset: 5 }])
    expect(fake.where('commitOffsets')).toEqual([1, 1])
    expect(fake.where('findCoordinator')).toEqual([1]) // remembered for metadataMaxAgeMs
  })
})

describe('admin groups in a cluster', () => {
  it('listGroups asks every broker and merges; describeGroups asks each coordinator once', async () => {
    const fake = new GroupCluster([1, 2, 3])
    for (const [g, id] of [['a', 1], ['b', 2], ['c', 2], ['d', 3]] as const) fake.coordinator.set(g, id)
    const admin = new Admin(resolveConfig({ brokers: [urlOf(1)], transport: fake.transport, retry: RETRY }))
    closers.push(() => admin.disconnect())
    const { groups } = await admin.listGroups()
    expect(groups.map((g) => g.groupId)).toEqual(['a', 'b', 'c', 'd'])
    expect(fake.where('listGroups').sort()).toEqual([1, 2, 3])

    const described = await admin.describeGroups(['d', 'b', 'c', 'a'])
    expect(described.groups.map((g) => [g.groupId, g.state])).toEqual([['d', 'Stable'], ['b', 'Stable'], ['c', 'Stable'], ['a', 'Stable']])
    expect(fake.where('describeGroups').sort()).toEqual([1, 2, 3])

    fake.coordinator.set('c', 1) // moved: broker 2 says NOT_COORDINATOR for c only; c is asked again at 1
    const again = await admin.describeGroups(['b', 'c'])
    expect(again.groups.map((g) => [g.groupId, g.state])).toEqual([['b', 'Stable'], ['c', 'Stable']])
    expect(fake.where('describeGroups').slice(3)).toEqual([2, 1])
  })

  it('listGroups returns the groups of the brokers that answered and names the unreachable ones', async () => {
    const fake = new GroupCluster([1, 2, 3])
    for (const [g, id] of [['a', 1], ['b', 2], ['d', 3]] as const) fake.coordinator.set(g, id)
    const admin = new Admin(resolveConfig({ brokers: [urlOf(1)], transport: fake.transport, retry: RETRY }))
    closers.push(() => admin.disconnect())
    expect((await admin.listGroups()).unreachable).toBeUndefined()
    // Killed, but registered until its lease expires: describeCluster still lists broker 2.
    fake.registered = [1, 2, 3]
    fake.kill(2)
    const listed = await admin.listGroups()
    expect(listed.groups.map((g) => g.groupId)).toEqual(['a', 'd'])
    expect(listed.unreachable?.map((u) => [u.brokerId, u.url, u.error.errorName])).toEqual([[2, 'ws://b2:1', 'NETWORK_EXCEPTION']])
  })

  it('describeGroups against a dead coordinator finds it again and retries until the group moves (6 s, on the client\'s clock)', async () => {
    const fake = new GroupCluster([1, 2, 3])
    fake.coordinator.set('g', 2)
    const clock = new ManualClock()
    const admin = new Admin(resolveConfig({ brokers: [urlOf(1)], transport: fake.transport }), { clock })
    closers.push(() => admin.disconnect())
    const first = await admin.describeGroups(['g'])
    expect(first.groups[0]).toMatchObject({ groupId: 'g', state: 'Stable', coordinator: { brokerId: 2, url: 'ws://b2:1' } })
    fake.kill(2)
    // findCoordinator names the dead broker until its session times out, then broker 3.
    const sessionTimeoutMs = 6_000
    fake.intercept = (_, frame) => {
      if (frame.op === 'findCoordinator' && clock.now() >= sessionTimeoutMs) fake.coordinator.set('g', 3)
      return false
    }
    let result: Awaited<ReturnType<Admin['describeGroups']>> | undefined
    let failed: unknown
    void admin.describeGroups(['g']).then((r) => (result = r), (err: unknown) => (failed = err))
    for (let steps = 0; result === undefined && failed === undefined && steps < 1_000; steps++) await clock.advance(50)
    expect(failed).toBeUndefined()
    expect(result!.groups[0]).toMatchObject({ groupId: 'g', state: 'Stable', coordinator: { brokerId: 3 } })
    expect(clock.now()).toBeGreaterThanOrEqual(sessionTimeoutMs)
    expect(fake.where('findCoordinator').length).toBeGreaterThan(2)
  })
})

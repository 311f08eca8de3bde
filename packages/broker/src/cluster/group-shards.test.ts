// GroupShards with fake shards and a fake cluster view: which shards run (leadership, epochs,
// failures), where each group op goes (local shard, NOT_COORDINATOR naming the coordinator,
// COORDINATOR_LOAD_IN_PROGRESS at the named leader before its shard is up, forwarded for HTTP),
// findCoordinator, and the offsets topic asked for once while missing. The shards' own logic
// (groups/group-shard.ts) is tested there; the whole over real brokers in test/cluster/group-coordinator.test.ts.
import { EventEmitter } from 'node:events'
import { ErrorCode, FaecieError, groupPartition, type OpRequest } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { ManualClock, flushPromises } from '../../../../test/support/manual-clock.js'
import type { GroupOp } from '../coordinator/messages.js'
import { silentLogger } from '../log.js'
import type { KafkaGroupOp, KafkaGroupRequest } from '../groups/kafka-group-ops.js'
import { GroupShards, type ShardLike } from './group-shards.js'
import { offsetsTopicSpec } from './offsets-topic.js'

const N = 4

class FakeShard extends EventEmitter implements ShardLike {
  state: ShardLike['state'] = 'loading'
  readonly ran: string[] = []
  ticks = 0
  topicChanges: string[] = []
  appendsInFlight = 0
  #settled: (() => void)[] = []
  #loading: { resolve: () => void; reject: (err: Error) => void } | undefined
  constructor(readonly partition: number, readonly leaderEpoch: number, readonly autoLoad = true) { super() }
  get groupCount(): number { return this.partition + 1 }
  load(): Promise<void> {
    if (this.autoLoad) { this.state = 'active'; return Promise.resolve() }
    return new Promise((resolve, reject) => { this.#loading = { resolve, reject } })
  }
  finishLoad(): void { this.state = 'active'; this.#loading?.resolve() }
  appendsSettled(): Promise<void> {
    return this.appendsInFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.#settled.push(resolve))
  }
  settleAppends(): void { this.appendsInFlight = 0; for (const resolve of this.#settled.splice(0)) resolve() }
  async run<Op extends GroupOp>(op: Op, request: OpRequest<Op>): Promise<never> {
    this.ran.push(op)
    if (op === 'listGroups') return { groups: [{ groupId: `g-of-${this.partition}`, state: 'Empty', groupEpoch: 1, members: 0 }] } as never
    if (op === 'describeGroups') {
      return { groups: (request as OpRequest<'describeGroups'>).groupIds.map((groupId) => ({ groupId, state: 'Empty', groupEpoch: 1, assignmentEpoch: 1, assignor: 'range', members: [] })) } as never
    }
    return { served: this.partition } as never
  }
  async runKafka<Op extends KafkaGroupOp>(op: Op, _request: KafkaGroupRequest<Op>): Promise<never> {
    this.ran.push(op)
    return { served: this.partition } as never
  }
  tick(): void { this.ticks++ }
  onTopicChanged(topic: string): void { this.topicChanges.push(topic) }
  close(): void { this.state = 'closed' }
  fail(): void { this.state = 'failed'; this.emit('failed', new Error('append failed')); this.#loading?.reject(new Error('load failed')) }
}

/** A group id of each partition. */
function groupOf(partition: number): string {
  for (let i = 0; ; i++) if (groupPartition(`g${i}`, N) === partition) return `g${i}`
}

function setup(self = 1, extra: { ensureOffsetsTopic?: () => Promise<unknown>; autoLoad?: boolean } = {}) {
  const clock = new ManualClock()
  const led = new Map<number, number>() // partition -> epoch led here now
  const leaders = new Map<number, number>() // partition -> leader in etcd
  let partitions: number | undefined = N
  const made: FakeShard[] = []
  const forwarded: { brokerId: number; op: string; fields: Record<string, unknown> }[] = []
  let ensures = 0
  let ensured: () => void = () => {}
  const shards = new GroupShards({
    brokerId: self, clock, logger: silentLogger(), tickMs: 100,
    offsetsPartitions: () => partitions,
    leaderEpochNow: (p) => led.get(p),
    leaderOf: (p) => { const id = leaders.get(p) ?? -1; return { brokerId: id, url: id < 0 ? undefined : `ws://b${id}` } },
    liveBrokers: () => [1, 2, 3],
    links: { request: async (brokerId, op, fields) => { forwarded.push({ brokerId, op, fields }); return { groups: [{ groupId: `from-${brokerId}` }] } as never } },
    ensureOffsetsTopic: extra.ensureOffsetsTopic ?? (() => { ensures++; return new Promise<void>((resolve) => { ensured = resolve }) }),
    makeShard: (p, epoch) => { const s = new FakeShard(p, epoch, extra.autoLoad); made.push(s); return s },
  })
  const lead = (p: number, epoch: number): void => { led.set(p, epoch); leaders.set(p, self) }
  return { clock, led, leaders, made, forwarded, shards, lead, ensures: () => ensures, ensured: () => ensured(), setPartitions: (n: number | undefined) => { partitions = n } }
}

const code = async (work: Promise<unknown>): Promise<number> => work.then(() => -1, (err: unknown) => (err as FaecieError).code)

describe('GroupShards', () => {
  it('runs a shard for each partition led here now, and closes it when the leadership goes or its epoch changes', async () => {
    const t = setup()
    t.lead(0, 5)
    t.lead(2, 1)
    t.shards.start()
    await flushPromises()
    expect(t.made.map((s) => [s.partition, s.leaderEpoch])).toEqual([[0, 5], [2, 1]])
    expect(t.shards.activePartitions()).toEqual([0, 2])
    expect(t.shards.groupCount).toBe(1 + 3)
    t.led.delete(2)
    t.led.set(0, 6)
    t.shards.sync()
    expect(t.made[0]!.state).toBe('closed')
    expect(t.made[1]!.state).toBe('closed')
    expect(t.made.slice(2).map((s) => [s.partition, s.leaderEpoch])).toEqual([[0, 6]])
    t.shards.stop()
    expect(t.made[2]!.state).toBe('closed')
  })

  it('drops a failed shard and, after the backoff, loads a new one while it still leads; ticks active shards on the clock', async () => {
    const t = setup()
    t.lead(1, 3)
    t.shards.start()
    await flushPromises()
    t.made[0]!.fail()
    await t.clock.advance(100)
    expect(t.made).toHaveLength(1) // dropped at once, not made again before the backoff
    await t.clock.advance(1_000)
    await flushPromises()
    expect(t.made).toHaveLength(2)
    expect(t.made[1]!.state).toBe('active')
    const ticks = t.made[1]!.ticks
    await t.clock.advance(100)
    expect(t.made[1]!.ticks).toBe(ticks + 1)
    expect(t.made[0]!.ticks).toBe(0)
    t.shards.onTopicChanged('orders', false)
    expect(t.made[1]!.topicChanges).toEqual(['orders'])
    t.shards.stop()
  })

  it('serves a group at its local shard; elsewhere NOT_COORDINATOR naming the coordinator; at the named leader before its shard, LOAD_IN_PROGRESS', async () => {
    const t = setup()
    t.lead(0, 1)
    t.leaders.set(1, 2)
    t.leaders.set(2, 1) // etcd names this broker, the reconciler has not applied it yet
    t.shards.start()
    await flushPromises()
    expect(await t.shards.route('fetchOffsets', { groupId: groupOf(0) })).toEqual({ served: 0 })
    const refused = await t.shards.route('fetchOffsets', { groupId: groupOf(1) }).catch((err: unknown) => err as FaecieError)
    expect((refused as FaecieError).code).toBe(ErrorCode.NOT_COORDINATOR)
    expect((refused as FaecieError).message).toContain('broker 2 does')
    expect(await code(t.shards.route('heartbeat', { groupId: groupOf(2), memberId: '', memberEpoch: 0 } as OpRequest<'heartbeat'>))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    expect(await code(t.shards.route('fetchOffsets', { groupId: groupOf(3) }))).toBe(ErrorCode.NOT_COORDINATOR)
    expect(t.forwarded).toEqual([])
    t.shards.stop()
  })

  it("Kafka's classic ops: the local shard only, never forwarded (a Kafka client finds its coordinator itself)", async () => {
    const t = setup()
    t.lead(0, 1)
    t.leaders.set(1, 2)
    t.leaders.set(2, 1) // named here, not applied yet
    t.shards.start()
    await flushPromises()
    const heartbeat = (groupId: string) => t.shards.routeKafka('classicHeartbeat', { groupId, generationId: 1, memberId: 'm' })
    expect(await heartbeat(groupOf(0))).toEqual({ served: 0 })
    expect(t.made[0]!.ran).toEqual(['classicHeartbeat'])
    const refused = await heartbeat(groupOf(1)).catch((err: unknown) => err as FaecieError)
    expect((refused as FaecieError).code).toBe(ErrorCode.NOT_COORDINATOR)
    expect((refused as FaecieError).message).toContain('broker 2 does')
    expect(await code(heartbeat(groupOf(2)))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    expect(await code(heartbeat(groupOf(3)))).toBe(ErrorCode.NOT_COORDINATOR)
    expect(t.forwarded).toEqual([])
    t.shards.stop()
  })

  it('forwards an HTTP request to the coordinator, fans listGroups out to every broker, splits describeGroups', async () => {
    const t = setup()
    t.lead(0, 1)
    t.leaders.set(1, 3)
    t.shards.start()
    await flushPromises()
    await t.shards.route('commitOffsets', { groupId: groupOf(1), topics: [] }, { forwardGroupOps: true })
    expect(t.forwarded).toEqual([{ brokerId: 3, op: 'commitOffsets', fields: { groupId: groupOf(1), topics: [] } }])
    const listed = await t.shards.route('listGroups', {}, { forwardGroupOps: true })
    expect(listed.groups.map((g) => g.groupId)).toEqual(['from-2', 'from-3', 'g-of-0'])
    expect((await t.shards.route('listGroups', {})).groups.map((g) => g.groupId)).toEqual(['g-of-0'])
    const described = await t.shards.route('describeGroups', { groupIds: [groupOf(3), groupOf(0)] })
    expect(described.groups.map((g) => [g.groupId, g.error?.code])).toEqual([[groupOf(3), ErrorCode.NOT_COORDINATOR], [groupOf(0), undefined]])
    t.shards.stop()
  })

  it('findCoordinator: the leader of the group partition; none: COORDINATOR_NOT_AVAILABLE; no topic: asks for it once at a time', async () => {
    const t = setup()
    t.leaders.set(groupPartition('orders-app', N), 2)
    expect(await t.shards.findCoordinator({ key: 'orders-app' })).toEqual({ key: 'orders-app', brokerId: 2, url: 'ws://b2', partition: groupPartition('orders-app', N) })
    t.leaders.clear()
    expect(await code(t.shards.findCoordinator({ key: 'orders-app' }))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    t.setPartitions(undefined)
    expect(await code(t.shards.findCoordinator({ key: 'a' }))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect(await code(t.shards.findCoordinator({ key: 'b' }))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect(t.ensures()).toBe(1)
    t.ensured()
    await flushPromises()
    expect(await code(t.shards.route('fetchOffsets', { groupId: 'c' }))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect(t.ensures()).toBe(2)
  })

  it('asks for no offsets topic smaller than configured: with fewer live brokers, COORDINATOR_NOT_AVAILABLE naming the flag', async () => {
    let live = 1
    const asked: number[] = []
    const t = setup(1, { ensureOffsetsTopic: () => {
      const spec = offsetsTopicSpec({ partitions: N, replicationFactor: 3 }, live)
      asked.push(spec.replicationFactor)
      return Promise.resolve()
    } })
    t.setPartitions(undefined)
    const refused = await t.shards.findCoordinator({ key: 'a' }).catch((err: unknown) => err as FaecieError)
    expect((refused as FaecieError).code).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect((refused as FaecieError).message).toContain('--offsets-topic-replication-factor 3')
    expect(await code(t.shards.route('commitOffsets', { groupId: 'a', topics: [] }))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect(asked).toEqual([])
    live = 3
    expect(await code(t.shards.findCoordinator({ key: 'a' }))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE) // being made
    expect(asked).toEqual([3])
  })

  it('forwards topic changes to loading shards too (they apply them once loaded)', async () => {
    const t = setup(1, { autoLoad: false })
    t.lead(0, 1)
    t.shards.start()
    await flushPromises()
    expect(t.made[0]!.state).toBe('loading')
    t.shards.onTopicChanged('orders', true)
    expect(t.made[0]!.topicChanges).toEqual(['orders'])
    t.shards.stop()
  })

  it('backs off reloading a partition whose shards keep failing: doubling up to the cap, reset by a successful load', async () => {
    const t = setup(1, { autoLoad: false })
    t.lead(0, 1)
    t.shards.start()
    await flushPromises()
    const gaps: number[] = []
    let failedAt = 0
    for (let i = 0; i < 7; i++) {
      t.made.at(-1)!.fail()
      await flushPromises()
      failedAt = t.clock.now()
      const before = t.made.length
      while (t.made.length === before) await t.clock.advance(100)
      gaps.push(t.clock.now() - failedAt)
    }
    // The tick is 100 ms: the failure is seen on the next tick, the new shard made on the first tick past the backoff.
    const expected = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]
    expect(gaps.map((g, i) => g >= expected[i]! && g <= expected[i]! + 200)).toEqual(expected.map(() => true))
    t.made.at(-1)!.finishLoad()
    await flushPromises()
    t.made.at(-1)!.fail()
    await flushPromises()
    failedAt = t.clock.now()
    const before = t.made.length
    while (t.made.length === before) await t.clock.advance(100)
    expect(t.clock.now() - failedAt).toBeLessThanOrEqual(1_200)
    t.shards.stop()
  })

  it('makes no new shard for a partition while the dropped one still has appends in flight', async () => {
    const t = setup()
    t.lead(0, 1)
    t.shards.start()
    await flushPromises()
    const first = t.made[0]!
    first.appendsInFlight = 2
    first.fail()
    await t.clock.advance(5_000)
    expect(t.made).toHaveLength(1)
    expect(await code(t.shards.route('fetchOffsets', { groupId: groupOf(0) }))).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    first.settleAppends()
    await flushPromises()
    expect(t.made).toHaveLength(2) // made at once, not on the next tick
    expect(t.made[1]!.state).toBe('active')
    t.shards.stop()
  })
})

// The controller against a real etcd: topic admin with the single broker's checks (and the
// cluster's: replication factor, min.insync.replicas), placement over the live brokers, and the
// partition states it keeps: a broker gone leaves every ISR and its leaderships move to live ISR
// members; a partition whose whole ISR is gone goes offline (leader -1, last ISR kept) and comes
// back only with a member of that ISR; the preferred leader gets the lead back at the next check
// on the controller's (manual) clock; a deposed controller can write nothing.
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { etcdLeaseGranter, systemMonotonicClock } from '../../packages/broker/src/cluster/broker-session.js'
import { ClusterMember } from '../../packages/broker/src/cluster/cluster-member.js'
import { ClusterStateWatch } from '../../packages/broker/src/cluster/cluster-state.js'
import { Controller } from '../../packages/broker/src/cluster/controller.js'
import { ClusterKeys } from '../../packages/broker/src/cluster/keys.js'
import { connectEtcd, EtcdMetadataStore, type ControllerFence, type PartitionState } from '../../packages/broker/src/cluster/metadata-store.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { ManualClock } from '../support/manual-clock.js'
import { waitFor } from '../support/wait-for.js'

const logger = silentLogger()
const limits = { batchBytesMax: 1_000_000, partitionsPerTopicMax: 64, partitionsMax: 70 }
const PREFERRED_CHECK_MS = 10_000
let etcd: EtcdProcess
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Cluster {
  store: EtcdMetadataStore
  watch: ClusterStateWatch
  members: Map<number, ClusterMember>
  join(brokerId: number, rack?: string | null): Promise<ClusterMember>
  leave(brokerId: number): Promise<void>
  controller(fence?: () => ControllerFence | undefined): Controller
  clock: ManualClock
}

async function cluster(brokerIds: number[]): Promise<Cluster> {
  const keys = new ClusterKeys(`ctl-${randomUUID().slice(0, 8)}`)
  const store = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), keys)
  cleanups.push(() => store.client.close())
  const members = new Map<number, ClusterMember>()
  const clock = new ManualClock()
  const join = async (brokerId: number, rack: string | null = null): Promise<ClusterMember> => {
    const s = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), keys)
    const m = new ClusterMember({ store: s, brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack, sessionTimeoutMs: 6000,
      granter: etcdLeaseGranter(s.client), clock: systemMonotonicClock, logger })
    cleanups.push(async () => { await m.close(); s.client.close() })
    await m.start()
    members.set(brokerId, m)
    return m
  }
  for (const id of brokerIds) await join(id)
  const watch = await ClusterStateWatch.start(store.client, keys, logger)
  cleanups.push(() => watch.close())
  const c: Cluster = {
    store, watch, members, join, clock,
    leave: async (brokerId) => {
      await members.get(brokerId)!.close()
      members.delete(brokerId)
      await waitFor(`broker ${brokerId} gone from the watch`, () => !watch.state.brokers.has(brokerId))
    },
    controller: (fence = () => members.get(brokerIds[0]!)?.controllerFence) => {
      const controller = new Controller({ store, keys, watch, fence, clock, logger, limits, preferredLeaderCheckMs: PREFERRED_CHECK_MS })
      cleanups.push(() => controller.stop())
      return controller
    },
  }
  await waitFor('every broker in the watch', () => brokerIds.every((id) => watch.state.brokers.has(id)))
  return c
}

async function code(work: Promise<unknown>): Promise<number | undefined> {
  try {
    await work
  } catch (err) {
    if (err instanceof FaecieError) return err.code
    throw err
  }
  return undefined
}

function partition(c: Cluster, topic: string, p: number): PartitionState | undefined {
  return c.watch.state.partitions.get(topic)?.get(p)?.value
}

describe('controller: topic admin', () => {
  it('creates topics placed over the live brokers, checks what the single broker checks, and more', async () => {
    const c = await cluster([1, 2, 3])
    const controller = c.controller()
    const meta = await controller.createTopic('orders', 6, undefined, { 'retention.ms': '1000' })
    expect(meta).toMatchObject({ topic: 'orders', partitions: 6, config: { 'retention.ms': '1000' }, internal: false })
    const assignment = (await c.store.getAssignment('orders'))!
    expect(assignment).toHaveLength(6)
    for (const replicas of assignment) expect([...replicas].sort()).toEqual([1, 2, 3]) // default rf: min(3, live brokers)
    expect(new Set(assignment.map((r) => r[0])).size).toBe(3) // preferred leaders spread
    for (let p = 0; p < 6; p++) {
      expect((await c.store.getPartition('orders', p))!.value).toEqual({ leader: assignment[p]![0], leaderEpoch: 0, partitionEpoch: 0,
        isr: assignment[p], replicas: assignment[p] })
    }
    const two = await controller.createTopic('pairs', 2, 2, { 'min.insync.replicas': '2' })
    expect((await c.store.getAssignment('pairs'))!.every((r) => r.length === 2)).toBe(true)
    expect(two.config).toEqual({ 'min.insync.replicas': '2' })

    await waitFor('orders in the watch', () => c.watch.state.topics.has('orders'))
    expect(await code(controller.createTopic('orders', 1, 1, {}))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    expect(await code(controller.createTopic('bad/name', 1, 1, {}))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(await code(controller.createTopic('__internal', 1, 1, {}))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(await code(controller.createTopic('zero', 0, 1, {}))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await code(controller.createTopic('huge', 65, 1, {}))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await code(controller.createTopic('bad-config', 1, 1, { 'retention.msx': '1' }))).toBe(ErrorCode.INVALID_CONFIG)
    expect(await code(controller.createTopic('four', 1, 4, {}))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR)
    expect(await code(controller.createTopic('isr', 1, 2, { 'min.insync.replicas': '3' }))).toBe(ErrorCode.INVALID_CONFIG)
    const validated = await controller.createTopic('dry', 3, 3, {}, { validateOnly: true })
    expect(validated.partitions).toBe(3)
    expect(await c.store.getTopic('dry')).toBeUndefined()
    await waitFor('pairs in the watch', () => c.watch.state.topics.has('pairs'))
    // 6 + 2 partitions so far: 63 more would pass partitionsMax (70), 62 would not.
    expect(await code(controller.createTopic('many', 63, 1, {}))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect((await controller.createTopic('many', 62, 1, {})).partitions).toBe(62)
    expect(await c.store.getTopic('four')).toBeUndefined()
  })

  it('changes configs, adds partitions, deletes topics; refuses all of it when not (or no longer) the controller', async () => {
    const c = await cluster([1, 2, 3])
    const controller = c.controller()
    await controller.createTopic('t', 2, 2, {})
    expect((await controller.alterTopicConfig('t', { 'retention.ms': '5', flush: 'always' })).config).toEqual({ 'retention.ms': '5', flush: 'always' })
    expect((await controller.alterTopicConfig('t', { flush: null })).config).toEqual({ 'retention.ms': '5' })
    expect(await code(controller.alterTopicConfig('t', { 'min.insync.replicas': '3' }))).toBe(ErrorCode.INVALID_CONFIG)
    expect(await code(controller.alterTopicConfig('t', { nope: '1' }))).toBe(ErrorCode.INVALID_CONFIG)
    expect((await c.store.getTopic('t'))!.value.config).toEqual({ 'retention.ms': '5' })

    expect((await controller.createPartitions('t', 5)).partitions).toBe(5)
    const assignment = (await c.store.getAssignment('t'))!
    expect(assignment).toHaveLength(5)
    for (let p = 0; p < 5; p++) expect((await c.store.getPartition('t', p))!.value.replicas).toEqual(assignment[p])
    expect(assignment.every((r) => r.length === 2 && new Set(r).size === 2)).toBe(true)
    expect((await controller.createPartitions('t', 5)).partitions).toBe(5)
    expect(await code(controller.createPartitions('t', 4))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await code(controller.createPartitions('none', 4))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)

    expect((await controller.deleteTopic('t')).topic).toBe('t')
    expect(await c.store.getTopic('t')).toBeUndefined()
    expect(await c.store.getAssignment('t')).toBeUndefined()
    expect(await c.store.getPartition('t', 0)).toBeUndefined()
    expect(await code(controller.deleteTopic('t'))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)

    expect(await code(c.controller(() => undefined).createTopic('x', 1, 1, {}))).toBe(ErrorCode.NOT_CONTROLLER)
    const stale = c.members.get(1)!.controllerFence!
    const deposed = c.controller(() => stale)
    await c.leave(1)
    await waitFor('another controller', () => c.watch.state.controller !== undefined && c.watch.state.controller.brokerId !== 1)
    expect(await code(deposed.createTopic('x', 1, 1, {}))).toBe(ErrorCode.NOT_CONTROLLER)
    expect(await c.store.getTopic('x')).toBeUndefined()
  })
})

describe('controller: partition leadership', () => {
  it('moves leaders off a lost broker, keeps an offline partition offline until its ISR returns, restores the preferred leader', async () => {
    const c = await cluster([1, 2, 3])
    const controller = c.controller()
    const fence = c.members.get(1)!.controllerFence!
    await c.store.createTopic(fence, { topic: 'f', config: {}, replicas: [[2, 3], [3, 2], [1, 2]] })
    await waitFor('f in the watch', () => partition(c, 'f', 2))
    controller.start()

    await c.leave(2)
    await waitFor('broker 2 out of every ISR', () => [0, 1, 2].every((p) => !partition(c, 'f', p)!.isr.includes(2)))
    expect(partition(c, 'f', 0)).toEqual({ leader: 3, leaderEpoch: 1, partitionEpoch: 1, isr: [3], replicas: [2, 3] })
    expect(partition(c, 'f', 1)).toEqual({ leader: 3, leaderEpoch: 0, partitionEpoch: 1, isr: [3], replicas: [3, 2] })
    expect(partition(c, 'f', 2)).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 1, isr: [1], replicas: [1, 2] })

    await c.leave(3)
    await waitFor('f-0 and f-1 offline', () => partition(c, 'f', 0)!.leader === -1 && partition(c, 'f', 1)!.leader === -1)
    expect(partition(c, 'f', 0)).toEqual({ leader: -1, leaderEpoch: 2, partitionEpoch: 2, isr: [3], replicas: [2, 3] })
    expect(controller.offlinePartitionCount()).toBe(2)

    // Broker 2 is a replica but not in the last ISR: no unclean election.
    await c.join(2)
    await waitFor('broker 2 in the watch', () => c.watch.state.brokers.has(2))
    await controller.settled()
    expect(partition(c, 'f', 0)).toMatchObject({ leader: -1, isr: [3] })
    expect(partition(c, 'f', 2)).toMatchObject({ leader: 1, isr: [1] })

    await c.join(3)
    await waitFor('f-0 and f-1 led by 3 again', () => partition(c, 'f', 0)!.leader === 3 && partition(c, 'f', 1)!.leader === 3)
    expect(partition(c, 'f', 0)).toEqual({ leader: 3, leaderEpoch: 3, partitionEpoch: 3, isr: [3], replicas: [2, 3] })
    expect(controller.offlinePartitionCount()).toBe(0)

    // Broker 3, leading f-0, takes broker 2 (its preferred leader) back into the ISR, as an IsrWriter would.
    const f0 = (await c.store.getPartition('f', 0))!
    await c.store.updatePartition('f', 0, f0, { ...f0.value, isr: [3, 2], partitionEpoch: f0.value.partitionEpoch + 1 })
    await waitFor('the expanded ISR in the watch', () => partition(c, 'f', 0)!.isr.length === 2)
    await controller.settled()
    expect(partition(c, 'f', 0)!.leader).toBe(3) // not before the preferred-leader check
    await c.clock.advance(PREFERRED_CHECK_MS)
    await waitFor('broker 2 leads f-0 again', () => partition(c, 'f', 0)!.leader === 2)
    expect(partition(c, 'f', 0)).toEqual({ leader: 2, leaderEpoch: 4, partitionEpoch: 5, isr: [3, 2], replicas: [2, 3] })
    expect(controller.writes['preferred-leader']).toBe(1)
    expect(partition(c, 'f', 1)).toMatchObject({ leader: 3 }) // already its preferred leader
  })

  it('does nothing once stopped (deposed)', async () => {
    const c = await cluster([1, 2])
    const controller = c.controller()
    await c.store.createTopic(c.members.get(1)!.controllerFence!, { topic: 'g', config: {}, replicas: [[2, 1]] })
    controller.start()
    await controller.stop()
    await c.leave(2)
    await controller.settled()
    expect((await c.store.getPartition('g', 0))!.value).toMatchObject({ leader: 2, isr: [2, 1], partitionEpoch: 0 })
  })

  it('finishes a topic creation its predecessor left half done (partition states missing)', async () => {
    const c = await cluster([1, 2])
    const keys = c.store.keys
    // As a controller that died after the first of several transactions would have left it.
    await c.store.client.put(keys.topic('half')).value(JSON.stringify({ topicId: 'id-half', partitions: 3, config: {} }))
    await c.store.client.put(keys.assignment('half')).value(JSON.stringify({ replicas: [[1, 2], [2, 1], [1, 2]] }))
    await c.store.client.put(keys.partition('half', 0)).value(JSON.stringify({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2], replicas: [1, 2] }))
    await waitFor('the half-made topic in the watch', () => c.watch.state.partitions.get('half')?.size === 1)
    c.controller().start()
    await waitFor('every partition state of it', () => c.watch.state.partitions.get('half')?.size === 3)
    expect((await c.store.getPartition('half', 1))!.value).toEqual({ leader: 2, leaderEpoch: 0, partitionEpoch: 0, isr: [2, 1], replicas: [2, 1] })
    expect((await c.store.getPartition('half', 0))!.value).toMatchObject({ leader: 1, isr: [1, 2] })
  })

  it('retries a pass whose write failed (etcd unreachable) after its backoff on the clock', async () => {
    const c = await cluster([1, 2])
    await c.store.createTopic(c.members.get(1)!.controllerFence!, { topic: 'r', config: {}, replicas: [[2, 1]] })
    let failures = 1
    const flaky = new Proxy(c.store, {
      get: (target, key, receiver) => key === 'updatePartition'
        ? (...args: Parameters<EtcdMetadataStore['updatePartition']>) => (failures-- > 0 ? Promise.reject(new Error('etcd unreachable (test)')) : target.updatePartition(...args))
        : Reflect.get(target, key, receiver),
    })
    const controller = new Controller({ store: flaky, keys: c.store.keys, watch: c.watch, fence: () => c.members.get(1)?.controllerFence, clock: c.clock,
      logger, limits, retryBackoffMs: 500 })
    cleanups.push(() => controller.stop())
    await waitFor('r in the watch', () => partition(c, 'r', 0))
    controller.start()
    await c.leave(2)
    await controller.settled()
    expect(failures).toBe(0) // the write was tried, and failed
    expect(partition(c, 'r', 0)).toMatchObject({ leader: 2, isr: [2, 1] })
    await c.clock.advance(500)
    await waitFor('broker 1 leads r-0', () => partition(c, 'r', 0)!.leader === 1)
    expect(partition(c, 'r', 0)).toEqual({ leader: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1], replicas: [2, 1] })
  })
})

// The cluster's state as etcd holds it, against a real etcd: a snapshot reads every key of the
// cluster at one revision (in pages, which give the same answer as one read), and a watch started
// from it applies every later change, so that it always converges to a fresh snapshot.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { etcdLeaseGranter, systemMonotonicClock } from '../../packages/broker/src/cluster/broker-session.js'
import { ClusterMember } from '../../packages/broker/src/cluster/cluster-member.js'
import { ClusterStateWatch, readClusterState, type ClusterState } from '../../packages/broker/src/cluster/cluster-state.js'
import { ClusterKeys } from '../../packages/broker/src/cluster/keys.js'
import { connectEtcd, EtcdMetadataStore } from '../../packages/broker/src/cluster/metadata-store.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { waitFor } from '../support/wait-for.js'

const logger = silentLogger()
let etcd: EtcdProcess
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function store(name: string): EtcdMetadataStore {
  const s = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), new ClusterKeys(name))
  cleanups.push(() => s.client.close())
  return s
}

async function joined(s: EtcdMetadataStore, brokerId: number): Promise<ClusterMember> {
  const m = new ClusterMember({ store: s, brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, sessionTimeoutMs: 6000,
    granter: etcdLeaseGranter(s.client), clock: systemMonotonicClock, logger })
  cleanups.push(() => m.close())
  await m.start()
  return m
}

/** The state without its revision, as plain data, to compare two reads of it. */
function contents(state: ClusterState): unknown {
  const { revision: _, ...rest } = state
  return JSON.parse(JSON.stringify(rest, (_key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value)))
}

describe('cluster state from etcd', () => {
  it('reads every key of the cluster at one revision, the same in pages as in one read', async () => {
    const s = store('snapshot')
    const clusterId = await s.getOrCreateClusterId()
    const controller = await joined(s, 1)
    await joined(store('snapshot'), 2)
    const fence = controller.controllerFence!
    await s.createTopic(fence, { topic: 'orders', config: { 'cleanup.policy': 'compact' }, replicas: [[1, 2], [2, 1], [1, 2]] })
    const p1 = (await s.getPartition('orders', 1))!
    await s.updatePartition('orders', 1, p1, { ...p1.value, isr: [2], partitionEpoch: 1 })
    await s.allocateProducerIdBlock(1)
    await store('snapshot-other').getOrCreateClusterId() // another cluster's keys stay out

    const state = await readClusterState(s.client, s.keys, logger)
    expect(state.clusterId).toBe(clusterId)
    expect([...state.brokers.keys()]).toEqual([1, 2])
    expect(state.controller).toEqual(fence)
    expect(state.topics.get('orders')!.value).toMatchObject({ partitions: 3, config: { 'cleanup.policy': 'compact' } })
    expect(state.assignments.get('orders')).toEqual([[1, 2], [2, 1], [1, 2]])
    expect([...state.partitions.get('orders')!.keys()].sort()).toEqual([0, 1, 2])
    expect(state.partitions.get('orders')!.get(1)).toEqual(await s.getPartition('orders', 1))
    const paged = await readClusterState(s.client, s.keys, logger, 2)
    expect(contents(paged)).toEqual(contents(state))
    expect(paged.revision).toBeGreaterThanOrEqual(state.revision)
  })

  it('a watch from the snapshot applies every later change: it converges to a fresh read', async () => {
    const s = store('watched')
    const first = await joined(s, 1)
    const watch = await ClusterStateWatch.start(s.client, s.keys, logger)
    cleanups.push(() => watch.close())
    const second = await joined(store('watched'), 2)
    await s.createTopic(first.controllerFence!, { topic: 'a', config: {}, replicas: [[1], [2]] })
    await s.createTopic(first.controllerFence!, { topic: 'b', config: {}, replicas: [[2, 1]] })
    const b0 = (await s.getPartition('b', 0))!
    await s.updatePartition('b', 0, b0, { ...b0.value, leader: 1, leaderEpoch: 1, partitionEpoch: 1 })
    await first.close() // its registration and the election key go; broker 2 is elected
    await waitFor('broker 2 to be elected', () => second.isController)
    const fresh = await readClusterState(s.client, s.keys, logger)
    expect([...fresh.brokers.keys()]).toEqual([2])
    expect(fresh.controller?.brokerId).toBe(2)
    await waitFor('the watched state to match a fresh read', () => JSON.stringify(contents(watch.state)) === JSON.stringify(contents(fresh)))
  })
})

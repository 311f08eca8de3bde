// The cluster's coordination against a real etcd (test/support/etcd-process.ts): broker
// registration under a lease, the controller election and its fencing (a controller whose lease is
// revoked loses the election and every write it tries), compare-and-swap conflicts, the cluster id
// (created once; a data dir of another cluster refused), and producer-id blocks unique across
// brokers racing for them. Each test has its own cluster name, so its keys never meet another's.
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { etcdLeaseGranter, systemMonotonicClock, type LeaseGranter } from '../../packages/broker/src/cluster/broker-session.js'
import { ClusterMember } from '../../packages/broker/src/cluster/cluster-member.js'
import { ClusterKeys, PRODUCER_ID_BLOCK_SIZE } from '../../packages/broker/src/cluster/keys.js'
import { BrokerIdTakenError, CasConflictError, connectEtcd, ControllerFencedError, EtcdMetadataStore, TopicExistsError } from '../../packages/broker/src/cluster/metadata-store.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import { ClusterIdMismatchError, loadOrCreateMeta } from '../../packages/broker/src/server/meta-file.js'
import { RealDisk } from '../../packages/broker/src/storage/real-disk.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { makeTempDir, removeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

let etcd: EtcdProcess
const clients: EtcdMetadataStore['client'][] = []
const members: ClusterMember[] = []
const dirs: string[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const member of members.splice(0)) await member.close()
  for (const client of clients.splice(0)) client.close()
  for (const dir of dirs.splice(0)) removeTempDir(dir)
})

function client(): EtcdMetadataStore['client'] {
  const c = connectEtcd([etcd.clientUrl])
  clients.push(c)
  return c
}

/** A store of a cluster of its own (a fresh name), on a client of its own. */
function store(clusterName = `c-${randomUUID().slice(0, 8)}`): EtcdMetadataStore {
  return new EtcdMetadataStore(client(), new ClusterKeys(clusterName))
}

function member(s: EtcdMetadataStore, brokerId: number, sessionTimeoutMs = 6000): ClusterMember {
  const m = new ClusterMember({ store: s, brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, sessionTimeoutMs,
    granter: etcdLeaseGranter(s.client), clock: systemMonotonicClock, logger: silentLogger() })
  members.push(m)
  return m
}

/** The same cluster, seen through another etcd client (another broker's). */
function sameCluster(s: EtcdMetadataStore): EtcdMetadataStore {
  return store(s.keys.clusterName)
}

describe('cluster coordination through etcd', () => {
  it('registers each broker under its lease; a second live registration of an id is refused; closing removes it', async () => {
    const s = store()
    const [one, two] = [member(s, 1), member(sameCluster(s), 2)]
    await one.start()
    await two.start()
    expect((await s.listBrokers()).map((b) => [b.brokerId, b.advertisedUrl])).toEqual([[1, 'ws://127.0.0.1:9001'], [2, 'ws://127.0.0.1:9002']])
    const lease = await s.client.lease(10, { autoKeepAlive: false }).grant()
    await expect(s.registerBroker({ brokerId: 2, advertisedUrl: 'ws://elsewhere:1', rack: null, registeredAt: '' }, lease))
      .rejects.toThrow(BrokerIdTakenError)
    await two.close()
    expect((await s.listBrokers()).map((b) => b.brokerId)).toEqual([1])
  })

  it('a broker restarted while its old registration lives waits for it to expire, then registers', async () => {
    const s = store()
    const stale = await s.client.lease(2, { autoKeepAlive: false }).grant() // a killed process's lease: nobody renews it
    await s.registerBroker({ brokerId: 1, advertisedUrl: 'ws://old:1', rack: null, registeredAt: '' }, stale)
    const restarted = member(sameCluster(s), 1)
    await restarted.start()
    expect((await s.listBrokers()).map((b) => b.advertisedUrl)).toEqual(['ws://127.0.0.1:9001'])
  })

  it('elects exactly one controller, which every broker sees', async () => {
    const s = store()
    const brokers = [member(s, 1), member(sameCluster(s), 2), member(sameCluster(s), 3)]
    await Promise.all(brokers.map((b) => b.start()))
    const controllers = brokers.filter((b) => b.isController)
    expect(controllers).toHaveLength(1)
    const fence = controllers[0]!.controllerFence!
    await waitFor('every broker to know the controller', () => brokers.every((b) => b.controller?.createRevision === fence.createRevision))
    expect(await s.getController()).toEqual(fence)
  })

  it('a controller whose lease is revoked loses the election and its writes fail; the new controller\'s go through', async () => {
    const s = store()
    const first = member(s, 1)
    await first.start()
    const second = member(sameCluster(s), 2)
    await second.start()
    const oldFence = first.controllerFence!
    expect(oldFence.brokerId).toBe(1)
    expect(second.isController).toBe(false)
    const deposed = new Promise((resolve) => first.once('deposed', resolve))
    const rejoined = new Promise((resolve) => first.once('rejoined', resolve))

    await s.client.leaseClient.leaseRevoke({ ID: first.session!.leaseId })

    await waitFor('broker 2 to be elected', () => second.isController)
    expect(await deposed).toEqual(oldFence)
    const newFence = second.controllerFence!
    expect(newFence.createRevision).toBeGreaterThan(oldFence.createRevision)
    const topic = { topic: 'events', config: {}, replicas: [[1, 2], [2, 1]] }
    await expect(s.createTopic(oldFence, topic)).rejects.toThrow(ControllerFencedError)
    expect(await s.getTopic('events')).toBeUndefined()
    await sameCluster(s).createTopic(newFence, topic)
    const partition = (await s.getPartition('events', 1))!
    await expect(s.updatePartition('events', 1, partition, { ...partition.value, partitionEpoch: 1, isr: [2] }, oldFence))
      .rejects.toThrow(ControllerFencedError)
    // The old controller's broker gets a new session, registers again, and stays a follower.
    await rejoined
    expect((await s.listBrokers()).map((b) => b.brokerId)).toEqual([1, 2])
    expect(first.isController).toBe(false)
    expect(first.fenced).toBe(false)
  })

  it('a controller cut off from etcd fences itself before its lease expires and another broker is elected', async () => {
    const s = store()
    let cutOff = false
    const real = etcdLeaseGranter(s.client)
    // Broker 1's keep-alives stop getting through once it is cut off, as if partitioned away.
    const cuttable: LeaseGranter = async (ttlSeconds) => {
      const lease = await real(ttlSeconds)
      return { id: lease.id, revoke: () => lease.revoke(),
        keepAliveOnce: (timeoutMs) => (cutOff ? Promise.reject(new Error('cut off')) : lease.keepAliveOnce(timeoutMs)) }
    }
    const first = new ClusterMember({ store: s, brokerId: 1, advertisedUrl: 'ws://127.0.0.1:9001', rack: null, sessionTimeoutMs: 2000,
      granter: cuttable, clock: systemMonotonicClock, logger: silentLogger() })
    members.push(first)
    await first.start()
    const second = member(sameCluster(s), 2)
    await second.start()
    const oldFence = first.controllerFence!
    expect(oldFence.brokerId).toBe(1)
    const order: string[] = []
    first.once('fenced', () => order.push('1 fenced'))
    second.once('elected', () => order.push('2 elected'))

    cutOff = true
    await waitFor('broker 2 to be elected', () => second.isController)
    expect(order).toEqual(['1 fenced', '2 elected'])
    expect(await s.listBrokers()).toMatchObject([{ brokerId: 2 }])
    await expect(s.createTopic(oldFence, { topic: 't', config: {}, replicas: [[1]] }))
      .rejects.toThrow(ControllerFencedError)
  })

  it('compare-and-swap: a write from a stale read fails, a topic is created once', async () => {
    const s = store()
    const controller = member(s, 1)
    await controller.start()
    const fence = controller.controllerFence!
    const topicId = await s.createTopic(fence, { topic: 'orders', config: { 'retention.ms': '1000' }, replicas: [[1]] })
    await expect(s.createTopic(fence, { topic: 'orders', config: {}, replicas: [[1]] })).rejects.toThrow(TopicExistsError)
    const topic = (await s.getTopic('orders'))!
    expect(topic.value).toEqual({ topicId, partitions: 1, config: { 'retention.ms': '1000' } })
    await s.updateTopicConfig(fence, 'orders', topic, { 'retention.ms': '2000' })
    await expect(s.updateTopicConfig(fence, 'orders', topic, { 'retention.ms': '3000' })).rejects.toThrow(CasConflictError)
    expect((await s.getTopic('orders'))!.value.config).toEqual({ 'retention.ms': '2000' })

    const read = (await s.getPartition('orders', 0))!
    expect(read.value).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1], replicas: [1] })
    const next = { ...read.value, leader: -1, leaderEpoch: 1, partitionEpoch: 1 }
    const written = await s.updatePartition('orders', 0, read, next)
    await expect(s.updatePartition('orders', 0, read, next)).rejects.toThrow(CasConflictError)
    expect(await s.getPartition('orders', 0)).toEqual(written)
  })

  it('creates every partition of a topic larger than one etcd transaction', async () => {
    const s = store()
    const controller = member(s, 1)
    await controller.start()
    const replicas = Array.from({ length: 300 }, (_, p) => [1 + (p % 3), 1 + ((p + 1) % 3)])
    await s.createTopic(controller.controllerFence!, { topic: 'wide', config: {}, replicas })
    expect(await s.getAssignment('wide')).toEqual(replicas)
    const states = await s.client.getAll().prefix(s.keys.partitionsPrefix('wide')).strings()
    expect(Object.keys(states)).toHaveLength(300)
    expect((await s.getPartition('wide', 299))!.value).toMatchObject({ leader: replicas[299]![0], isr: replicas[299] })
  })

  it('creates the cluster id once, writes it to a new data dir, and refuses a data dir of another cluster', async () => {
    const s = store()
    const ids = await Promise.all([s.getOrCreateClusterId(), sameCluster(s).getOrCreateClusterId(), sameCluster(s).getOrCreateClusterId()])
    expect(new Set(ids).size).toBe(1)
    const [ours, single] = [makeTempDir('cluster'), makeTempDir('single')]
    dirs.push(ours, single)
    expect(loadOrCreateMeta(new RealDisk(), ours, 1, Date.now(), ids[0]).clusterId).toBe(ids[0])
    loadOrCreateMeta(new RealDisk(), single, 1, Date.now()) // a single broker's
    expect(() => loadOrCreateMeta(new RealDisk(), single, 1, Date.now(), ids[0])).toThrow(ClusterIdMismatchError)
    expect(await store().getOrCreateClusterId()).not.toBe(ids[0]) // another cluster, another id
  })

  it('hands out producer-id blocks that never overlap, to brokers racing for them', async () => {
    const s = store()
    const [a, b] = [s, sameCluster(s)]
    const perBroker = 25
    const race = (st: EtcdMetadataStore, brokerId: number) => Promise.all(Array.from({ length: perBroker }, () => st.allocateProducerIdBlock(brokerId)))
    const blocks = (await Promise.all([race(a, 1), race(b, 2)])).flat()
    const firsts = blocks.map((block) => block.firstProducerId).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
    expect(blocks.every((block) => block.size === PRODUCER_ID_BLOCK_SIZE)).toBe(true)
    expect(firsts).toEqual(Array.from({ length: 2 * perBroker }, (_, i) => BigInt(i * PRODUCER_ID_BLOCK_SIZE)))
  })
})

describe('a broker session on an etcd that stops answering', () => {
  it('fences itself when no keep-alive gets through within the session timeout, and comes back when etcd does', async () => {
    const paused = await startEtcdProcess()
    try {
      const s = new EtcdMetadataStore(connectEtcd([paused.clientUrl]), new ClusterKeys('paused'))
      clients.push(s.client)
      const m = member(s, 1, 2000)
      const events: string[] = []
      for (const event of ['fenced', 'unfenced', 'rejoined']) m.on(event, () => events.push(event))
      await m.start()
      expect(m.fenced).toBe(false)
      paused.child.kill('SIGSTOP')
      try {
        await waitFor('the broker to fence itself', () => m.fenced)
        expect(events).toContain('fenced')
      } finally {
        paused.child.kill('SIGCONT')
      }
      // Live again: either its lease outlived the pause (unfenced) or etcd expired it (a new session).
      await waitFor('the broker to be unfenced or to rejoin', () => events.includes('unfenced') || events.includes('rejoined'), { timeoutMs: 30_000 })
      await waitFor('the broker to be live and registered again', async () =>
        !m.fenced && (await s.listBrokers()).some((b) => b.brokerId === 1), { timeoutMs: 30_000 })
    } finally {
      for (const m of members.splice(0)) await m.close()
      await paused.stop()
    }
  })
})

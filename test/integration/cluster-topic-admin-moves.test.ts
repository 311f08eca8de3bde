// The controller's topic administration (controller-admin.ts) while a partition reassignment runs,
// against a real etcd: the replication factor of new partitions and the min.insync.replicas check
// count a partition's target replicas, not the removing ones its assignment list still holds; and a
// move committing between createPartitions' read of the assignment and its write is not overwritten
// by the stale list (addPartitions compares the assignment's revision), so assignments/<topic> stays
// equal to every partition's replicas.
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { etcdLeaseGranter, systemMonotonicClock } from '../../packages/broker/src/cluster/broker-session.js'
import { ClusterMember } from '../../packages/broker/src/cluster/cluster-member.js'
import { ClusterStateWatch } from '../../packages/broker/src/cluster/cluster-state.js'
import { TopicAdmin } from '../../packages/broker/src/cluster/controller-admin.js'
import { decideAlter } from '../../packages/broker/src/cluster/controller-reassign.js'
import { ClusterKeys } from '../../packages/broker/src/cluster/keys.js'
import { connectEtcd, EtcdMetadataStore, type ControllerFence, type TopicRecord, type Versioned } from '../../packages/broker/src/cluster/metadata-store.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { waitFor } from '../support/wait-for.js'

const logger = silentLogger()
const BROKERS = [1, 2, 3, 4]
let etcd: EtcdProcess
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A store whose first addPartitions lets `before` run first (a move committing between the read and the write). */
class RacingStore extends EtcdMetadataStore {
  before: (() => Promise<void>) | undefined
  override async addPartitions(...args: Parameters<EtcdMetadataStore['addPartitions']>): Promise<Versioned<TopicRecord>> {
    const before = this.before
    this.before = undefined
    await before?.()
    return super.addPartitions(...args)
  }
}

async function setUp(): Promise<{ store: RacingStore; admin: TopicAdmin; fence: ControllerFence }> {
  const keys = new ClusterKeys(`adm-${randomUUID().slice(0, 8)}`)
  const store = new RacingStore(connectEtcd([etcd.clientUrl]), keys)
  cleanups.push(() => store.client.close())
  const members: ClusterMember[] = []
  for (const brokerId of BROKERS) {
    const s = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), keys)
    const m = new ClusterMember({ store: s, brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, sessionTimeoutMs: 6000,
      granter: etcdLeaseGranter(s.client), clock: systemMonotonicClock, logger })
    cleanups.push(async () => { await m.close(); s.client.close() })
    await m.start()
    members.push(m)
  }
  const watch = await ClusterStateWatch.start(store.client, keys, logger)
  cleanups.push(() => watch.close())
  await waitFor('every broker in the watch', () => BROKERS.every((id) => watch.state.brokers.has(id)))
  const fence = await waitFor('a controller', () => members.map((m) => m.controllerFence).find((f) => f !== undefined))
  const admin = new TopicAdmin({ store, state: () => watch.state, fence: () => fence, defaultReplicationFactor: 3,
    limits: { batchBytesMax: 1_000_000, partitionsPerTopicMax: 64, partitionsMax: 100 } })
  await admin.createTopic('t', 2, 2, {})
  await waitFor('the topic in the watch', () => watch.state.topics.has('t'))
  return { store, admin, fence }
}

/** Starts moving `partition` to `target` as the controller's reassignment write does. */
async function move(store: EtcdMetadataStore, fence: ControllerFence, partition: number, target: number[]): Promise<void> {
  const current = (await store.getPartition('t', partition))!
  const all = new Set(BROKERS)
  const decision = decideAlter(`t-${partition}`, current.value, target, all, all)
  if (decision.kind !== 'write') throw new Error(`no move: ${JSON.stringify(decision)}`)
  await store.updatePartitionReplicas(fence, 't', partition, current, decision.next, (await store.getAssignmentVersioned('t'))!)
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

describe('topic admin while a reassignment runs', () => {
  it('gives new partitions the target\'s replication factor and checks min.insync.replicas against it', async () => {
    const { store, admin, fence } = await setUp()
    for (const p of [0, 1]) {
      const replicas = (await store.getPartition('t', p))!.value.replicas
      await move(store, fence, p, BROKERS.filter((b) => !replicas.includes(b)))
    }
    // Every list holds two replicas being added and two being removed: the target is still 2.
    expect((await store.getAssignment('t'))!.map((r) => r.length)).toEqual([4, 4])
    expect(await code(admin.alterTopicConfig('t', { 'min.insync.replicas': '3' }))).toBe(ErrorCode.INVALID_CONFIG)
    expect(await code(admin.alterTopicConfig('t', { 'min.insync.replicas': '2' }))).toBeUndefined()
    await admin.createPartitions('t', 4)
    const assignment = (await store.getAssignment('t'))!
    expect(assignment.slice(2).map((r) => r.length)).toEqual([2, 2])
    for (const p of [2, 3]) expect((await store.getPartition('t', p))!.value.replicas).toHaveLength(2)
  })

  it('does not overwrite a move that commits between createPartitions\' read of the assignment and its write', async () => {
    const { store, admin, fence } = await setUp()
    const p1 = (await store.getPartition('t', 1))!.value.replicas
    store.before = () => move(store, fence, 1, BROKERS.filter((b) => !p1.includes(b)))
    await admin.createPartitions('t', 3)
    expect(store.before).toBeUndefined()
    const assignment = (await store.getAssignment('t'))!
    expect(assignment).toHaveLength(3)
    for (let p = 0; p < 3; p++) expect(assignment[p], `assignment of t-${p}`).toEqual((await store.getPartition('t', p))!.value.replicas)
    expect(assignment[1]).toHaveLength(4)
  })
})

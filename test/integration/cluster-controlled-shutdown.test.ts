// Controlled shutdown's etcd side against a real etcd: a broker marks itself shuttingDown in its own
// registration (compare-and-swap under its lease: the key still goes with the session), a broker
// started again with the same id registers without the flag, a registration of another session is
// not marked, and the ISR writer refuses to add a shutting-down broker to an ISR while still writing
// shrinks.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { etcdLeaseGranter, systemMonotonicClock } from '../../packages/broker/src/cluster/broker-session.js'
import { ClusterMember } from '../../packages/broker/src/cluster/cluster-member.js'
import { IsrWriter, type IsrChange, type IsrWriteOutcome } from '../../packages/broker/src/cluster/isr-writer.js'
import { ClusterKeys } from '../../packages/broker/src/cluster/keys.js'
import { connectEtcd, EtcdMetadataStore } from '../../packages/broker/src/cluster/metadata-store.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import type { IsrChangeListener } from '../../packages/broker/src/partition/partition-manager.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { ManualClock } from '../support/manual-clock.js'

const logger = silentLogger()
let etcd: EtcdProcess
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function store(clusterName = `cs-${randomUUID().slice(0, 8)}`): EtcdMetadataStore {
  const s = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), new ClusterKeys(clusterName))
  cleanups.push(() => s.client.close())
  return s
}

function member(s: EtcdMetadataStore, brokerId: number): ClusterMember {
  const m = new ClusterMember({ store: s, brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, sessionTimeoutMs: 6000,
    granter: etcdLeaseGranter(s.client), clock: systemMonotonicClock, logger })
  cleanups.push(() => m.close())
  return m
}

describe('controlled shutdown in etcd', () => {
  it('marks the broker\'s own registration under its lease; a restart with the same id registers without the flag', async () => {
    const s = store()
    const first = member(s, 1)
    const other = member(store(s.keys.clusterName), 2)
    await first.start()
    await other.start()
    expect(await first.markShuttingDown()).toBe(true)
    expect(await first.markShuttingDown()).toBe(true) // again: nothing to change
    expect((await s.listBrokers()).map((b) => [b.brokerId, b.shuttingDown === true])).toEqual([[1, true], [2, false]])
    expect(first.shuttingDown).toBe(true)
    // Still under the session's lease: closing the session removes the registration, flag and all.
    await first.close()
    expect((await s.listBrokers()).map((b) => b.brokerId)).toEqual([2])
    const restarted = member(store(s.keys.clusterName), 1)
    await restarted.start()
    expect((await s.listBrokers()).map((b) => [b.brokerId, b.shuttingDown === true])).toEqual([[1, false], [2, false]])
  })

  it('does not mark a registration of another session', async () => {
    const s = store()
    const lease = await s.client.lease(10, { autoKeepAlive: false }).grant()
    await s.registerBroker({ brokerId: 5, advertisedUrl: 'ws://x:1', rack: null, registeredAt: '' }, lease)
    const otherLease = await s.client.lease(10, { autoKeepAlive: false }).grant()
    expect(await s.markBrokerShuttingDown(5, otherLease)).toBe(false)
    expect(await s.markBrokerShuttingDown(6, lease)).toBe(false) // no registration at all
    expect((await s.listBrokers())[0]!.shuttingDown).toBeUndefined()
    expect(await s.markBrokerShuttingDown(5, lease)).toBe(true)
    expect((await s.listBrokers())[0]!.shuttingDown).toBe(true)
  })

  it('the ISR writer refuses to add a shutting-down broker to an ISR, and still writes a shrink', async () => {
    const s = store()
    const leader = member(s, 1)
    await leader.start()
    await s.createTopic(leader.controllerFence!, { topic: 't', config: {}, replicas: [[1, 2, 3]] })
    const now = (await s.getPartition('t', 0))!
    await s.updatePartition('t', 0, now, { ...now.value, isr: [1, 2], partitionEpoch: 1 }, leader.controllerFence!)
    const listeners: IsrChangeListener[] = []
    const writer = new IsrWriter({ brokerId: 1, store: s, clock: new ManualClock(), logger, shuttingDown: () => new Set([3]),
      partitions: { onIsrChange: (l) => { listeners.push(l); return () => listeners.splice(listeners.indexOf(l), 1) } } })
    writer.start()
    cleanups.push(() => writer.stop())
    const propose = async (change: Partial<IsrChange>): Promise<IsrWriteOutcome> => {
      const outcome = once(writer, 'outcome')
      for (const l of listeners) l({ type: 'isrChange', key: 't-0', leaderEpoch: 0, partitionEpoch: 1, proposedIsr: [1, 2, 3], reason: 'expand', ...change })
      return ((await outcome)[0] as { outcome: IsrWriteOutcome }).outcome
    }
    expect(await propose({})).toBe('refused')
    expect((await s.getPartition('t', 0))!.value).toMatchObject({ partitionEpoch: 1, isr: [1, 2] })
    expect(await propose({ proposedIsr: [1], reason: 'shrink' })).toBe('written')
    expect((await s.getPartition('t', 0))!.value).toMatchObject({ partitionEpoch: 2, isr: [1] })
    expect(await propose({ partitionEpoch: 2, proposedIsr: [1, 2] })).toBe('refused') // not registered: not alive to join
    await member(s, 2).start()
    expect(await propose({ partitionEpoch: 2, proposedIsr: [1, 2] })).toBe('written') // a live broker not shutting down: as before
  })
})

// The ISR writer against a real etcd: a leader's proposal is written only while etcd still names
// this broker as leader at the proposal's leader epoch and partition epoch; stale or malformed
// proposals, and one that loses a race to another writer, change nothing; a failed write is retried
// on the injected clock; shrinks and expands are counted.
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
import { waitFor } from '../support/wait-for.js'

const logger = silentLogger()
let etcd: EtcdProcess
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A cluster whose topic `t` has partition 0 on [1, 2, 3] led by broker 1, and broker 1's ISR writer. */
async function setup(storeFor: (store: EtcdMetadataStore) => Pick<EtcdMetadataStore, 'getPartition' | 'updatePartition' | 'getBrokerRegistration'> = (s) => s) {
  const keys = new ClusterKeys(`isr-${randomUUID().slice(0, 8)}`)
  const store = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), keys)
  cleanups.push(() => store.client.close())
  const member = new ClusterMember({ store, brokerId: 1, advertisedUrl: 'ws://127.0.0.1:9001', rack: null, sessionTimeoutMs: 6000,
    granter: etcdLeaseGranter(store.client), clock: systemMonotonicClock, logger })
  cleanups.push(() => member.close())
  await member.start()
  await store.createTopic(member.controllerFence!, { topic: 't', config: {}, replicas: [[1, 2, 3]] })
  // Brokers 2 and 3 registered (without leases: they outlive nothing here); an expansion reads them.
  const register = (id: number, extra: Record<string, unknown> = {}) =>
    store.client.put(keys.broker(id)).value(JSON.stringify({ brokerId: id, advertisedUrl: `ws://127.0.0.1:900${id}`, rack: null, registeredAt: '', ...extra }))
  await register(2)
  await register(3)
  const listeners: IsrChangeListener[] = []
  const clock = new ManualClock()
  const writer = new IsrWriter({ brokerId: 1, store: storeFor(store), clock, logger, retryBackoffMs: 1000,
    partitions: { onIsrChange: (l) => { listeners.push(l); return () => listeners.splice(listeners.indexOf(l), 1) } } })
  writer.start()
  cleanups.push(() => writer.stop())
  /** Proposes as broker 1's actor would, and waits for the writer's outcome. */
  const propose = async (change: Partial<IsrChange>): Promise<IsrWriteOutcome> => {
    const outcome = once(writer, 'outcome')
    for (const l of listeners) {
      l({ type: 'isrChange', key: 't-0', leaderEpoch: 0, partitionEpoch: 0, proposedIsr: [1, 2], reason: 'shrink', ...change })
    }
    return ((await outcome)[0] as { outcome: IsrWriteOutcome }).outcome
  }
  return { store, writer, propose, clock, listeners, member, register }
}

describe('ISR writer', () => {
  it('writes a current proposal, refuses stale and malformed ones, and counts shrinks and expands', async () => {
    const { store, writer, propose } = await setup()
    expect(await propose({ leaderEpoch: 1 })).toBe('stale')
    expect(await propose({ partitionEpoch: 1 })).toBe('stale')
    expect(await propose({ proposedIsr: [2, 3] })).toBe('invalid') // without the leader
    expect(await propose({ proposedIsr: [1, 4] })).toBe('invalid') // outside the replicas
    expect(await propose({ proposedIsr: [1, 1] })).toBe('invalid')
    expect(await propose({ key: 'nope' })).toBe('invalid')
    expect(await propose({ key: 'other-0' })).toBe('stale') // no such partition
    expect((await store.getPartition('t', 0))!.value).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2, 3], replicas: [1, 2, 3] })
    expect(writer.isrShrinksTotal).toBe(0)

    expect(await propose({ proposedIsr: [1, 2] })).toBe('written')
    expect((await store.getPartition('t', 0))!.value).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 1, isr: [1, 2], replicas: [1, 2, 3] })
    expect(await propose({ proposedIsr: [1] })).toBe('stale') // based on partition epoch 0: not applied
    expect(await propose({ partitionEpoch: 1, proposedIsr: [1, 2, 3], reason: 'expand' })).toBe('written')
    expect((await store.getPartition('t', 0))!.value).toMatchObject({ partitionEpoch: 2, isr: [1, 2, 3] })
    expect([writer.isrShrinksTotal, writer.isrExpandsTotal]).toEqual([1, 1])

    // The controller moved the lead to broker 2: broker 1's proposals at its old epoch change nothing.
    const now = (await store.getPartition('t', 0))!
    await store.updatePartition('t', 0, now, { ...now.value, leader: 2, leaderEpoch: 1, partitionEpoch: 3, isr: [2, 3] })
    expect(await propose({ leaderEpoch: 0, partitionEpoch: 3, proposedIsr: [1, 2] })).toBe('stale')
    expect(await propose({ leaderEpoch: 1, partitionEpoch: 3, proposedIsr: [1, 2] })).toBe('stale')
    expect((await store.getPartition('t', 0))!.value).toMatchObject({ leader: 2, isr: [2, 3] })
  })

  it('drops a proposal that loses the race to another write (the CAS on the mod revision)', async () => {
    let race = true
    const { store, propose, writer } = await setup((s) => ({
      updatePartition: s.updatePartition.bind(s),
      getBrokerRegistration: s.getBrokerRegistration.bind(s),
      getPartition: async (topic, partition) => {
        const read = await s.getPartition(topic, partition)
        if (race && read !== undefined) {
          race = false // the controller removes broker 3 between the writer's read and its write
          await s.updatePartition(topic, partition, read, { ...read.value, isr: [1, 2], partitionEpoch: read.value.partitionEpoch + 1 })
        }
        return read
      },
    }))
    expect(await propose({ proposedIsr: [1, 3] })).toBe('conflict')
    expect((await store.getPartition('t', 0))!.value).toMatchObject({ partitionEpoch: 1, isr: [1, 2] })
    expect(writer.isrShrinksTotal).toBe(0)
  })

  it('retries a write that failed after a backoff on its clock', async () => {
    let failures = 1
    const { store, listeners, clock, writer } = await setup((s) => ({
      getPartition: s.getPartition.bind(s),
      getBrokerRegistration: s.getBrokerRegistration.bind(s),
      updatePartition: async (...args) => {
        if (failures-- > 0) throw new Error('etcd unreachable')
        return s.updatePartition(...args)
      },
    }))
    const outcome = once(writer, 'outcome')
    for (const l of listeners) l({ type: 'isrChange', key: 't-0', leaderEpoch: 0, partitionEpoch: 0, proposedIsr: [1], reason: 'shrink' })
    // The failed attempt has a retry timer set on the manual clock; nothing written yet.
    await waitFor('the retry timer', () => clock.pending === 1)
    expect((await store.getPartition('t', 0))!.value.isr).toEqual([1, 2, 3])
    await clock.advance(1000)
    expect(((await outcome)[0] as { outcome: string }).outcome).toBe('written')
    expect((await store.getPartition('t', 0))!.value.isr).toEqual([1])
  })

  it('never adds a broker flagged shuttingDown, even when the flag lands between its check and its write; adds it once unflagged', async () => {
    let flagNow: (() => Promise<unknown>) | undefined
    const { store, propose, register } = await setup((s) => ({
      getPartition: s.getPartition.bind(s),
      updatePartition: s.updatePartition.bind(s),
      getBrokerRegistration: async (id) => {
        const read = await s.getBrokerRegistration(id)
        const flag = flagNow
        flagNow = undefined
        await flag?.() // the broker enters controlled shutdown just after the writer read its registration
        return read
      },
    }))
    expect(await propose({ proposedIsr: [1, 2] })).toBe('written')
    flagNow = () => register(3, { shuttingDown: true })
    expect(await propose({ partitionEpoch: 1, proposedIsr: [1, 2, 3], reason: 'expand' })).toBe('conflict')
    expect((await store.getPartition('t', 0))!.value).toMatchObject({ partitionEpoch: 1, isr: [1, 2] })
    // Flagged before the check: refused outright; not registered at all: refused too.
    expect(await propose({ partitionEpoch: 1, proposedIsr: [1, 2, 3], reason: 'expand' })).toBe('refused')
    await register(3)
    expect(await propose({ partitionEpoch: 1, proposedIsr: [1, 2, 3], reason: 'expand' })).toBe('written')
    expect((await store.getPartition('t', 0))!.value).toMatchObject({ partitionEpoch: 2, isr: [1, 2, 3] })
  })
})

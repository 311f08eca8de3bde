// The controller, the ISR writers and the reconcilers of three brokers together, against a real
// etcd, with recording doubles in place of the partition actors and the replica fetchers: a topic
// the controller creates is opened on every replica with etcd's leaders; when a leader's broker goes,
// the controller elects a member of the ISR and that broker's reconciler makes its actor leader at
// the new epoch while the other follower follows it; when the broker comes back and the leader
// expands its ISR (IsrWriter), the preferred-leader check gives the partition back to it.
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { etcdLeaseGranter, systemMonotonicClock } from '../../packages/broker/src/cluster/broker-session.js'
import { ClusterMember } from '../../packages/broker/src/cluster/cluster-member.js'
import { ClusterStateWatch } from '../../packages/broker/src/cluster/cluster-state.js'
import { Controller } from '../../packages/broker/src/cluster/controller.js'
import { IsrWriter } from '../../packages/broker/src/cluster/isr-writer.js'
import { ClusterKeys } from '../../packages/broker/src/cluster/keys.js'
import { connectEtcd, EtcdMetadataStore } from '../../packages/broker/src/cluster/metadata-store.js'
import { Reconciler } from '../../packages/broker/src/cluster/reconciler.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import type { IsrChangeListener } from '../../packages/broker/src/partition/partition-manager.js'
import { partitionConfigOf, minInsyncReplicasOf } from '../../packages/broker/src/topics/config.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { ManualClock } from '../support/manual-clock.js'
import { waitFor } from '../support/wait-for.js'

const logger = silentLogger()
const limits = { batchBytesMax: 1_000_000, partitionsPerTopicMax: 64, partitionsMax: 1000 }
let etcd: EtcdProcess
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Broker {
  member: ClusterMember
  watch: ClusterStateWatch
  reconciler: Reconciler
  isr: IsrWriter
  /** What the doubles were asked: `becomeLeader t-0 e1`, `follow t-0 2@1`, ... */
  log: string[]
  proposeIsr: IsrChangeListener
  leave(): Promise<void>
}

async function broker(keys: ClusterKeys, brokerId: number, clock: ManualClock): Promise<Broker> {
  const store = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), keys)
  const member = new ClusterMember({ store, brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, sessionTimeoutMs: 6000,
    granter: etcdLeaseGranter(store.client), clock: systemMonotonicClock, logger })
  await member.start()
  const watch = await ClusterStateWatch.start(store.client, keys, logger)
  const log: string[] = []
  const listeners: IsrChangeListener[] = []
  const reconciler = new Reconciler({
    brokerId, watch, clock, logger, isFenced: () => member.fenced,
    partitions: {
      open: async (t, p) => { log.push(`open ${t}-${p}`) },
      updateConfig: async () => undefined,
      delete: async (t, p) => { log.push(`delete ${t}-${p}`) },
      request: async (t, p, r) => {
        log.push(r.op === 'becomeLeader' ? `becomeLeader ${t}-${p} e${r.role.leaderEpoch} isr=${r.role.isr.join(',')}` : `becomeFollower ${t}-${p} ${r.leader}@${r.leaderEpoch}`)
        return { logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0, segmentCount: 1, latestEpoch: -1 }
      },
    },
    fetchers: { follow: (t, p, f) => log.push(`follow ${t}-${p} ${f.leader}@${f.leaderEpoch}`), unfollow: (t, p) => log.push(`unfollow ${t}-${p}`) },
    partitionConfigOf: (config) => partitionConfigOf(config, limits),
    leaderRoleOf: (_t, s, config) => ({ brokerId, leaderEpoch: s.leaderEpoch, partitionEpoch: s.partitionEpoch, isr: s.isr, replicas: s.replicas,
      minInsyncReplicas: minInsyncReplicasOf(config), replicaLagTimeMaxMs: 30_000, ackTimeoutMs: 30_000 }),
  })
  const isr = new IsrWriter({ brokerId, store, clock, logger, partitions: { onIsrChange: (l) => { listeners.push(l); return () => undefined } } })
  isr.start()
  let left = false
  const leave = async (): Promise<void> => {
    if (left) return
    left = true
    isr.stop()
    await reconciler.stop()
    await watch.close()
    await member.close()
    store.client.close()
  }
  cleanups.push(leave)
  await reconciler.start()
  return { member, watch, reconciler, isr, log, leave, proposeIsr: (change) => { for (const l of listeners) l(change) } }
}

describe('failover through etcd: controller, ISR writer, reconcilers', () => {
  it('moves a partition to an ISR member when its leader goes, and back to its preferred leader when it returns', async () => {
    const keys = new ClusterKeys(`fo-${randomUUID().slice(0, 8)}`)
    const clock = new ManualClock()
    const brokers = new Map<number, Broker>()
    for (const id of [1, 2, 3]) brokers.set(id, await broker(keys, id, clock))
    const one = brokers.get(1)!
    const store = new EtcdMetadataStore(connectEtcd([etcd.clientUrl]), keys)
    cleanups.push(() => store.client.close())
    const controller = new Controller({ store, keys, watch: one.watch, fence: () => one.member.controllerFence, clock, logger, limits, preferredLeaderCheckMs: 10_000 })
    cleanups.push(() => controller.stop())
    await waitFor('broker 1 to be the controller', () => one.member.isController)
    controller.start()

    await controller.createTopic('orders', 3, 3, {})
    const assignment = (await store.getAssignment('orders'))!
    for (const [id, b] of brokers) {
      for (let p = 0; p < 3; p++) {
        const leader = assignment[p]![0]!
        await waitFor(`broker ${id}: orders-${p} applied`, () => b.reconciler.localRole('orders', p))
        expect(b.reconciler.localRole('orders', p)).toEqual(leader === id ? { role: 'leader', leader, leaderEpoch: 0 } : { role: 'follower', leader, leaderEpoch: 0 })
        expect(b.log).toContain(leader === id ? `becomeLeader orders-${p} e0 isr=${assignment[p]!.join(',')}` : `follow orders-${p} ${leader}@0`)
      }
    }

    // The partition whose preferred leader is not the controller: its leader goes.
    const p = assignment.findIndex((r) => r[0] !== 1)
    const [gone, ...others] = assignment[p]!
    await brokers.get(gone!)!.leave()
    const next = others[0]! // the first replica after it in assignment order: both others are in the ISR
    const other = others.find((b) => b !== next)!
    await waitFor(`broker ${next} leads orders-${p} at epoch 1`, () => brokers.get(next)!.reconciler.localRole('orders', p)?.role === 'leader')
    expect(brokers.get(next)!.reconciler.localRole('orders', p)).toEqual({ role: 'leader', leader: next, leaderEpoch: 1 })
    await waitFor(`broker ${other} follows ${next}`, () => brokers.get(other)!.reconciler.localRole('orders', p)?.leader === next)
    expect(brokers.get(other)!.log).toContain(`follow orders-${p} ${next}@1`)
    const afterLoss = (await store.getPartition('orders', p))!.value
    expect(afterLoss).toMatchObject({ leader: next, leaderEpoch: 1, isr: assignment[p]!.filter((b) => b !== gone) })

    // It comes back; the new leader takes it into the ISR (as its actor would once it caught up).
    const back = await broker(keys, gone!, clock)
    brokers.set(gone!, back)
    await waitFor(`broker ${gone} follows ${next}`, () => back.reconciler.localRole('orders', p)?.leader === next)
    expect(back.log).toContain(`follow orders-${p} ${next}@1`)
    const written = new Promise((resolve) => brokers.get(next)!.isr.once('outcome', resolve))
    brokers.get(next)!.proposeIsr({ type: 'isrChange', key: `orders-${p}`, leaderEpoch: 1, partitionEpoch: afterLoss.partitionEpoch,
      proposedIsr: [...afterLoss.isr, gone!], reason: 'expand' })
    expect(await written).toMatchObject({ outcome: 'written' })
    await waitFor(`broker ${next}'s actor told of the new ISR`, () => brokers.get(next)!.log.includes(`becomeLeader orders-${p} e1 isr=${[...afterLoss.isr, gone].join(',')}`))

    // The preferred-leader check gives the partition back to it (once the controller has seen the ISR).
    await waitFor('the controller to see the ISR', () => one.watch.state.partitions.get('orders')?.get(p)?.value.isr.includes(gone!))
    await controller.settled()
    await clock.advance(10_000)
    await waitFor(`broker ${gone} leads orders-${p} again`, () => back.reconciler.localRole('orders', p)?.role === 'leader')
    expect(back.reconciler.localRole('orders', p)).toEqual({ role: 'leader', leader: gone, leaderEpoch: 2 })
    await waitFor(`broker ${next} follows ${gone}`, () => brokers.get(next)!.reconciler.localRole('orders', p)?.leader === gone)
    expect(brokers.get(next)!.log.slice(-2)).toEqual([`becomeFollower orders-${p} ${gone}@2`, `follow orders-${p} ${gone}@2`])
  })
})

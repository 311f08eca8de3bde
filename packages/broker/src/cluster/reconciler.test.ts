// The reconciler against a hand-driven cluster state and recording doubles of the partition manager
// and the replica fetchers: what it opens, whom it makes leader or follower at which epoch, whom it
// fetches from, in which order per partition (one step at a time, never an older state after a
// newer one), what it retries on its clock, and what `localRole` reports (only what was applied).
import { EventEmitter } from 'node:events'
import { beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../../../test/support/manual-clock.js'
import { silentLogger } from '../log.js'
import type { LeaderRole, PartitionConfig, ReplicaRoleResult } from '../partition/messages.js'
import { partitionConfigOf, type TopicConfig } from '../topics/config.js'
import { BrokerSession } from './broker-session.js'
import { emptyClusterState, type ClusterState } from './cluster-state.js'
import type { PartitionState } from './partition-state.js'
import { Reconciler, type ReconcilerFetchers, type ReconcilerPartitions } from './reconciler.js'
import { unknownPartitionDirs } from './reconciler-plan.js'
import { ScriptedLease } from './test-lease.js'

const SELF = 1
const limits = { batchBytesMax: 1_000_000 }

class FakeWatch extends EventEmitter {
  state: ClusterState = emptyClusterState()
  #revision = 1

  topic(topic: string, partitions: Record<number, Omit<PartitionState, 'partitionEpoch'> & { partitionEpoch?: number }>, config: TopicConfig = {}, topicId = `id-${topic}`): void {
    const count = Object.keys(partitions).length
    this.state.topics.set(topic, { value: { topicId, partitions: count, config }, modRevision: ++this.#revision })
    const states = new Map(Object.entries(partitions).map(([p, s]) => [Number(p), { value: { partitionEpoch: 0, ...s }, modRevision: ++this.#revision }]))
    this.state.partitions.set(topic, states)
    this.emit('change', this.state)
  }

  partition(topic: string, p: number, change: Partial<PartitionState>): void {
    const current = this.state.partitions.get(topic)!.get(p)!.value
    this.state.partitions.get(topic)!.set(p, { value: { ...current, ...change, partitionEpoch: current.partitionEpoch + 1 }, modRevision: ++this.#revision })
    this.emit('change', this.state)
  }

  deleteTopic(topic: string): void {
    this.state.topics.delete(topic)
    this.state.partitions.delete(topic)
    this.emit('change', this.state)
  }
}

/** Records every call; can fail the next calls of an op, or hold them until released. */
class FakePartitions implements ReconcilerPartitions {
  readonly log: string[] = []
  readonly failures = new Map<string, number>()
  readonly held = new Map<string, () => void>()
  holding: string | undefined
  readonly #active = new Map<string, number>()
  overlaps = 0

  async #op<T>(op: string, key: string, entry: string, answer: T): Promise<T> {
    const active = (this.#active.get(key) ?? 0) + 1
    this.#active.set(key, active)
    if (active > 1) this.overlaps++
    try {
      if (this.holding === op) await new Promise<void>((resolve) => this.held.set(key, resolve))
      const failing = this.failures.get(op) ?? 0
      if (failing > 0) {
        this.failures.set(op, failing - 1)
        this.log.push(`FAILED ${entry}`)
        throw new Error(`${op} failed (test)`)
      }
      this.log.push(entry)
      return answer
    } finally {
      this.#active.set(key, this.#active.get(key)! - 1)
    }
  }

  open(topic: string, p: number, config: PartitionConfig): Promise<unknown> {
    return this.#op('open', `${topic}-${p}`, `open ${topic}-${p} retention=${config.retentionMs}`, {})
  }

  updateConfig(topic: string, p: number, config: PartitionConfig): Promise<unknown> {
    return this.#op('updateConfig', `${topic}-${p}`, `updateConfig ${topic}-${p} retention=${config.retentionMs}`, {})
  }

  delete(topic: string, p: number): Promise<void> {
    return this.#op('delete', `${topic}-${p}`, `delete ${topic}-${p}`, undefined)
  }

  request(topic: string, p: number, request: { op: 'becomeLeader'; role: LeaderRole } | { op: 'becomeFollower'; leader: number; leaderEpoch: number }): Promise<ReplicaRoleResult> {
    const answer = { logStartOffset: 0, highWatermark: 5, logEndOffset: 40 + p, sizeBytes: 0, segmentCount: 1, latestEpoch: 3 }
    const entry = request.op === 'becomeLeader'
      ? `becomeLeader ${topic}-${p} epoch=${request.role.leaderEpoch} isr=${request.role.isr.join(',')} minInsync=${request.role.minInsyncReplicas}`
      : `becomeFollower ${topic}-${p} leader=${request.leader} epoch=${request.leaderEpoch}`
    return this.#op(request.op, `${topic}-${p}`, entry, answer)
  }
}

class FakeFetchers implements ReconcilerFetchers {
  constructor(readonly log: string[]) {}
  follow(topic: string, p: number, t: { leader: number; leaderEpoch: number; latestEpoch: number; logEndOffset: number }): void {
    this.log.push(`follow ${topic}-${p} from ${t.leader}@${t.leaderEpoch} latestEpoch=${t.latestEpoch} leo=${t.logEndOffset}`)
  }

  unfollow(topic: string, p: number): void {
    this.log.push(`unfollow ${topic}-${p}`)
  }
}

let watch: FakeWatch
let partitions: FakePartitions
let clock: ManualClock
let fenced: boolean
let reconciler: Reconciler

beforeEach(() => {
  watch = new FakeWatch()
  partitions = new FakePartitions()
  clock = new ManualClock()
  fenced = false
  reconciler = reconcilerOver(() => fenced)
})

/** A reconciler of broker SELF over this test's watch, partitions and clock. */
function reconcilerOver(isFenced: () => boolean): Reconciler {
  return new Reconciler({
    brokerId: SELF, watch, partitions, fetchers: new FakeFetchers(partitions.log), clock, logger: silentLogger(), retryBackoffMs: 100,
    partitionConfigOf: (config) => partitionConfigOf(config, limits),
    leaderRoleOf: (_topic, state, config) => ({ brokerId: SELF, leaderEpoch: state.leaderEpoch, partitionEpoch: state.partitionEpoch, isr: state.isr,
      replicas: state.replicas, minInsyncReplicas: Number(config['min.insync.replicas'] ?? 1), replicaLagTimeMaxMs: 30_000, ackTimeoutMs: 30_000 }),
    isFenced,
  })
}

/** Lets the reconciler act on the last change, and returns (and clears) what it did. */
async function actions(): Promise<string[]> {
  await reconciler.settled()
  return partitions.log.splice(0)
}

describe('reconciler', () => {
  it('opens its replicas and applies etcd roles in order, before start() resolves; others are left alone', async () => {
    watch.topic('t', {
      0: { leader: 1, leaderEpoch: 2, isr: [1, 2], replicas: [1, 2] },
      1: { leader: 2, leaderEpoch: 4, isr: [2, 1], replicas: [2, 1] },
      2: { leader: 2, leaderEpoch: 0, isr: [2, 3], replicas: [2, 3] },
      3: { leader: -1, leaderEpoch: 6, isr: [3], replicas: [3, 1] },
    }, { 'retention.ms': '1000' })
    await reconciler.start()
    const log = partitions.log.splice(0)
    expect(log.filter((l) => l.includes('t-0'))).toEqual(['open t-0 retention=1000', 'becomeLeader t-0 epoch=2 isr=1,2 minInsync=1'])
    expect(log.filter((l) => l.includes('t-1'))).toEqual(['open t-1 retention=1000', 'becomeFollower t-1 leader=2 epoch=4', 'follow t-1 from 2@4 latestEpoch=3 leo=41'])
    expect(log.filter((l) => l.includes('t-3'))).toEqual(['open t-3 retention=1000', 'becomeFollower t-3 leader=-1 epoch=6'])
    expect(log.some((l) => l.includes('t-2'))).toBe(false)
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'leader', leader: 1, leaderEpoch: 2 })
    expect(reconciler.localRole('t', 1)).toEqual({ role: 'follower', leader: 2, leaderEpoch: 4 })
    expect(reconciler.localRole('t', 2)).toBeUndefined()

    // Nothing changed for this broker: nothing done.
    watch.partition('t', 2, { isr: [2] })
    expect(await actions()).toEqual([])
  })

  it('follows leadership changes: stops fetching before leading, truncation-safe order when following a new leader', async () => {
    watch.topic('t', { 0: { leader: 2, leaderEpoch: 1, isr: [2, 1], replicas: [2, 1] } })
    await reconciler.start()
    partitions.log.splice(0)
    watch.partition('t', 0, { leader: 1, leaderEpoch: 2, isr: [1] })
    expect(await actions()).toEqual(['unfollow t-0', 'becomeLeader t-0 epoch=2 isr=1 minInsync=1'])
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'leader', leader: 1, leaderEpoch: 2 })
    // An ISR change at the same epoch reaches the actor as becomeLeader again.
    watch.partition('t', 0, { isr: [1, 2] })
    expect(await actions()).toEqual(['becomeLeader t-0 epoch=2 isr=1,2 minInsync=1'])
    watch.partition('t', 0, { leader: 2, leaderEpoch: 3 })
    expect(await actions()).toEqual(['becomeFollower t-0 leader=2 epoch=3', 'follow t-0 from 2@3 latestEpoch=3 leo=40'])
    // Offline: a follower of no one, fetching nothing.
    watch.partition('t', 0, { leader: -1, leaderEpoch: 4, isr: [2] })
    expect(await actions()).toEqual(['unfollow t-0', 'becomeFollower t-0 leader=-1 epoch=4'])
  })

  it('runs one step at a time per partition, and goes to the newest state after one under way (never an older one)', async () => {
    watch.topic('t', { 0: { leader: 2, leaderEpoch: 1, isr: [2, 1], replicas: [2, 1] } })
    await reconciler.start()
    partitions.log.splice(0)
    partitions.holding = 'becomeFollower'
    watch.partition('t', 0, { leaderEpoch: 2 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(partitions.held.has('t-0')).toBe(true)
    watch.partition('t', 0, { leader: 1, leaderEpoch: 3, isr: [1] }) // seen while becomeFollower at epoch 2 is under way
    watch.partition('t', 0, { isr: [1, 2] })
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'follower', leader: 2, leaderEpoch: 1 }) // not applied yet
    partitions.holding = undefined
    partitions.held.get('t-0')!()
    expect(await actions()).toEqual(['unfollow t-0', 'becomeFollower t-0 leader=2 epoch=2', 'follow t-0 from 2@2 latestEpoch=3 leo=40',
      'unfollow t-0', 'becomeLeader t-0 epoch=3 isr=1,2 minInsync=1'])
    expect(partitions.overlaps).toBe(0)
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'leader', leader: 1, leaderEpoch: 3 })
  })

  it('retries a failed step with a growing backoff on its clock; localRole stays unset until it succeeded', async () => {
    partitions.failures.set('open', 2)
    watch.topic('t', { 0: { leader: 1, leaderEpoch: 0, isr: [1], replicas: [1] } })
    await reconciler.start()
    expect(partitions.log.splice(0)).toEqual(['FAILED open t-0 retention=604800000'])
    expect(reconciler.localRole('t', 0)).toBeUndefined()
    await clock.advance(99)
    expect(await actions()).toEqual([])
    await clock.advance(1)
    expect(await actions()).toEqual(['FAILED open t-0 retention=604800000'])
    await clock.advance(199) // the second backoff is twice the first
    expect(await actions()).toEqual([])
    await clock.advance(1)
    expect(await actions()).toEqual(['open t-0 retention=604800000', 'becomeLeader t-0 epoch=0 isr=1 minInsync=1'])
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'leader', leader: 1, leaderEpoch: 0 })
  })

  it('a fenced broker stops leading (leader -1) and leads again when unfenced if etcd still names it', async () => {
    watch.topic('t', { 0: { leader: 1, leaderEpoch: 5, isr: [1, 2], replicas: [1, 2] }, 1: { leader: 2, leaderEpoch: 1, isr: [2, 1], replicas: [2, 1] } })
    await reconciler.start()
    partitions.log.splice(0)
    fenced = true
    reconciler.reconcile()
    expect(await actions()).toEqual(['becomeFollower t-0 leader=-1 epoch=5'])
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'follower', leader: -1, leaderEpoch: 5 })
    fenced = false
    reconciler.reconcile()
    expect(await actions()).toEqual(['becomeLeader t-0 epoch=5 isr=1,2 minInsync=1'])
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'leader', leader: 1, leaderEpoch: 5 })
  })

  it('applies config changes, deletes replicas moved away or of deleted topics, and reopens a topic made again', async () => {
    watch.topic('t', { 0: { leader: 2, leaderEpoch: 0, isr: [2, 1], replicas: [2, 1] }, 1: { leader: 1, leaderEpoch: 0, isr: [1], replicas: [1] } })
    await reconciler.start()
    partitions.log.splice(0)
    watch.topic('t', { 0: { leader: 2, leaderEpoch: 0, isr: [2, 1], replicas: [2, 1] }, 1: { leader: 1, leaderEpoch: 0, isr: [1], replicas: [1] } }, { 'retention.ms': '7', 'min.insync.replicas': '1' })
    const changed = await actions()
    expect(changed.sort()).toEqual(['updateConfig t-0 retention=7', 'updateConfig t-1 retention=7'])
    watch.partition('t', 0, { replicas: [2, 3], isr: [2, 3] })
    expect(await actions()).toEqual(['unfollow t-0', 'delete t-0'])
    expect(reconciler.localRole('t', 0)).toBeUndefined()
    watch.topic('t', { 0: { leader: 1, leaderEpoch: 0, isr: [1], replicas: [1] } }, {}, 'id-t-again')
    expect(await actions()).toEqual(['delete t-1', 'open t-0 retention=604800000', 'becomeLeader t-0 epoch=0 isr=1 minInsync=1'])
    watch.deleteTopic('t')
    expect(await actions()).toEqual(['delete t-0'])
    expect(reconciler.localRole('t', 0)).toBeUndefined()
    await reconciler.stop()
    watch.topic('u', { 0: { leader: 1, leaderEpoch: 0, isr: [1], replicas: [1] } })
    expect(await actions()).toEqual([]) // stopped
  })

  it('applies the role again to a replica whose actor restarted, with localRole unset meanwhile', async () => {
    watch.topic('t', { 0: { leader: 1, leaderEpoch: 3, isr: [1], replicas: [1, 2] }, 1: { leader: 2, leaderEpoch: 1, isr: [2, 1], replicas: [2, 1] } })
    await reconciler.start()
    partitions.log.splice(0)
    partitions.holding = 'becomeLeader'
    reconciler.replicaRestarted('t', 0)
    expect(reconciler.localRole('t', 0)).toBeUndefined()
    await new Promise((resolve) => setImmediate(resolve))
    partitions.holding = undefined
    partitions.held.get('t-0')!()
    expect(await actions()).toEqual(['becomeLeader t-0 epoch=3 isr=1 minInsync=1'])
    expect(reconciler.localRole('t', 0)).toEqual({ role: 'leader', leader: 1, leaderEpoch: 3 })
    reconciler.replicaRestarted('t', 1)
    expect(await actions()).toEqual(['unfollow t-1', 'becomeFollower t-1 leader=2 epoch=1', 'follow t-1 from 2@1 latestEpoch=3 leo=41'])
  })

  it('tells apart the partition directories etcd does not assign here (left alone, logged), not the internal logs', () => {
    const here = new Set(['t/0', 'a-b/12'])
    expect(unknownPartitionDirs(['t-0', 't-1', 'a-b-12', 'a-b-1', '__cluster_metadata-0', '__consumer_offsets-0', 'meta.json', 't-0.orphaned-5', 'x-'],
      (topic, p) => here.has(`${topic}/${p}`))).toEqual(['t-1', 'a-b-1'])
  })
})

// The runtime's own wiring of isFenced to ClusterMember.fenced is checked in test/integration/cluster-runtime.test.ts.
describe("the reconciler and the broker session's fencing, wired as the runtime wires them (the session's state)", () => {
  it('keeps leading through a keep-alive answered after the timeout but before the fence timer ran; stops and resumes with the fence events', async () => {
    const TIMEOUT_MS = 6_000
    const lease = new ScriptedLease(clock)
    const session = new BrokerSession({ granter: async () => lease, sessionTimeoutMs: TIMEOUT_MS, clock, logger: silentLogger(), wallNow: () => clock.now() })
    const events: string[] = []
    for (const event of ['fenced', 'unfenced']) {
      session.on(event, () => {
        events.push(event)
        watch.emit('change', watch.state) // as cluster-runtime.ts nudges the reconciler
      })
    }
    await session.start() // the grant, sent at 0
    const r = reconcilerOver(() => session.fenced) // ClusterMember.fenced: its session's
    watch.topic('t', { 0: { leader: SELF, leaderEpoch: 2, isr: [1, 2], replicas: [1, 2] }, 1: { leader: 2, leaderEpoch: 0, isr: [2, 1], replicas: [2, 1] } })
    await r.start()
    const leading = { role: 'leader', leader: SELF, leaderEpoch: 2 }
    expect(r.localRole('t', 0)).toEqual(leading)

    // A keep-alive goes at 2000; a loaded event loop reaches 6000 before its answer or the fence timer.
    await clock.advance(2_000)
    expect(lease.pending.map((p) => p.sentMs)).toEqual([2_000])
    clock.nowMs = TIMEOUT_MS
    expect(session.liveNow()).toBe(false) // the gate refuses acknowledgements at this instant
    // Meanwhile etcd changes (another partition's ISR): the reconciler runs a pass now.
    watch.partition('t', 1, { isr: [2] })
    await r.settled()
    // Then the answer: renewed from 2000 on, and the fence timer finds it live. No event at all.
    await lease.answerAll()
    await clock.advance(0)
    expect(events).toEqual([])
    expect(session.liveNow()).toBe(true)
    expect(r.localRole('t', 0)).toEqual(leading) // a pass that read liveNow() would have left it a follower of nobody

    // A lapse the fence timer sees: fenced (a follower of nobody), then unfenced (leading again).
    lease.pending.splice(0).forEach((p) => p.fail(new Error('unavailable')))
    await clock.advance(2_000 + TIMEOUT_MS - clock.now())
    expect(events).toEqual(['fenced'])
    await r.settled()
    expect(r.localRole('t', 0)).toEqual({ role: 'follower', leader: -1, leaderEpoch: 2 })
    await clock.advance(0)
    await lease.answerAll()
    await r.settled()
    expect(events).toEqual(['fenced', 'unfenced'])
    expect(r.localRole('t', 0)).toEqual(leading)
    await r.stop()
    await session.close()
  })
})

// ReplicaFetchers against a fake leader (a PeerRequester answering replicaFetch and offsetsForLeaderEpoch
// as the contract says, with long polls on the injected clock) and a fake follower log (a ReplicaLog
// doing appendReplica / truncateReplica / offsetsForLeaderEpoch over test-leader.ts's model log). The
// partition actor's replication ops are another part's work: these doubles stand in for them. With
// the replication throttle (replication-throttle.ts) on the same clock: throttled partitions fetch
// within the bucket, apart from the others, and a throttle removed or raised counts within one fetch wait.
import { ErrorCode, FaecieError, type OpName, type OpRequest, type OpResponse } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, flushPromises } from '../../../../test/support/manual-clock.js'
import { waitFor } from '../../../../test/support/wait-for.js'
import { silentLogger } from '../log.js'
import type { PartitionRequest } from '../partition/messages.js'
import type { PeerRequestOptions, PeerRequester } from './peer-links.js'
import { ReplicaFetchers, type ReplicaLog } from './replica-fetchers.js'
import { ReplicationThrottle, THROTTLE_FETCH_BYTES_MIN } from './replication-throttle.js'
import { ModelLog, modelRecords } from './test-leader.js'

const LEADER = 1
const SELF = 2

/** A partition of either request (each op reads its own fields). */
interface Spec { topic: string; partition: number; fetchOffset: number; leaderEpoch: number; currentLeaderEpoch: number }

class FakeLeader implements PeerRequester {
  readonly logs = new Map<string, ModelLog>()
  /** [op, key, fetchOffset or asked epoch] of every partition asked. */
  readonly asked: [string, string, number][] = []
  /** Every replicaFetch request: its partitions' keys, maxBytes and maxWaitMs. */
  readonly fetches: { keys: string[]; maxBytes: number; maxWaitMs: number }[] = []
  attempts = 0
  inFlight = 0
  inFlightMax = 0
  down = false
  #wake = new Set<() => void>()

  constructor(readonly clock: ManualClock) {}

  log(key: string, epochs: number[], currentEpoch: number): ModelLog {
    const log = new ModelLog()
    log.epochs = [...epochs]
    log.currentEpoch = currentEpoch
    this.logs.set(key, log)
    return log
  }

  append(key: string, count: number): void {
    this.logs.get(key)!.append(count)
    for (const wake of [...this.#wake]) wake()
  }

  async request<Op extends OpName>(brokerId: number, op: Op, fields: OpRequest<Op>, options: PeerRequestOptions = {}): Promise<OpResponse<Op>> {
    expect(brokerId).toBe(LEADER)
    this.attempts++
    if (this.down) throw new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, 'down')
    this.inFlight++
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight)
    try {
      return (await this.#answer(op, fields as Record<string, unknown>, options.signal)) as OpResponse<Op>
    } finally {
      this.inFlight--
    }
  }

  async #answer(op: string, fields: Record<string, unknown>, signal: AbortSignal | undefined): Promise<unknown> {
    expect(fields.brokerId).toBe(SELF)
    const specs = fields.partitions as Spec[]
    if (op === 'offsetsForLeaderEpoch') {
      return { partitions: specs.map((s) => this.#perPartition(s, s.currentLeaderEpoch, (log, key) => {
        this.asked.push([op, key, s.leaderEpoch])
        return log.endOf(s.leaderEpoch)
      })) }
    }
    const maxBytes = Math.min(fields.maxBytes as number, 1 << 20)
    this.fetches.push({ keys: specs.map((s) => `${s.topic}-${s.partition}`), maxBytes: fields.maxBytes as number, maxWaitMs: fields.maxWaitMs as number })
    // Each partition gets up to maxBytes (at least one offset), as the leader's actor (one partition per request in these tests).
    const read = (): Record<string, unknown>[] => specs.map((s) => this.#perPartition(s, s.leaderEpoch, (log, key) => {
      this.asked.push([op, key, s.fetchOffset])
      if (s.fetchOffset > log.logEndOffset) throw new FaecieError(ErrorCode.OFFSET_OUT_OF_RANGE, 'past the end')
      log.highWatermark = Math.max(log.highWatermark, s.fetchOffset)
      return { records: log.read(s.fetchOffset, maxBytes), highWatermark: log.highWatermark, logStartOffset: 0, logEndOffset: log.logEndOffset, leaderEpoch: log.currentEpoch }
    }))
    const first = read()
    if (first.some((r) => r.error !== undefined || (r.records as Uint8Array).length > 0)) return { partitions: first }
    if ((fields.maxWaitMs as number) === 0) return { partitions: first }
    // The long poll: an append, maxWaitMs on the clock, or the fetcher giving up.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#wake.delete(done)
        this.clock.clearTimeout(timer)
        resolve()
      }
      const timer = this.clock.setTimeout(done, fields.maxWaitMs as number)
      this.#wake.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
    signal?.throwIfAborted()
    return { partitions: read() }
  }

  #perPartition(s: Spec, epoch: number, answer: (log: ModelLog, key: string) => object): Record<string, unknown> {
    const key = `${s.topic}-${s.partition}`
    const base = { topic: s.topic, partition: s.partition }
    const log = this.logs.get(key)
    try {
      if (log === undefined) throw new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'not here')
      if (epoch < log.currentEpoch) throw new FaecieError(ErrorCode.FENCED_LEADER_EPOCH, 'old epoch')
      if (epoch > log.currentEpoch) throw new FaecieError(ErrorCode.UNKNOWN_LEADER_EPOCH, 'new epoch')
      return { ...base, ...answer(log, key) }
    } catch (err) {
      const e = err as FaecieError
      return { ...base, records: new Uint8Array(0), highWatermark: -1, logStartOffset: -1, logEndOffset: -1, leaderEpoch: -1,
        error: { code: e.code, message: e.message } }
    }
  }
}

/** The follower's logs: what the actor's follower ops will do, over the model log. */
class FakeFollowerLog implements ReplicaLog {
  readonly logs = new Map<string, ModelLog>()
  readonly ops: [string, string, number][] = []
  /** The next append's stable end offset lags its log end by this much (an fsync not yet done); then 0. */
  stableLag = 0

  log(key: string, epochs: number[]): ModelLog {
    const log = new ModelLog()
    log.epochs = [...epochs]
    this.logs.set(key, log)
    return log
  }

  async request<R extends PartitionRequest>(topic: string, partition: number, request: R): Promise<never> {
    const key = `${topic}-${partition}`
    const log = this.logs.get(key)!
    const offsets = () => ({ logStartOffset: log.logStartOffset, highWatermark: log.highWatermark, logEndOffset: log.logEndOffset })
    if (request.op === 'offsetsForLeaderEpoch') {
      this.ops.push(['epochEnd', key, request.leaderEpoch])
      return log.endOf(request.leaderEpoch) as never
    }
    if (request.op === 'truncateReplica') {
      this.ops.push(['truncate', key, request.offset])
      log.epochs.length = Math.max(0, Math.min(log.epochs.length, request.offset - log.logStartOffset))
      log.highWatermark = Math.min(log.highWatermark, log.logEndOffset)
      return { ...offsets(), sizeBytes: 0, segmentCount: 1, latestEpoch: log.latestEpoch } as never
    }
    if (request.op === 'appendReplica') {
      if (request.bytes.length > 0) {
        const { baseOffset, epochs } = modelRecords(request.bytes)
        this.ops.push(['append', key, baseOffset])
        if (baseOffset > log.logEndOffset) throw new FaecieError(ErrorCode.OFFSET_OUT_OF_RANGE, 'gap')
        log.epochs.push(...epochs.slice(log.logEndOffset - baseOffset))
      }
      log.highWatermark = Math.min(request.leaderHighWatermark, log.logEndOffset)
      const stableEndOffset = Math.max(0, log.logEndOffset - this.stableLag)
      this.stableLag = 0
      return { ...offsets(), stableEndOffset } as never
    }
    throw new Error(`unexpected op ${request.op}`)
  }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function setUp(throttle?: ReplicationThrottle): { clock: ManualClock; leader: FakeLeader; follower: FakeFollowerLog; fetchers: ReplicaFetchers } {
  const clock = new ManualClock(0)
  const leader = new FakeLeader(clock)
  const follower = new FakeFollowerLog()
  const fetchers = new ReplicaFetchers({ brokerId: SELF, links: leader, partitions: follower, logger: silentLogger(), clock,
    fetchMaxWaitMs: 500, fetchMaxBytes: 16 << 20, fetchPartitionMaxBytes: 1 << 20, backoffMs: 1000, ...(throttle === undefined ? {} : { throttle }) })
  cleanups.push(() => fetchers.close())
  return { clock, leader, follower, fetchers }
}

const epochsOf = (log: ModelLog | undefined): number[] => [...(log?.epochs ?? [])]

describe('ReplicaFetchers', () => {
  it('brings an empty follower up to the leader, then keeps up as the leader appends', async () => {
    const { leader, follower, fetchers } = setUp()
    leader.log('t-0', [0, 0, 0, 1, 1], 1)
    follower.log('t-0', [])
    fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 1, latestEpoch: -1, logEndOffset: 0 })
    await waitFor('the follower to catch up', () => follower.logs.get('t-0')!.logEndOffset === 5)
    expect(epochsOf(follower.logs.get('t-0'))).toEqual([0, 0, 0, 1, 1])
    await waitFor('the lag to be known as 0', () => fetchers.lagOf('t', 0) === 0)
    leader.append('t-0', 2)
    await waitFor('the follower to take the new records', () => follower.logs.get('t-0')!.logEndOffset === 7)
    expect(epochsOf(follower.logs.get('t-0'))).toEqual([0, 0, 0, 1, 1, 1, 1])
    await waitFor('the leader to hear the follower is at 7', () => leader.asked.some(([op, , o]) => op === 'replicaFetch' && o === 7))
    // An empty log has no epoch to ask about: no offsetsForLeaderEpoch, no truncation.
    expect(leader.asked.filter(([op]) => op === 'offsetsForLeaderEpoch')).toEqual([])
    expect(leader.inFlightMax).toBe(1)
  })

  it('cuts a divergent tail where the leader\'s epoch ends, then fetches from there', async () => {
    const { leader, follower, fetchers } = setUp()
    leader.log('t-0', [0, 0, 0, 0, 1, 1], 2)
    follower.log('t-0', [0, 0, 0, 0, 0, 0, 0])
    fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 2, latestEpoch: 0, logEndOffset: 7 })
    await waitFor('the follower to match the leader', () => epochsOf(follower.logs.get('t-0')).join() === '0,0,0,0,1,1' || undefined)
    expect(follower.ops.filter(([op]) => op === 'truncate')).toEqual([['truncate', 't-0', 4]])
    expect(leader.asked[0]).toEqual(['offsetsForLeaderEpoch', 't-0', 0])
  })

  it('asks again with an older epoch when the leader never had the follower\'s latest one', async () => {
    const { leader, follower, fetchers } = setUp()
    // Offset 2 has epoch 0 on the follower but epoch 1 on the leader: one step (min of the leader's
    // end of epoch 1 and the follower's end of epoch 0, 3) would keep it.
    leader.log('t-0', [0, 0, 1, 1, 1, 3], 3)
    follower.log('t-0', [0, 0, 0, 2, 2])
    fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 3, latestEpoch: 2, logEndOffset: 5 })
    await waitFor('the follower to match the leader', () => epochsOf(follower.logs.get('t-0')).join() === '0,0,1,1,1,3' || undefined)
    expect(leader.asked.filter(([op]) => op === 'offsetsForLeaderEpoch').map(([, , e]) => e)).toEqual([2, 0])
    expect(follower.ops.filter(([op]) => op === 'truncate').map(([, , o]) => o)).toEqual([3, 2])
  })

  it('keeps fetching the other partitions while one is fenced, and restarts that one on a newer follow', async () => {
    const { clock, leader, follower, fetchers } = setUp()
    leader.log('t-0', [0, 0], 0)
    leader.log('t-1', [0, 1, 1], 1)
    follower.log('t-0', [])
    follower.log('t-1', [])
    fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 0, latestEpoch: -1, logEndOffset: 0 })
    fetchers.follow('t', 1, { leader: LEADER, leaderEpoch: 0, latestEpoch: -1, logEndOffset: 0 }) // epoch 0 < the leader's 1: fenced
    await waitFor('partition 0 to catch up', () => follower.logs.get('t-0')!.logEndOffset === 2)
    leader.append('t-0', 3)
    await waitFor('partition 0 to keep going', () => follower.logs.get('t-0')!.logEndOffset === 5)
    expect(follower.logs.get('t-1')!.logEndOffset).toBe(0)
    expect(fetchers.followed().find((p) => p.partition === 1)).toMatchObject({ leaderEpoch: 0, fetchOffset: 0 })
    fetchers.follow('t', 1, { leader: LEADER, leaderEpoch: 1, latestEpoch: -1, logEndOffset: 0 })
    // The long poll in flight for partition 0 ends first (maxWaitMs); the next request carries both.
    await clock.advance(500)
    await waitFor('partition 1 to catch up at the new epoch', () => follower.logs.get('t-1')!.logEndOffset === 3)
    expect(epochsOf(follower.logs.get('t-1'))).toEqual([0, 1, 1])
  })

  it('backs off on the clock while the leader is unreachable, then goes on', async () => {
    const { clock, leader, follower, fetchers } = setUp()
    leader.log('t-0', [0, 0, 0], 0)
    follower.log('t-0', [])
    leader.down = true
    fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 0, latestEpoch: -1, logEndOffset: 0 })
    await waitFor('a first attempt', () => leader.attempts === 1)
    await flushPromises()
    expect(leader.attempts).toBe(1)
    await clock.advance(999)
    expect(leader.attempts).toBe(1)
    await clock.advance(1)
    expect(leader.attempts).toBe(2)
    leader.down = false
    await clock.advance(1000)
    await waitFor('the follower to catch up', () => follower.logs.get('t-0')!.logEndOffset === 3)
  })

  it('reports its stable end offset, not its log end, as the fetch offset', async () => {
    const { leader, follower, fetchers } = setUp()
    leader.log('t-0', [0, 0, 0, 0], 0)
    follower.log('t-0', [])
    follower.stableLag = 1
    fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 0, latestEpoch: -1, logEndOffset: 0 })
    await waitFor('the follower to catch up', () => follower.logs.get('t-0')!.logEndOffset === 4)
    await waitFor('fetches up to the stable end', () => leader.asked.filter(([op]) => op === 'replicaFetch').length >= 3)
    // From 0 (empty), then 3 (stable after the first append, though the log ends at 4), then 4.
    expect(leader.asked.filter(([op]) => op === 'replicaFetch').map(([, , o]) => o).slice(0, 3)).toEqual([0, 3, 4])
  })

  it('is idempotent for the same leader and epoch; unfollow and close stop the fetching', async () => {
    const { leader, follower, fetchers } = setUp()
    leader.log('t-0', [0, 0], 0)
    follower.log('t-0', [0])
    const spec = { leader: LEADER, leaderEpoch: 0, latestEpoch: 0, logEndOffset: 1 }
    fetchers.follow('t', 0, spec)
    await waitFor('the follower to catch up', () => follower.logs.get('t-0')!.logEndOffset === 2)
    fetchers.follow('t', 0, spec)
    await flushPromises()
    expect(leader.asked.filter(([op]) => op === 'offsetsForLeaderEpoch')).toHaveLength(1)
    await waitFor('a long poll in flight', () => leader.inFlight === 1)
    fetchers.unfollow('t', 0)
    await waitFor('the long poll to be given up', () => leader.inFlight === 0)
    expect(fetchers.followed()).toEqual([])
    expect(fetchers.lagOf('t', 0)).toBeUndefined()
    leader.append('t-0', 1)
    await flushPromises()
    expect(follower.logs.get('t-0')!.logEndOffset).toBe(2)
    await fetchers.close()
  })

  describe('under the replication throttle', () => {
    /** Partition 0 is being added (throttled), partition 1 is not; 10 000 one-byte offsets on the leader. */
    function throttled(rate: { value: number | null }, debtBytes = 0) {
      const throttle = new ReplicationThrottle({ rateBytesPerSec: () => rate.value, isMoving: (_topic, p) => p === 0 })
      throttle.record(debtBytes, 0)
      const t = setUp(throttle)
      t.leader.log('t-0', new Array<number>(10_000).fill(0), 0)
      t.leader.log('t-1', new Array<number>(10_000).fill(0), 0)
      t.follower.log('t-0', [])
      t.follower.log('t-1', [])
      t.fetchers.follow('t', 0, { leader: LEADER, leaderEpoch: 0, latestEpoch: -1, logEndOffset: 0 })
      return { ...t, throttle, end: (p: number) => t.follower.logs.get(`t-${p}`)!.logEndOffset }
    }

    it('asks for no more than the bucket holds, apart from the partitions not throttled, and keeps the rate', async () => {
      const rate = { value: 1000 as number | null }
      const { clock, leader, fetchers, throttle, end } = throttled(rate)
      fetchers.follow('t', 1, { leader: LEADER, leaderEpoch: 0, latestEpoch: -1, logEndOffset: 0 })
      await waitFor('the partition not throttled to catch up at once', () => end(1) === 10_000)
      await waitFor('a first throttled fetch', () => end(0) > 0)
      expect(end(0)).toBeLessThanOrEqual(THROTTLE_FETCH_BYTES_MIN)
      for (let s = 1; s <= 5; s++) {
        await clock.advance(1000)
        // 1000 B/s: at most what the seconds paid for, plus the one fetch that may run into debt.
        expect(throttle.throttledBytes).toBeLessThanOrEqual(1000 * s + 1000 + THROTTLE_FETCH_BYTES_MIN + 8)
      }
      expect(end(0)).toBeGreaterThan(3000)
      for (const f of leader.fetches) {
        if (f.keys.includes('t-0')) expect(f.keys).toEqual(['t-0'])
        if (f.keys.includes('t-0')) expect(f.maxBytes).toBeLessThanOrEqual(1000 + THROTTLE_FETCH_BYTES_MIN)
      }
      expect(leader.inFlightMax).toBe(1)
    })

    it('takes a removed throttle within one fetch wait, however deep in debt', async () => {
      const rate = { value: 100 as number | null }
      // 10 KB of debt at 100 B/s: 100 s to pay back.
      const { clock, leader, throttle, end } = throttled(rate, 10_000)
      expect(throttle.delayMs(clock.now())).toBe(100_000)
      await flushPromises()
      await clock.advance(499)
      expect(leader.fetches).toEqual([])
      rate.value = null
      await clock.advance(1)
      await waitFor('the replica to fetch it all', () => end(0) === 10_000)
    })

    it('takes a raised throttle within one fetch wait', async () => {
      const rate = { value: 100 as number | null }
      const { clock, throttle, end } = throttled(rate)
      await waitFor('a first throttled fetch', () => end(0) > 0)
      // Within the bucket: never 10 KB at 100 B/s, which would be 100 s of debt.
      expect(end(0)).toBeLessThanOrEqual(THROTTLE_FETCH_BYTES_MIN)
      expect(throttle.delayMs(clock.now())).toBeGreaterThan(500)
      rate.value = 1_000_000
      await clock.advance(500)
      await waitFor('the replica to fetch the rest at the new rate', () => end(0) === 10_000)
    })
  })
})

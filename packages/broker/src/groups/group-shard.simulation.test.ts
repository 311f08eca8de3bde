// A seeded simulation of a group shard over an adversarial offsets partition: ops of several groups
// (commits, fetches, group deletions, joins, lists) arrive while appends resolve late, out of order
// or fail at random, the clock jumps and ticks run, and leadership moves away now and then. After each
// failure or move, a new shard loads from the log a new leader would hold: every committed batch,
// plus a random part of the uncommitted ones (they may or may not have reached the new leader).
// Checked on every answer and every reload:
//  - nothing is answered before every append sent up to its op has committed (barrier);
//  - every op is answered; nothing before the log the shard loaded is committed (its load marker);
//  - answers (other than coordinator errors) come in op order, and each says what a one-at-a-time
//    model says (a fetch gives the offsets of the ops before it; a delete refuses an unknown group);
//  - after a reload, each committed offset is the last one the shard answered OK for that key, or one
//    of the changes attempted after it (unanswered, or answered NOT_COORDINATOR): never an older one.
// A failure prints its seed; SEED=n replays that one alone.
import { describe, expect, it } from 'vitest'
import { ErrorCode, type FaecieError } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { GroupShard } from './group-shard.js'
import { MemoryOffsetsHost } from './shard-test-support.js'
import { seededRandom } from '../storage/simulated-disk.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const GROUPS = ['g0', 'g1', 'g2', 'g3']
const PARTITIONS = 4
const STEPS = 400
const SEEDS = process.env.SEED === undefined ? Array.from({ length: 40 }, (_, i) => i + 1) : [Number(process.env.SEED)]
const PENDING_OPS_MAX = 12
const COORDINATOR_ERRORS: number[] = [ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]

type Value = number | undefined
/** A change of one key (group, partition) since the last reload: what it would leave, and what the shard said. */
interface Change { value: Value; status: 'pending' | 'ok' | 'refused' | 'notCoordinator' }

class Simulation {
  readonly rand: () => number
  now = 1_000
  host = new MemoryOffsetsHost()
  shard!: GroupShard
  checked = false
  /** The model of the shard's memory, one op at a time. */
  memory = new Map<string, Value>()
  groups = new Set<string>()
  /** Per key: its value at the last reload, and the changes since. */
  base = new Map<string, Value>()
  changes = new Map<string, Change[]>()
  nextOp = 0
  lastAnswered = -1
  nextOffset = 0
  reloads = 0
  okAnswers = 0
  answers = 0
  readonly problems: string[] = []
  readonly topics = { topic: (t: string) => (t === 't' ? { partitions: PARTITIONS, topicId: 'id-t' } : undefined), names: () => ['t'] }

  constructor(readonly seed: number) {
    this.rand = seededRandom(seed)
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!
  }

  start(): void {
    this.checked = false
    this.shard = new GroupShard({ partition: 3, host: this.host, clock: () => this.now, topics: this.topics, logger: silentLogger(),
      pendingOpsMax: PENDING_OPS_MAX, appendBatchBytesMax: 400,
      settings: { startupAssignmentDelayMs: 0, offsetsRetentionMs: 1e12, sessionTimeoutMsMin: 100 } })
    this.shard.load().catch(() => undefined)
  }

  /** The log a new leader holds; a new shard loads from it. */
  reload(): void {
    const keepRate = this.rand()
    this.host = this.host.successor(() => this.rand() < keepRate)
    this.reloads++
    this.start()
  }

  /** Once the new shard is active: what it loaded must keep every change answered OK. */
  async check(): Promise<void> {
    this.checked = true
    const shard = this.shard
    const listed = shard.run('listGroups', {})
    const fetched = GROUPS.map((groupId) => shard.run('fetchOffsets', { groupId }))
    await turn()
    let groups: string[]
    let offsets: Awaited<(typeof fetched)[number]>[]
    try {
      groups = (await listed).groups.map((g) => g.groupId).filter((g) => g !== 'hb')
      offsets = await Promise.all(fetched)
    } catch (err) {
      if (shard.state !== 'active') return // failed meanwhile: checked at the next reload
      throw err
    }
    const observed = new Map<string, Value>()
    for (const r of offsets) for (const p of r.topics.flatMap((t) => t.partitions)) observed.set(`${r.groupId}/${p.partition}`, p.offset)
    for (const key of new Set([...observed.keys(), ...this.base.keys(), ...this.changes.keys()])) {
      const history = this.changes.get(key) ?? []
      const lastOk = history.map((c) => c.status).lastIndexOf('ok')
      const allowed = history.slice(Math.max(0, lastOk)).filter((c) => c.status !== 'refused').map((c) => c.value)
      if (lastOk < 0) allowed.push(this.base.get(key))
      if (!allowed.includes(observed.get(key))) {
        this.problems.push(`reload ${this.reloads}: ${key} = ${observed.get(key)}, allowed ${JSON.stringify(allowed)} (history ${JSON.stringify(history)})`)
      }
    }
    this.memory = new Map(observed)
    this.base = new Map(observed)
    this.changes = new Map()
    this.groups = new Set(groups)
  }

  /** Sends one op; `expect` is what the model says of it, given the shard ran it. */
  issue(): void {
    const shard = this.shard
    const refusedAtOnce = shard.state !== 'active' || shard.pendingOps >= PENDING_OPS_MAX
    const index = this.nextOp++
    const host = this.host
    const r = this.rand()
    const groupId = this.pick(GROUPS)
    let promise: Promise<unknown>
    let expected: (value: unknown) => string | undefined = () => undefined
    let changed: Change[] = []
    let refusalCode: number | undefined
    if (r < 0.5) {
      const partition = Math.floor(this.rand() * PARTITIONS)
      const offset = ++this.nextOffset
      promise = shard.run('commitOffsets', { groupId, topics: [{ topic: 't', partitions: [{ partition, offset }] }] })
      if (!refusedAtOnce) {
        changed = [this.change(`${groupId}/${partition}`, offset)]
        this.groups.add(groupId)
      }
    } else if (r < 0.75) {
      const want = GROUPS.includes(groupId) ? [...this.memory].filter(([k, v]) => k.startsWith(`${groupId}/`) && v !== undefined) : []
      promise = shard.run('fetchOffsets', { groupId })
      expected = (value) => {
        const got = (value as { topics: { partitions: { partition: number; offset: number }[] }[] }).topics.flatMap((t) => t.partitions)
          .map((p) => [`${groupId}/${p.partition}`, p.offset] as const)
        return JSON.stringify(got.sort()) === JSON.stringify(want.sort()) ? undefined : `fetch ${groupId}: ${JSON.stringify(got)}, model ${JSON.stringify(want)}`
      }
    } else if (r < 0.85) {
      promise = shard.run('deleteGroup', { groupId })
      if (!refusedAtOnce) {
        if (this.groups.delete(groupId)) {
          changed = [...this.memory.keys()].filter((k) => k.startsWith(`${groupId}/`)).map((k) => this.change(k, undefined))
        } else refusalCode = ErrorCode.GROUP_ID_NOT_FOUND
      }
    } else if (r < 0.95) {
      promise = shard.run('heartbeat', { groupId: 'hb', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], rebalanceTimeoutMs: 1_000, sessionTimeoutMs: 1_000 })
    } else {
      promise = shard.run('listGroups', {})
    }
    const sentBefore = host.appends.length
    promise.then((value) => this.answered(index, host, sentBefore, changed, expected(value), undefined, refusalCode),
      (err: FaecieError) => this.answered(index, host, sentBefore, changed, undefined, err, refusalCode))
    if (refusedAtOnce) {
      const want = shard.state === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
        : shard.state === 'active' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR
      void promise.then(() => this.problems.push(`op ${index} ran though the shard could not take it`),
        (err: FaecieError) => { if (err.code !== want) this.problems.push(`op ${index} refused with ${err.code}, not ${want}`) })
    }
  }

  change(key: string, value: Value): Change {
    const change: Change = { value, status: 'pending' }
    this.changes.set(key, [...(this.changes.get(key) ?? []), change])
    if (value === undefined) this.memory.delete(key)
    else this.memory.set(key, value)
    return change
  }

  answered(index: number, host: MemoryOffsetsHost, sentBefore: number, changed: Change[], mismatch: string | undefined,
    err: FaecieError | undefined, refusalCode: number | undefined): void {
    this.answers++
    if (err !== undefined && COORDINATOR_ERRORS.includes(err.code)) {
      for (const c of changed) c.status = 'notCoordinator'
      return
    }
    const uncommitted = host.appends.slice(0, sentBefore).filter((a) => a.state !== 'committed').map((a) => a.seq)
    if (uncommitted.length > 0) this.problems.push(`op ${index} answered before appends ${uncommitted} committed`)
    if (!host.startCommitted) this.problems.push(`op ${index} answered before the log the shard loaded was committed`)
    if (index <= this.lastAnswered) this.problems.push(`op ${index} answered after op ${this.lastAnswered}`)
    this.lastAnswered = index
    if (mismatch !== undefined) this.problems.push(`op ${index}: ${mismatch}`)
    if ((err?.code) !== refusalCode) this.problems.push(`op ${index} answered ${err?.code ?? 'OK'}, model says ${refusalCode ?? 'OK'}`)
    for (const c of changed) c.status = err === undefined ? 'ok' : 'refused'
    if (err === undefined) this.okAnswers++
  }

  async step(): Promise<void> {
    if (this.shard.state === 'active' && !this.checked) await this.check()
    const r = this.rand()
    if (r < 0.45) this.issue()
    else if (r < 0.85) {
      const pending = this.host.pending()
      if (pending.length > 0) {
        const append = this.pick(pending)
        if (this.rand() < 0.95) append.commit()
        else append.fail()
      }
    } else if (r < 0.95) {
      this.now += Math.floor(this.rand() * 1_500)
      this.shard.tick()
    } else if (r < 0.955) this.shard.close('leadership moved')
    if (this.rand() < 0.5) await turn()
    if (this.shard.state === 'failed' || this.shard.state === 'closed') {
      await turn()
      this.reload()
    }
  }
}

describe('GroupShard simulation', () => {
  it.each(SEEDS)('seed %i: answers after commit, in order; what was answered OK survives every reload', async (seed) => {
    const sim = new Simulation(seed)
    sim.start()
    for (let i = 0; i < STEPS && sim.problems.length === 0; i++) await sim.step()
    // The end: everything committed, then one last reload keeps all that was answered OK.
    sim.host.commitAll()
    await turn()
    if (sim.shard.state === 'active' && !sim.checked) await sim.check()
    sim.shard.close('end')
    sim.reload()
    for (let i = 0; i < 10 && sim.shard.state === 'loading'; i++) {
      await turn()
      sim.host.commitAll()
    }
    await turn()
    expect(sim.shard.state, `seed ${seed}`).toBe('active')
    await sim.check()
    if (process.env.SIM_STATS !== undefined) console.log(`seed ${seed}: ${sim.reloads} reloads, ${sim.okAnswers} OK answers, ${sim.nextOp} ops, ${sim.host.logEndOffset} records`)
    expect(sim.answers, `seed ${seed}: every op is answered`).toBe(sim.nextOp)
    expect(sim.problems, `seed ${seed} (replay: SEED=${seed})`).toEqual([])
    expect(sim.okAnswers, `seed ${seed}: the simulation answered too little to mean anything`).toBeGreaterThan(10)
  })
})

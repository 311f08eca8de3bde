// The clients of a fault campaign (issue 15).
//
// A Workload runs real @faecie/client producers and consumers against the cluster and records every
// operation into a history (../history/history.ts): produce ops per record, read ops per delivery,
// commit and fetch-committed ops of one consumer group. It never throws at a fault: every failure is
// an op with outcome fail or unknown, and the clients keep going.
//
// The clients (each in its own file):
//   producers.ts  `idem1`, `idem2`: idempotent, acks=all; `leader1`: acks=1 (its losses are allowed,
//                 only counted). Values `<producer>-<n>`, one ProduceOp per record.
//   readers.ts    `fetcher` (mode 'fetch') and `pusher` (mode 'push'): assigned every partition from
//                 offset 0; each delivery a ReadOp.
//   group.ts      `member1`, `member2` of group `<topic>-group` (KIP-848), committing by hand after
//                 each delivery (a ReadOp and a CommitOp); `poller` reading the committed offsets
//                 through the admin client (FetchCommittedOps) every ~500 ms.
//   final-logs.ts the final read, and the topic's readiness, over raw protocol sessions.
//
// Memory is bounded: each producer sends at most recordsPerSecMax records a second with at most
// inFlightMax in flight; the consumers' read-ahead is the client's bufferBytesMax; ops in flight are
// capped (recorder.ts PENDING_OPS_MAX). The history itself grows with the campaign's length.
//
// stop() always ends: the clients stop invoking ops at once, ops in flight get stopTimeoutMs to
// complete, the producers are closed, the readers get readerCatchUpTimeoutMs to reach the final high
// watermarks (a partition not reached is recorded as given up), then ops still in flight are closed
// as unknown and the log is frozen; each client's disconnect is waited for at most DISCONNECT_TIMEOUT_MS.
import { Faecie } from '@faecie/client'
import type { FinalLog, Op } from '../history/history.js'
import { type ResolvedWorkloadOptions, WorkloadContext, disconnectWithin, resolveOptions } from './context.js'
import { highWatermarks, readFinalLogs, waitForFullIsr } from './final-logs.js'
import { CommittedPoller, GroupMemberLoop } from './group.js'
import { ProducerLoop, type ProducerSpec } from './producers.js'
import { ReaderLoop } from './readers.js'
import { OpRecorder } from './recorder.js'

export interface WorkloadOptions {
  /** Every broker's ws:// URL (the clients' bootstrap list). Called again after a restart. */
  urls: () => string[]
  /** Topic the workload creates (RF 3, min.insync.replicas 2) and uses. */
  topic: string
  partitions: number
  /** Monotonic ms of the test process (performance.now), the history's clock. */
  clock: () => number
  /** Sends in flight per producer; default 8. */
  inFlightMax?: number
  /** Records per second per producer at most; default 100. */
  recordsPerSecMax?: number
  /** A client's request timeout; default 5000. */
  requestTimeoutMs?: number
  /** How long stop() waits for ops in flight before closing them as unknown; default 30000. */
  stopTimeoutMs?: number
  /** How long start() and readFinalLogs() wait for leaders and full ISRs (and the final reads); default 90000. */
  finalLogTimeoutMs?: number
  /** How long stop() waits for the final high watermarks, then for each reader to reach them, before it records giving up; default 30000. */
  readerCatchUpTimeoutMs?: number
}

export const PRODUCERS: readonly ProducerSpec[] = [
  { name: 'idem1', acks: 'all', idempotent: true },
  { name: 'idem2', acks: 'all', idempotent: true },
  { name: 'leader1', acks: 'leader', idempotent: false },
]
/** Group members of the workload's consumer group. */
export const GROUP_MEMBERS = 2

export class Workload {
  private readonly resolved: ResolvedWorkloadOptions
  private readonly recorder: OpRecorder
  private readonly ctx: WorkloadContext
  private readonly producers: ProducerLoop[]
  private readonly readers: ReaderLoop[]
  private readonly members: GroupMemberLoop[]
  private readonly poller: CommittedPoller
  readonly group: string
  private state: 'new' | 'started' | 'stopped' = 'new'

  constructor(readonly options: WorkloadOptions) {
    this.resolved = resolveOptions(options)
    this.recorder = new OpRecorder(this.resolved.clock)
    this.ctx = new WorkloadContext(this.resolved, this.recorder)
    this.group = `${this.resolved.topic}-group`
    this.producers = PRODUCERS.map((spec) => new ProducerLoop(this.ctx, spec))
    this.readers = [new ReaderLoop(this.ctx, 'fetcher', 'fetch'), new ReaderLoop(this.ctx, 'pusher', 'push')]
    this.members = Array.from({ length: GROUP_MEMBERS }, (_, i) => new GroupMemberLoop(this.ctx, `member${i + 1}`, this.group))
    this.poller = new CommittedPoller(this.ctx, 'poller', this.group)
  }

  /** Creates the topic, waits for its replicas, and starts every client. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`Workload.start: already ${this.state}`)
    this.state = 'started'
    const { topic, partitions, finalLogTimeoutMs } = this.resolved
    const admin = new Faecie({ clientId: 'workload-setup', brokers: this.resolved.urls(), requestTimeoutMs: this.resolved.requestTimeoutMs }).admin()
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }], ifNotExists: true })
    } finally {
      await disconnectWithin(admin)
    }
    await waitForFullIsr(this.resolved.urls, topic, partitions, finalLogTimeoutMs)
    await Promise.all([...this.readers, ...this.members].map((client) => client.start()))
    for (const producer of this.producers) producer.start()
    this.poller.start()
  }

  /**
   * Stops every client and waits until every op it invoked has completed (ok, fail or unknown). The
   * producers stop and are closed first; then the readers get (bounded) time to read every partition
   * up to the high watermark the cluster ended with (what they did not reach is recorded as given up).
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    this.ctx.stopper.abort()
    await Promise.all(this.producers.map((p) => p.stop()))
    await this.recorder.waitIdle(this.resolved.stopTimeoutMs)
    // Closed before the high watermarks are read: no send of theirs can land after.
    await Promise.all(this.producers.map((p) => p.close()))
    await this.catchUpReaders()
    this.recorder.freeze(`still in flight ${this.resolved.stopTimeoutMs} ms after the workload stopped`)
    await Promise.all([
      ...this.readers.map((r) => r.close()),
      ...this.members.map((m) => m.close()),
      this.poller.stop(),
    ])
  }

  /** The partitions each reader was left short of at the stop (reader name -> partitions). */
  readonly readersShort = new Map<string, number[]>()

  private async catchUpReaders(): Promise<void> {
    const { urls, topic, partitions, readerCatchUpTimeoutMs } = this.resolved
    let marks: number[]
    try {
      marks = await highWatermarks(urls, topic, partitions, readerCatchUpTimeoutMs)
    } catch (err) {
      for (const reader of this.readers) {
        reader.gaveUp(`the final high watermarks could not be read: ${String(err)}`)
        this.readersShort.set(reader.name, Array.from({ length: partitions }, (_, p) => p))
      }
      return
    }
    await Promise.all(this.readers.map(async (reader) => this.readersShort.set(reader.name, await reader.catchUp(marks, readerCatchUpTimeoutMs))))
  }

  /** Every op recorded so far, in the order they completed. */
  ops(): Op[] {
    return this.recorder.ops()
  }

  /** How the clients fared, for a report or a failing test's message. */
  summary(): string {
    const counts = new Map<string, number>()
    for (const op of this.recorder.ops()) counts.set(`${op.type} ${op.outcome}`, (counts.get(`${op.type} ${op.outcome}`) ?? 0) + 1)
    const crashes = [...this.readers, ...this.members].map((c) => `${c.name} ${c.crashCount}${c.lastCrash === undefined ? '' : ` (last: ${c.lastCrash.slice(0, 160)})`}`).join(', ')
    const short = [...this.readersShort].filter(([, ps]) => ps.length > 0).map(([name, ps]) => `${name} [${ps.join(',')}]`).join(', ')
    return `ops: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}; crashes: ${crashes}; in flight: ${this.recorder.pendingCount}` +
      (short === '' ? '' : `; readers short at the stop: ${short}`)
  }

  /** Ops invoked and not completed yet. */
  get inFlightCount(): number {
    return this.recorder.pendingCount
  }

  /** The group members' partitions now (member name -> partitions). */
  groupAssignment(): Map<string, number[]> {
    return new Map(this.members.map((m) => [m.name, m.assignment()]))
  }

  /**
   * After every fault is healed: each partition's whole log, from its log start to its high
   * watermark, read from its leader; waits (bounded) until every partition has a leader and a full ISR.
   */
  async readFinalLogs(): Promise<FinalLog[]> {
    const { urls, topic, partitions, finalLogTimeoutMs } = this.resolved
    return readFinalLogs(urls, topic, partitions, finalLogTimeoutMs)
  }
}

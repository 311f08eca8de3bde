// The consumer group of the workload: members (KIP-848, the client's GroupConsumer) subscribed to
// the topic with auto-commit off. Each delivery is a ReadOp (as readers.ts records them), then the
// member commits the offset after it (the next record to read, as Kafka commits) and records a
// CommitOp. The commit is awaited inside the handler, so one member never has two commits in
// flight: no commit of the member can be superseded by another of its own while retried.
//
// Commit outcomes: ok when commitOffsets resolved; fail only for a RangeError/TypeError (refused by
// the client before sending); anything else is unknown (an attempt may have reached the coordinator
// before the connection was lost, and a retry refused as fenced does not undo it).
//
// A poller reads the group's committed offsets through the admin client (fetchOffsets) every
// COMMITTED_POLL_INTERVAL_MS, recording one FetchCommittedOp per partition the answer names, with the
// offset it says (a partition it leaves out is no observation: nothing is recorded for it, no -1
// inferred); a failed read is a fail (a read has no effect). Members that crash, and an admin that fails
// FAILURES_BEFORE_RECREATE times in a row or whose bootstrap list changed, are made again.
import type { Admin, GroupConsumer } from '@faecie/client'
import type { CommitOp, FetchCommittedOp, ReadOp } from '../history/history.js'
import { FAILURES_BEFORE_RECREATE, RECREATE_BACKOFF_MS, type WorkloadContext, disconnectWithin } from './context.js'
import { READER_BUFFER_BYTES_MAX, READER_MAX_WAIT_MS, valueText } from './readers.js'

/** How often the poller reads the committed offsets. */
export const COMMITTED_POLL_INTERVAL_MS = 500
/** The members' session with the coordinator (the broker bounds it). */
export const MEMBER_SESSION_TIMEOUT_MS = 6_000
/** How long a member may take to hand over a partition it loses (its commit in progress included). */
export const MEMBER_REBALANCE_TIMEOUT_MS = 20_000

export class GroupMemberLoop {
  private consumer: GroupConsumer | undefined
  private crashes = 0
  /** What the last crash said (for a report), if it crashed. */
  lastCrash: string | undefined
  private restarting: Promise<void> | undefined

  constructor(private readonly ctx: WorkloadContext, readonly name: string, readonly group: string) {}

  get crashCount(): number {
    return this.crashes
  }

  /** The partitions this member owns now. */
  assignment(): number[] {
    return this.consumer?.assignment().map((tp) => tp.partition) ?? []
  }

  async start(): Promise<void> {
    await this.open()
  }

  async close(): Promise<void> {
    await this.restarting
    const consumer = this.consumer
    this.consumer = undefined
    await disconnectWithin(consumer)
  }

  private async open(): Promise<void> {
    if (this.ctx.stopping) return
    const { topic, clock } = this.ctx.options
    const recorder = this.ctx.recorder
    const consumer = this.ctx.client(this.name).consumer({
      groupId: this.group, autoCommit: false, autoOffsetReset: 'earliest', maxWaitMs: READER_MAX_WAIT_MS, bufferBytesMax: READER_BUFFER_BYTES_MAX,
      sessionTimeoutMs: MEMBER_SESSION_TIMEOUT_MS, rebalanceTimeoutMs: MEMBER_REBALANCE_TIMEOUT_MS,
    })
    this.consumer = consumer
    const sinceMs = clock()
    consumer.on('crash', (err) => this.crashed(consumer, err))
    await consumer.subscribe({ topics: [topic] })
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (this.consumer !== consumer || this.ctx.stopping) return
        const records = batch.messages.map((m) => ({ offset: m.offset, value: valueText(m.value) }))
        if (records.length === 0) return
        const { partition } = batch
        recorder.record<ReadOp>({ type: 'read', client: this.name, topic, partition, invokedMs: sinceMs, outcome: 'ok', records })
        const offset = records[records.length - 1]!.offset + 1
        const op = recorder.begin<CommitOp>({ type: 'commit', client: this.name, group: this.group, topic, partition, offset })
        if (op === undefined) return
        await consumer.commitOffsets([{ topic, partition, offset }]).then(
          () => op.ok(),
          (err: unknown) => op.end(err instanceof RangeError || err instanceof TypeError ? 'fail' : 'unknown', err),
        )
      },
    })
  }

  private crashed(consumer: GroupConsumer, err: unknown): void {
    if (this.consumer !== consumer || this.ctx.stopping) return
    this.crashes++
    this.lastCrash = String(err)
    // A crash is no op of its own: a commit in progress completes its op as the client answers it.
    this.consumer = undefined
    this.restarting = (async () => {
      await disconnectWithin(consumer) // the client disconnects a crashed member itself; bounded anyway
      await this.ctx.sleep(RECREATE_BACKOFF_MS)
      await this.open().catch(() => undefined)
    })()
  }
}

/** Reads the group's committed offsets over and over through the admin client. */
export class CommittedPoller {
  private admin: Admin | undefined
  private adminUrls = ''
  private failuresInRow = 0
  private loop: Promise<void> | undefined

  constructor(private readonly ctx: WorkloadContext, readonly name: string, readonly group: string) {}

  start(): void {
    this.loop ??= this.run()
  }

  async stop(): Promise<void> {
    await this.loop
    await disconnectWithin(this.admin)
    this.admin = undefined
  }

  private async run(): Promise<void> {
    while (!this.ctx.stopping) {
      await this.pollOnce()
      // The pace of the sampling, not a wait for an event.
      await this.ctx.sleep(COMMITTED_POLL_INTERVAL_MS)
    }
  }

  private async pollOnce(): Promise<void> {
    const { topic, partitions } = this.ctx.options
    const urls = this.ctx.urlsKey()
    if (this.admin === undefined || this.failuresInRow >= FAILURES_BEFORE_RECREATE || urls !== this.adminUrls) {
      void disconnectWithin(this.admin)
      this.admin = this.ctx.client(this.name).admin()
      this.adminUrls = urls
      this.failuresInRow = 0
    }
    const ops = Array.from({ length: partitions }, (_, partition) =>
      this.ctx.recorder.begin<FetchCommittedOp>({ type: 'fetch-committed', client: this.name, group: this.group, topic, partition }))
    let failed = false
    const answered = this.admin.fetchOffsets({ groupId: this.group, topics: [topic] }).then(
      (answer) => {
        const found = new Map((answer.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]))
        ops.forEach((op, partition) => {
          const offset = found.get(partition)
          if (offset === undefined) op?.drop()
          else op?.ok({ offset })
        })
        this.failuresInRow = 0
      },
      (err: unknown) => {
        failed = true
        this.failuresInRow++
        for (const op of ops) op?.fail(err)
      },
    )
    // At the stop, an answer still awaited is left to the recorder (closed as unknown if it never comes).
    await this.ctx.untilStopped(answered)
    if (failed && !this.ctx.stopping) await this.ctx.sleep(RECREATE_BACKOFF_MS)
  }
}

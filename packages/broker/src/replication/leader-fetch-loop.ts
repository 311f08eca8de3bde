// The fetch loop of one leader broker: every partition this broker follows from that leader, one
// request in flight at a time over the peer link (replica-fetchers.ts owns the loops).
//
// Each turn takes the partitions not waiting out a backoff. Those that must first find where their
// log diverges (a new leader or epoch, or an OFFSET_OUT_OF_RANGE) go in one offsetsForLeaderEpoch
// request, then truncate (truncation.ts); otherwise all go in one replicaFetch long poll from their
// fetch offsets (the order turns by one each time, so a leader's read budget is not always spent on
// the same partitions first). Fetched records are appended with appendReplica, passing the leader's
// high watermark and log start; the next fetch offset is the follower's stable end offset (under
// flush `always` only what is fsynced is reported, so the leader's high watermark never counts
// bytes a follower could lose). A partition's error holds that partition alone for backoffMs;
// a request that fails whole (link lost, peer down) holds the loop for backoffMs, and the next
// request reconnects. Partitions whose answers come back (actor ops) are handled concurrently; the
// next request goes out once all are done. Partitions under the replication throttle (replicas this
// broker is adding and not yet in the ISR, replication-throttle.ts) go in a request of their own, just
// before the others' (not a long poll when there are others), asking for at most the bytes the
// throttle's bucket holds; their fetched bytes are taken from it. While it is in debt they are left
// out, and a loop with nothing else to do sleeps until the first of them may go, at most
// fetchMaxWaitMs at a time (the rate may have been removed or raised meanwhile: asked again each turn).
import { ErrorCode, FaecieError, type OffsetsForLeaderEpochPartitionResult, type ReplicaFetchPartitionResult } from '@faecie/protocol'
import type { Followed, FetcherContext } from './replica-fetchers.js'
import { truncationStep } from './truncation.js'
import { validEpochResult, validFetchResult } from './answers.js'

/** What an actor that takes no appendReplica without records answers one with. */
const EMPTY_APPEND_REFUSALS: ReadonlySet<number> = new Set([ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_RECORD])

export class LeaderFetchLoop {
  readonly leaderId: number
  readonly partitions = new Map<string, Followed>()
  readonly #ctx: FetcherContext
  readonly #abort = new AbortController()
  readonly #done: Promise<void>
  #wake: (() => void) | undefined
  #stopped = false
  #rotation = 0
  #failures = 0

  constructor(leaderId: number, ctx: FetcherContext) {
    this.leaderId = leaderId
    this.#ctx = ctx
    this.#done = this.#run()
  }

  add(p: Followed): void {
    this.partitions.set(p.key, p)
    this.#wake?.()
  }

  remove(key: string): void {
    this.partitions.delete(key)
  }

  /** Stops the loop: the request in flight is abandoned; resolves when the loop has ended. */
  stop(): Promise<void> {
    this.#stopped = true
    this.#abort.abort()
    this.#wake?.()
    return this.#done
  }

  async #run(): Promise<void> {
    const { clock, logger, fetchMaxWaitMs } = this.#ctx
    while (!this.#stopped) {
      const nowMs = clock.now()
      const delayMs = this.#ctx.throttle?.delayMs(nowMs) ?? 0
      const heldBack = (p: Followed): boolean => delayMs > 0 && this.#throttled(p)
      const ready = [...this.partitions.values()].filter((p) => p.retryAtMs <= nowMs && !heldBack(p))
      if (ready.length === 0) {
        // A throttled partition is looked at again after at most fetchMaxWaitMs, whatever its debt.
        const next = Math.min(...[...this.partitions.values()].map((p) => Math.max(p.retryAtMs, heldBack(p) ? nowMs + Math.min(delayMs, fetchMaxWaitMs) : 0)))
        await this.#sleep(Number.isFinite(next) ? next - nowMs : this.#ctx.backoffMs, true)
        continue
      }
      const truncating = ready.filter((p) => p.phase === 'truncate')
      try {
        if (truncating.length > 0) await this.#truncate(truncating)
        else await this.#fetchReady(ready)
        if (this.#failures > 0) logger.info({ leader: this.leaderId }, 'fetching from the leader again')
        this.#failures = 0
      } catch (err) {
        if (this.#stopped) break
        this.#failures++
        const log = this.#failures === 1 ? logger.warn.bind(logger) : logger.debug.bind(logger)
        log({ leader: this.leaderId, err: (err as Error).message, failures: this.#failures }, 'replica fetch request failed: backing off')
        await this.#sleep(this.#ctx.backoffMs, false)
      }
    }
  }

  #throttled(p: Followed): boolean {
    return p.phase === 'fetch' && this.#ctx.throttle?.isThrottled(p.topic, p.partition) === true
  }

  /** The throttled partitions in a request of their own, within the bucket, then the others as usual. */
  async #fetchReady(ready: Followed[]): Promise<void> {
    const { throttle, fetchMaxWaitMs, clock } = this.#ctx
    const slow = ready.filter((p) => this.#throttled(p))
    const free = ready.filter((p) => !slow.includes(p))
    if (slow.length > 0) {
      const bytes = await this.#fetch(slow, throttle!.allowanceBytes(clock.now()), free.length > 0 ? 0 : fetchMaxWaitMs)
      throttle!.record(bytes, clock.now())
    }
    if (free.length > 0) await this.#fetch(free, Number.POSITIVE_INFINITY, fetchMaxWaitMs)
  }

  /** Waits `ms` on the injected clock; a wakeable sleep also ends when a partition is added or on stop. */
  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#ctx.clock.clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
      const timer = this.#ctx.clock.setTimeout(done, Math.max(0, ms))
      this.#wake = wakeable ? done : () => { if (this.#stopped) done() }
    })
  }

  async #truncate(parts: Followed[]): Promise<void> {
    const { links, brokerId, requestTimeoutMs } = this.#ctx
    const answer = await links.request(this.leaderId, 'offsetsForLeaderEpoch', {
      brokerId,
      partitions: parts.map((p) => ({ topic: p.topic, partition: p.partition, currentLeaderEpoch: p.leaderEpoch, leaderEpoch: p.askEpoch })),
    }, { signal: this.#abort.signal, timeoutMs: requestTimeoutMs })
    const byKey = indexAnswers(answer?.partitions, validEpochResult)
    await Promise.all(parts.map((p) => this.#ctx.runOn(p, () => this.#truncateOne(p, byKey.get(p.key)))))
  }

  async #truncateOne(p: Followed, result: OffsetsForLeaderEpochPartitionResult | undefined): Promise<void> {
    const { log } = this.#ctx
    if (result === undefined) return this.#ctx.held(p, ErrorCode.CORRUPT_MESSAGE, 'no valid answer for the partition')
    if (result.error !== undefined) return this.#ctx.held(p, result.error.code, result.error.message)
    const own = result.leaderEpoch < 0 ? undefined
      : await log.request(p.topic, p.partition, { op: 'offsetsForLeaderEpoch', leaderEpoch: result.leaderEpoch, currentLeaderEpoch: null })
    if (!this.#ctx.isCurrent(p)) return
    const step = truncationStep(result, own, p.logEndOffset)
    const truncated = await log.request(p.topic, p.partition, { op: 'truncateReplica', offset: step.offset })
    p.logEndOffset = truncated.logEndOffset
    p.fetchOffset = truncated.logEndOffset
    p.highWatermark = truncated.highWatermark
    p.logStartOffset = truncated.logStartOffset
    this.#ctx.logger.info({ partition: p.key, leader: p.leader, leaderEpoch: p.leaderEpoch, asked: p.askEpoch, answer: result,
      own, truncatedTo: step.offset, logEndOffset: truncated.logEndOffset }, 'replica truncated')
    if (step.done) p.phase = 'fetch'
    else p.askEpoch = step.nextEpoch
  }

  /** One replicaFetch of `parts`, at most `maxBytes` (and the configured limits); resolves to the record bytes it brought. */
  async #fetch(parts: Followed[], maxBytes: number, maxWaitMs: number): Promise<number> {
    const { links, brokerId, fetchMaxBytes, fetchPartitionMaxBytes, requestTimeoutMs } = this.#ctx
    const turn = this.#rotation++ % parts.length
    const ordered = [...parts.slice(turn), ...parts.slice(0, turn)]
    const answer = await links.request(this.leaderId, 'replicaFetch', {
      brokerId, maxWaitMs, minBytes: 1,
      maxBytes: Math.max(1, Math.floor(Math.min(maxBytes, fetchMaxBytes, ordered.length * fetchPartitionMaxBytes))),
      partitions: ordered.map((p) => ({ topic: p.topic, partition: p.partition, fetchOffset: p.fetchOffset, leaderEpoch: p.leaderEpoch })),
    }, { signal: this.#abort.signal, timeoutMs: requestTimeoutMs + maxWaitMs })
    const byKey = indexAnswers(answer?.partitions, validFetchResult)
    let bytes = 0
    for (const p of ordered) bytes += byKey.get(p.key)?.records.length ?? 0
    await Promise.all(ordered.map((p) => {
      const result = byKey.get(p.key)
      // A partition the leader left out (an answer from an older leader version): asked again next turn.
      return result === undefined ? undefined : this.#ctx.runOn(p, () => this.#appendOne(p, result))
    }))
    return bytes
  }

  async #appendOne(p: Followed, result: ReplicaFetchPartitionResult): Promise<void> {
    if (result.error !== undefined) {
      if (result.error.code === ErrorCode.OFFSET_OUT_OF_RANGE) p.phase = 'truncate'
      return this.#ctx.held(p, result.error.code, result.error.message)
    }
    p.leaderLogEndOffset = result.logEndOffset
    if (result.logStartOffset > p.fetchOffset) {
      // The leader's log starts past everything this replica has (retention, DeleteRecords): Kafka's
      // truncate-fully-and-start-at. The replica restarts empty at the leader's log start.
      const reset = await this.#ctx.log.request(p.topic, p.partition, { op: 'resetReplica', logStartOffset: result.logStartOffset })
      this.#ctx.logger.warn({ partition: p.key, leader: p.leader, fetchOffset: p.fetchOffset, leaderLogStartOffset: result.logStartOffset },
        'replica below the leader\'s log start: restarted empty at it')
      p.fetchOffset = reset.logEndOffset
      p.logEndOffset = reset.logEndOffset
      p.highWatermark = reset.highWatermark
      p.logStartOffset = reset.logStartOffset
      return
    }
    const records = result.records
    const news = result.highWatermark > p.highWatermark || result.logStartOffset > p.logStartOffset
    if (records.length === 0 && (!news || !this.#ctx.emptyAppends)) return
    // The answer's bytes are a view into the frame: the actor gets a copy of its own, transferred.
    const owned = new Uint8Array(records)
    try {
      const appended = await this.#ctx.log.request(p.topic, p.partition, {
        op: 'appendReplica', bytes: owned, leaderEpoch: p.leaderEpoch,
        leaderHighWatermark: result.highWatermark, leaderLogStartOffset: result.logStartOffset,
      }, owned.buffer as ArrayBuffer)
      p.fetchOffset = appended.stableEndOffset
      p.logEndOffset = appended.logEndOffset
      p.highWatermark = appended.highWatermark
      p.logStartOffset = appended.logStartOffset
    } catch (err) {
      if (records.length === 0 && err instanceof FaecieError && EMPTY_APPEND_REFUSALS.has(err.code)) return this.#ctx.emptyAppendRefused(err)
      throw err
    }
  }
}

/** The valid partition results of an answer by `${topic}-${partition}`; anything malformed is left out. */
function indexAnswers<T extends { topic: string; partition: number }>(results: unknown, valid: (r: unknown) => r is T): Map<string, T> {
  const byKey = new Map<string, T>()
  if (!Array.isArray(results)) return byKey
  for (const r of results) if (valid(r)) byKey.set(`${r.topic}-${r.partition}`, r)
  return byKey
}

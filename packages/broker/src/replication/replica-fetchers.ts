// The follower side of replication: which partitions this broker fetches, from which leader, at which
// epoch. The reconciler (cluster/reconciler.ts) calls follow() after making the partition's actor a
// follower, and unfollow() before making it a leader or deleting it. One LeaderFetchLoop per leader
// broker carries every partition followed from it (leader-fetch-loop.ts); a partition moved to
// another leader or epoch starts over with truncation there.
//
// Every op on a partition's own actor (offsetsForLeaderEpoch, truncateReplica, appendReplica) runs
// in one chain per partition, one at a time, and is skipped once the partition has been re-followed
// or unfollowed: an append fetched from an old leader never lands after the truncation for the new
// one. Ops already handed to the actor stay ahead of whatever the reconciler sends it next, as the
// actor's mailbox keeps order.
//
// The follower's log is reached through ReplicaLog, the one method of PartitionManager used here, so
// that a test double can stand in for it.
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { MonotonicClock } from '../cluster/broker-session.js'
import type { Logger } from '../log.js'
import { partitionKey, type PartitionRequest, type PartitionResultByOp } from '../partition/messages.js'
import { LeaderFetchLoop } from './leader-fetch-loop.js'
import type { PeerRequester } from './peer-links.js'
import type { FetchThrottle } from './replication-throttle.js'

/** The follower's own partitions (PartitionManager.request). */
export interface ReplicaLog {
  request<R extends PartitionRequest>(topic: string, partition: number, request: R, transfer?: ArrayBuffer): Promise<PartitionResultByOp[R['op']]>
}

export interface ReplicaFetchersOptions {
  brokerId: number
  links: PeerRequester
  partitions: ReplicaLog
  logger: Logger
  clock: MonotonicClock
  /** How long a leader may hold a fetch with nothing new (Kafka's replica.fetch.wait.max.ms). */
  fetchMaxWaitMs: number
  /** Record bytes asked for in one request, all partitions together. */
  fetchMaxBytes: number
  /** Record bytes asked for per partition (the request asks min(fetchMaxBytes, partitions x this)). */
  fetchPartitionMaxBytes: number
  /** How long a partition with an error, or a loop whose request failed, waits before trying again. */
  backoffMs: number
  /** Time for an answer beyond fetchMaxWaitMs (default 30000). */
  requestTimeoutMs?: number
  /** The replication throttle of replicas this broker is adding (replication-throttle.ts); absent: none. */
  throttle?: FetchThrottle
}

export interface FollowSpec {
  leader: number
  leaderEpoch: number
  /** The latest epoch in this broker's log of the partition (becomeFollower's answer), -1: none. */
  latestEpoch: number
  logEndOffset: number
}

/** One partition followed from one leader at one epoch (a new follow() makes a new one). */
export interface Followed {
  readonly topic: string
  readonly partition: number
  readonly key: string
  readonly leader: number
  readonly leaderEpoch: number
  phase: 'truncate' | 'fetch'
  /** The epoch the next offsetsForLeaderEpoch asks about. */
  askEpoch: number
  /** The offset the next fetch asks from: the stable end offset of the follower's log. */
  fetchOffset: number
  logEndOffset: number
  highWatermark: number
  logStartOffset: number
  /** The leader's log end offset in its last answer. */
  leaderLogEndOffset: number | undefined
  /** Held until then (clock ms) after an error. */
  retryAtMs: number
  /** The error code last logged at warn level (the same again logs at debug). */
  lastErrorCode: number | undefined
}

/** What a loop uses of the fetchers. */
export interface FetcherContext {
  readonly brokerId: number
  readonly links: PeerRequester
  readonly log: ReplicaLog
  readonly logger: Logger
  readonly clock: MonotonicClock
  readonly fetchMaxWaitMs: number
  readonly fetchMaxBytes: number
  readonly fetchPartitionMaxBytes: number
  readonly backoffMs: number
  readonly requestTimeoutMs: number
  readonly throttle: FetchThrottle | undefined
  /** False once the follower's actor refused an append without records (it then learns the HW with the next records). */
  readonly emptyAppends: boolean
  emptyAppendRefused(err: unknown): void
  isCurrent(p: Followed): boolean
  /** Runs `op` in the partition's chain if it is still current then; errors hold the partition. */
  runOn(p: Followed, op: () => Promise<void>): Promise<void>
  /** Holds the partition for backoffMs after an error. */
  held(p: Followed, code: number, message: string): void
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

export class ReplicaFetchers {
  readonly #followed = new Map<string, Followed>()
  readonly #loops = new Map<number, LeaderFetchLoop>()
  readonly #chains = new Map<string, Promise<void>>()
  readonly #ctx: FetcherContext
  readonly #logger: Logger
  #closed = false

  constructor(options: ReplicaFetchersOptions) {
    for (const name of ['fetchMaxWaitMs', 'fetchMaxBytes', 'fetchPartitionMaxBytes', 'backoffMs'] as const) {
      if (!(Number.isSafeInteger(options[name]) && options[name] >= 0)) throw new RangeError(`${name} must be an integer >= 0, not ${options[name]}`)
    }
    if (options.fetchMaxBytes < 1 || options.fetchPartitionMaxBytes < 1) throw new RangeError('fetchMaxBytes and fetchPartitionMaxBytes must be at least 1')
    const logger = this.#logger = options.logger.child({ module: 'replica-fetchers' })
    const self = this
    this.#ctx = {
      brokerId: options.brokerId, links: options.links, log: options.partitions, logger, clock: options.clock,
      fetchMaxWaitMs: options.fetchMaxWaitMs, fetchMaxBytes: options.fetchMaxBytes, fetchPartitionMaxBytes: options.fetchPartitionMaxBytes,
      backoffMs: options.backoffMs, requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, throttle: options.throttle,
      emptyAppends: true,
      emptyAppendRefused(err) {
        if (!this.emptyAppends) return
        ;(this as { emptyAppends: boolean }).emptyAppends = false
        logger.warn({ err: (err as Error).message }, 'appendReplica without records refused: followers learn the high watermark with records only')
      },
      isCurrent: (p) => !self.#closed && self.#followed.get(p.key) === p,
      runOn: (p, op) => self.#runOn(p, op),
      held: (p, code, message) => self.#held(p, code, message),
    }
  }

  /** Fetches the partition from `leader` at `leaderEpoch`; the same leader and epoch again changes nothing. */
  follow(topic: string, partition: number, spec: FollowSpec): void {
    assert(!this.#closed, 'follow() after close()')
    assert(spec.leader !== this.#ctx.brokerId, `broker ${spec.leader} cannot follow itself for ${topic}-${partition}`)
    const key = partitionKey(topic, partition)
    const existing = this.#followed.get(key)
    if (existing !== undefined && existing.leader === spec.leader && existing.leaderEpoch === spec.leaderEpoch) return
    this.unfollow(topic, partition)
    // No leader (-1): nothing to fetch until the next follow() names one.
    if (spec.leader < 0) return
    const p: Followed = {
      topic, partition, key, leader: spec.leader, leaderEpoch: spec.leaderEpoch,
      // An empty log (no epoch) has nothing to truncate: it fetches from its log end at once.
      phase: spec.latestEpoch < 0 ? 'fetch' : 'truncate', askEpoch: spec.latestEpoch,
      fetchOffset: spec.logEndOffset, logEndOffset: spec.logEndOffset, highWatermark: -1, logStartOffset: -1,
      leaderLogEndOffset: undefined, retryAtMs: 0, lastErrorCode: undefined,
    }
    this.#followed.set(key, p)
    let loop = this.#loops.get(spec.leader)
    if (loop === undefined) this.#loops.set(spec.leader, loop = new LeaderFetchLoop(spec.leader, this.#ctx))
    loop.add(p)
    this.#logger.info({ partition: key, leader: spec.leader, leaderEpoch: spec.leaderEpoch, latestEpoch: spec.latestEpoch,
      logEndOffset: spec.logEndOffset }, 'following')
  }

  unfollow(topic: string, partition: number): void {
    const key = partitionKey(topic, partition)
    const p = this.#followed.get(key)
    if (p === undefined) return
    this.#followed.delete(key)
    const loop = this.#loops.get(p.leader)
    if (loop === undefined) return
    loop.remove(key)
    if (loop.partitions.size === 0) {
      this.#loops.delete(p.leader)
      void loop.stop()
    }
  }

  /** The leader's log end offset minus this broker's, from the last answer; undefined when not followed or not answered yet. */
  lagOf(topic: string, partition: number): number | undefined {
    const p = this.#followed.get(partitionKey(topic, partition))
    if (p?.leaderLogEndOffset === undefined) return undefined
    return Math.max(0, p.leaderLogEndOffset - p.logEndOffset)
  }

  /** The partitions followed now, with their leader and epoch (for tests and /health). */
  followed(): { topic: string; partition: number; leader: number; leaderEpoch: number; phase: Followed['phase']; fetchOffset: number }[] {
    return [...this.#followed.values()].map((p) => ({ topic: p.topic, partition: p.partition, leader: p.leader,
      leaderEpoch: p.leaderEpoch, phase: p.phase, fetchOffset: p.fetchOffset }))
  }

  /** Stops every loop (requests in flight abandoned) and waits for the actor ops already started. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#followed.clear()
    const loops = [...this.#loops.values()]
    this.#loops.clear()
    await Promise.all(loops.map((loop) => loop.stop()))
    await Promise.all([...this.#chains.values()])
  }

  #runOn(p: Followed, op: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (!this.#ctx.isCurrent(p)) return
      try {
        await op()
      } catch (err) {
        if (!this.#ctx.isCurrent(p)) return
        if (err instanceof FaecieError) {
          if (err.code === ErrorCode.OFFSET_OUT_OF_RANGE) p.phase = 'truncate'
          this.#held(p, err.code, err.message)
        } else {
          this.#logger.error({ err, partition: p.key }, 'replica fetch of a partition failed unexpectedly')
          this.#held(p, ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message)
        }
      }
    }
    const next = (this.#chains.get(p.key) ?? Promise.resolve()).then(run)
    this.#chains.set(p.key, next)
    void next.then(() => { if (this.#chains.get(p.key) === next) this.#chains.delete(p.key) })
    return next
  }

  /**
   * Holds a partition for backoffMs after an error. Fencing errors (FENCED_LEADER_EPOCH,
   * UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER) end when the reconciler follows the newer epoch;
   * until then the partition asks again after each backoff. OFFSET_OUT_OF_RANGE truncates again first.
   */
  #held(p: Followed, code: number, message: string): void {
    if (!this.#ctx.isCurrent(p)) return
    p.retryAtMs = this.#ctx.clock.now() + this.#ctx.backoffMs
    if (p.phase === 'truncate') p.askEpoch = Math.max(p.askEpoch, p.leaderEpoch)
    const fields = { partition: p.key, leader: p.leader, leaderEpoch: p.leaderEpoch, code, err: message, backoffMs: this.#ctx.backoffMs }
    if (p.lastErrorCode === code) this.#logger.debug(fields, 'replica fetch error')
    else this.#logger.warn(fields, 'replica fetch error: the partition waits and asks again')
    p.lastErrorCode = code
  }
}

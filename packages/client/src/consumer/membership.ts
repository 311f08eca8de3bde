// A group member's side of the coordinator's protocol (KIP-848's consumer protocol): one heartbeat
// every heartbeatIntervalMs (the coordinator sets it), on its own timer, so a slow handler never
// makes the member miss one. A heartbeat carries the subscription and the partitions the member
// owns; its answer carries the member's epoch and, when it changes, the target assignment. The
// member reconciles towards the target one step at a time:
//
//   partitions it loses:  stop reading them, wait for their handlers, commit, onPartitionsRevoked,
//                         then heartbeat at once without them (only then can the coordinator give
//                         them to another member: a partition never has two owners);
//   partitions it gains:  their committed offsets (else autoOffsetReset), start reading,
//                         onPartitionsAssigned, then heartbeat at once with them (a heartbeat
//                         meanwhile reports them owned already: were they left out, the
//                         coordinator would take that for their revocation and could give them
//                         to another member while this one starts reading them).
//
// Fenced (FENCED_MEMBER_EPOCH) or forgotten (UNKNOWN_MEMBER_ID: the session timed out), the member
// has lost its partitions without a chance to commit: it drops them and joins again with epoch 0.
// That includes partitions it was taking up when the fence came: they are reported lost too.
// A static member whose instance id another live member still holds (UNRELEASED_INSTANCE_ID) tries
// its join again with backoff, until that member leaves or its session times out.
// A heartbeat that finds no coordinator (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
// COORDINATOR_LOAD_IN_PROGRESS, a lost connection or a timeout: the group moved to another broker,
// or its broker died) is not a fence: the member keeps its id, epoch and partitions, the
// coordinator is found again (coordinators.ts) and the heartbeat is sent again after a backoff
// (the client's retry options, never longer than the heartbeat interval). A new coordinator that
// no longer knows the member answers UNKNOWN_MEMBER_ID: that one rejoins, as above.
// Leaving sends epoch -1 (-2 for a static member, whose partitions then wait for it to come back
// within the session timeout). Time and timers come from a Clock, so tests can drive them.
import {
  ErrorCode,
  FaecieError,
  JOIN_GROUP_EPOCH as JOIN_EPOCH,
  LEAVE_GROUP_EPOCH as LEAVE_EPOCH,
  LEAVE_GROUP_STATIC_EPOCH as STATIC_LEAVE_EPOCH,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type TopicPartitions,
} from '@faecie/protocol'
import { type Clock, systemClock } from '../clock.js'
import { isCoordinatorError } from '../coordinators.js'
import { RETRY_DEFAULTS, backoffMs, type RetryOptions } from '../retry.js'
import { type TopicPartition, partitionKey } from './state.js'

/** Until the coordinator says otherwise. */
const FIRST_HEARTBEAT_INTERVAL_MS = 1_000

/** Joins refused with UNRELEASED_INSTANCE_ID are tried again this way, for as long as it takes. */
const UNRELEASED_RETRY: Readonly<RetryOptions> = Object.freeze({
  retries: Number.MAX_SAFE_INTEGER,
  initialRetryTimeMs: 1_000,
  maxRetryTimeMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
})

export interface MembershipOptions {
  clock?: Clock
  /** Uniform in [0, 1), for the backoff's jitter. */
  random?: () => number
  /** The backoff of heartbeats that found no coordinator (capped at the heartbeat interval). Default RETRY_DEFAULTS. */
  retry?: RetryOptions
}

export type HeartbeatFields = HeartbeatRequest
export type HeartbeatAnswer = HeartbeatResponse

/** What the member needs of its consumer. */
export interface MembershipHost {
  /** The heartbeat request's fields that are the consumer's: subscription, static id, timeouts. */
  memberFields(): Omit<HeartbeatFields, 'memberId' | 'memberEpoch' | 'ownedPartitions'>
  heartbeat(fields: HeartbeatFields): Promise<HeartbeatAnswer>
  /** Start reading these (their committed offsets first); then call onPartitionsAssigned. */
  assigned(partitions: TopicPartition[]): Promise<void>
  /** Stop reading these; unless lost, wait for their handlers and commit; then onPartitionsRevoked. */
  revoked(partitions: TopicPartition[], lost: boolean): Promise<void>
  /** An error the member cannot get past by itself (a bad group id, a fenced static id). */
  fatal(err: unknown): void
}

export function toTopicPartitions(partitions: Iterable<TopicPartition>): TopicPartitions[] {
  const byTopic = new Map<string, number[]>()
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, (list = []))
    list.push(partition)
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list.sort((a, b) => a - b) }))
}

function fromTopicPartitions(list: TopicPartitions[]): Map<string, TopicPartition> {
  const out = new Map<string, TopicPartition>()
  for (const { topic, partitions } of list) for (const partition of partitions) out.set(partitionKey(topic, partition), { topic, partition })
  return out
}

/** Errors after which the member has lost its partitions and joins again. */
const REJOIN_ERRORS: ReadonlySet<number> = new Set([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_MEMBER_EPOCH])

export class Membership {
  memberId = ''
  memberEpoch = JOIN_EPOCH
  heartbeatIntervalMs = FIRST_HEARTBEAT_INTERVAL_MS
  private readonly host: MembershipHost
  private readonly owned = new Map<string, TopicPartition>()
  private target: Map<string, TopicPartition> | undefined
  private reconciling = false
  private reconciled: Promise<void> = Promise.resolve()
  private inFlight: Promise<void> | undefined
  private again = false
  private timer: unknown
  private active = false
  private frozen = false
  private joinedWaiters: Array<() => void> = []
  private readonly clock: Clock
  private readonly random: () => number
  /** Counts fences (and forgettings): a reconciliation step that sees it move lost what it was doing. */
  private fences = 0
  /** Partitions being revoked now: a fence meanwhile does not report them lost a second time. */
  private readonly revoking = new Set<string>()
  /**
   * Partitions being taken up now. Heartbeats report them owned: the coordinator must not read
   * their absence as a revocation and give them to another member while this one is about to
   * read them (its answer with a smaller target may have been lost).
   */
  private readonly adding = new Map<string, TopicPartition>()
  /** Set after a refused join: the next heartbeat waits this long instead of the interval. */
  private retryInMs: number | undefined
  private unreleasedRetries = 0
  /** Heartbeats in a row that found no coordinator: their backoff. */
  private coordinatorRetries = 0
  private readonly retry: RetryOptions

  constructor(host: MembershipHost, options: MembershipOptions = {}) {
    this.host = host
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? Math.random
    this.retry = options.retry ?? RETRY_DEFAULTS
  }

  get isActive(): boolean {
    return this.active
  }

  ownedPartitions(): TopicPartition[] {
    return [...this.owned.values()]
  }

  /** Starts (or restarts, after leave()) heartbeating with epoch 0. */
  join(): void {
    if (this.active) return
    this.active = true
    this.frozen = false
    this.memberEpoch = JOIN_EPOCH
    this.heartbeatNow()
  }

  /** Resolves once a heartbeat has been answered since join(). */
  joined(): Promise<void> {
    if (this.memberId !== '' && this.memberEpoch > 0) return Promise.resolve()
    return new Promise((resolve) => this.joinedWaiters.push(resolve))
  }

  /**
   * Sends a heartbeat now and waits for its answer: before the last commit, so that a coordinator
   * that restarted meanwhile knows the member again (its first heartbeat takes it back).
   */
  async confirm(): Promise<void> {
    await this.inFlight
    if (!this.active || this.frozen) return
    this.heartbeatNow()
    await this.inFlight
  }

  /**
   * On the way out: no more heartbeats but the leave, and no new assignment taken up, while the
   * consumer commits and hands its partitions over (its epoch stays good for the session meanwhile).
   */
  freeze(): void {
    this.frozen = true
    this.clock.clearTimeout(this.timer)
  }

  /** Sends a heartbeat now (or right after the one in flight), then keeps the interval. */
  heartbeatNow(): void {
    if (!this.active || this.frozen) return
    if (this.inFlight !== undefined) {
      this.again = true
      return
    }
    this.clock.clearTimeout(this.timer)
    this.inFlight = this.beat().finally(() => {
      this.inFlight = undefined
      if (!this.active || this.frozen) return
      const retryInMs = this.retryInMs
      this.retryInMs = undefined
      if (retryInMs !== undefined) {
        this.again = false
        this.timer = this.clock.setTimeout(() => this.heartbeatNow(), retryInMs)
      } else if (this.again) {
        this.again = false
        this.heartbeatNow()
      } else {
        this.timer = this.clock.setTimeout(() => this.heartbeatNow(), this.heartbeatIntervalMs)
      }
    })
  }

  /**
   * Stops heartbeating and tells the coordinator the member is gone (epoch -1, or -2 for a static
   * member), so its partitions move at once. The partitions must have been revoked by then.
   */
  async leave(): Promise<void> {
    if (!this.active) return
    this.active = false
    this.clock.clearTimeout(this.timer)
    await this.inFlight
    const memberId = this.memberId
    this.owned.clear()
    this.target = undefined
    if (memberId === '') return
    const fields = this.host.memberFields()
    const memberEpoch = fields.groupInstanceId === undefined ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH
    this.memberEpoch = JOIN_EPOCH
    await this.host.heartbeat({ ...fields, memberId, memberEpoch, ownedPartitions: [] }).catch(() => undefined)
    // Joining again later is as a new member.
    if (!this.active) this.memberId = ''
  }

  /** Resolves once no heartbeat and no reconciliation is under way. */
  async drain(): Promise<void> {
    await this.inFlight
    await this.reconciled
  }

  private async beat(): Promise<void> {
    const fields: HeartbeatFields = {
      ...this.host.memberFields(),
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      ownedPartitions: toTopicPartitions([...this.owned.values(), ...this.adding.values()]),
    }
    let answer: HeartbeatAnswer
    try {
      answer = await this.host.heartbeat(fields)
    } catch (err) {
      await this.failed(err)
      return
    }
    if (!this.active || this.frozen) return
    this.unreleasedRetries = 0
    this.coordinatorRetries = 0
    this.memberId = answer.memberId
    this.memberEpoch = answer.memberEpoch
    if (answer.heartbeatIntervalMs > 0) this.heartbeatIntervalMs = answer.heartbeatIntervalMs
    for (const wake of this.joinedWaiters.splice(0)) wake()
    if (answer.assignment !== undefined && answer.assignment !== null) {
      this.target = fromTopicPartitions(answer.assignment)
      void this.reconcile()
    }
  }

  private async failed(err: unknown): Promise<void> {
    const code = err instanceof FaecieError ? err.code : undefined
    if (code !== undefined && REJOIN_ERRORS.has(code)) {
      // The coordinator no longer counts this member: its partitions may be someone else's already.
      this.fences++
      const lost = [...this.owned].filter(([key]) => !this.revoking.has(key)).map(([, tp]) => tp)
      this.owned.clear()
      this.adding.clear() // reported lost once their take-up is done
      this.target = undefined
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = ''
      this.memberEpoch = JOIN_EPOCH
      if (lost.length > 0) await this.host.revoked(lost, true).catch((e: unknown) => this.host.fatal(e))
      this.again = true
      return
    }
    if (code === ErrorCode.UNRELEASED_INSTANCE_ID && this.memberEpoch === JOIN_EPOCH) {
      // Another live member holds the static instance id: wait for it to leave or expire.
      this.retryInMs = backoffMs(this.unreleasedRetries++, UNRELEASED_RETRY, this.random)
      return
    }
    if (isCoordinatorError(err)) {
      // Not a fence: the coordinator moved or is away. Found again, after a backoff (bounded).
      this.retryInMs = Math.min(backoffMs(this.coordinatorRetries++, this.retry, this.random), this.heartbeatIntervalMs)
      return
    }
    if (err instanceof FaecieError && !err.retriable && code !== ErrorCode.NETWORK_EXCEPTION && code !== ErrorCode.REQUEST_TIMED_OUT) {
      this.active = false
      this.host.fatal(err)
    }
    // Otherwise (another retriable error): the next beat tries again.
  }

  /** Moves the owned partitions towards the target, revocations first, heartbeating after each step. */
  private reconcile(): Promise<void> {
    if (this.reconciling) return this.reconciled
    this.reconciling = true
    this.reconciled = this.reconcileSteps()
    return this.reconciled
  }

  private async reconcileSteps(): Promise<void> {
    try {
      while (this.active && !this.frozen && this.target !== undefined) {
        const target = this.target
        const revoked = [...this.owned].filter(([key]) => !target.has(key)).map(([, tp]) => tp)
        if (revoked.length > 0) {
          const keys = revoked.map((tp) => partitionKey(tp.topic, tp.partition))
          for (const key of keys) this.revoking.add(key)
          try {
            await this.host.revoked(revoked, false)
          } finally {
            for (const key of keys) this.revoking.delete(key)
          }
          for (const key of keys) this.owned.delete(key)
          this.heartbeatNow()
          continue
        }
        const added = [...target].filter(([key]) => !this.owned.has(key)).map(([, tp]) => tp)
        if (added.length === 0) break
        const fences = this.fences
        for (const tp of added) this.adding.set(partitionKey(tp.topic, tp.partition), tp)
        try {
          await this.host.assigned(added)
        } finally {
          for (const tp of added) this.adding.delete(partitionKey(tp.topic, tp.partition))
        }
        if (this.fences !== fences) {
          // Fenced while they were being taken up: they may be another member's already. Lost.
          await this.host.revoked(added, true)
          continue
        }
        if (!this.active || this.target !== target) {
          // A newer target came while the partitions were being taken up: own them, reconcile again.
          for (const tp of added) this.owned.set(partitionKey(tp.topic, tp.partition), tp)
          continue
        }
        for (const tp of added) this.owned.set(partitionKey(tp.topic, tp.partition), tp)
        this.heartbeatNow()
        break
      }
    } catch (err) {
      // Committed offsets that could not be fetched (the broker away longer than the retries):
      // try again after a heartbeat interval; anything else stops the member.
      if (err instanceof FaecieError && err.retriable) this.clock.setTimeout(() => void this.reconcile(), this.heartbeatIntervalMs)
      else this.host.fatal(err)
    } finally {
      this.reconciling = false
    }
  }
}

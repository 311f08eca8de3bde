// A group consumer's offsets: what the application has consumed per partition (the offset of the
// next record to read, as Kafka commits it), what is committed, and the two requests that move them:
// commitOffsets (as the member, with its id and epoch, so a fenced member cannot commit) and
// fetchOffsets (where newly assigned partitions start). A partition is "dirty" when its consumed
// offset has not been committed yet; auto-commit sends the dirty ones only.
//
// A commit is retried with the member's current id and epoch (a heartbeat may have bumped it), but
// only for partitions the member has held without a break since the commit began: each take-up of a
// partition (hold) starts a new tenure, and a retry drops partitions whose tenure changed, so a
// commit from before a partition was lost and taken back cannot rewind what its owner in between
// committed. (Kafka's consumer gets the same safety by not retrying a commit on STALE_MEMBER_EPOCH
// at all; faecie's member epoch moves on every group change, so it retries what is still safe.)
//
// A retry also drops partitions a later commit has been sent for since: that one carries the
// application's latest word, and a retried older offset landing after it (the first attempt lost
// with its connection, the retry at the group's new coordinator) would move the committed offset
// back. (Kafka's auto-commit gets the same by never retrying an async commit.)
//
// Both requests go to the group's coordinator (coordinators.ts); an answer that says it moved, as a
// whole or for a partition, has it found again before the retry.
import { ErrorCode, FaecieError, type CommitOffsetsRequest, type WireError } from '@faecie/protocol'
import { type Coordinators, isCoordinatorError } from '../coordinators.js'
import { type TopicPartition, partitionKey } from './state.js'

export interface TopicPartitionOffset extends TopicPartition {
  /** The offset of the next record to read (the last one processed + 1). */
  offset: number
}

interface Tracked extends TopicPartitionOffset {
  dirty: boolean
}

/** Who commits: the member's id and epoch, read at each attempt (a heartbeat may bump the epoch). */
export type MemberIdentity = () => { memberId: string; memberEpoch: number } | undefined

function partitionError(topic: string, partition: number, error: WireError): FaecieError {
  return new FaecieError(error.code, `${topic}-${partition}: ${error.message}`, { errorName: error.name, retriable: error.retriable })
}

/**
 * A commit is tried again on a retriable error and on STALE_MEMBER_EPOCH (a heartbeat brings the new
 * epoch meanwhile), but not on UNKNOWN_TOPIC_OR_PARTITION: the member read the partition, so the
 * topic has gone (or never was: a typo), and waiting will not bring it back.
 */
function commitRetriable(err: unknown): boolean {
  if (!(err instanceof FaecieError) || err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return false
  return err.retriable || err.code === ErrorCode.STALE_MEMBER_EPOCH
}

export function groupByTopic<T extends TopicPartition>(items: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    let list = out.get(item.topic)
    if (list === undefined) out.set(item.topic, (list = []))
    list.push(item)
  }
  return out
}

/** The partitions a retried commit dropped because the member no longer holds them as it did. */
function movedOn(dropped: TopicPartitionOffset[]): FaecieError {
  const names = dropped.map(({ topic, partition }) => `${topic}-${partition}`).join(', ')
  return new FaecieError(ErrorCode.STALE_MEMBER_EPOCH,
    `Not committed: ${names} left this member (and may have come back) while the commit was retried.`, { retriable: false })
}

export class GroupOffsets {
  private readonly consumed = new Map<string, Tracked>()
  /** Partitions the member holds (owned or being revoked): the tenure each was taken up in. */
  private readonly tenures = new Map<string, number>()
  private tenureLast = 0
  /** Per partition, the last commit (its number) that sent an offset for it. */
  private readonly lastCommit = new Map<string, number>()
  private commitLast = 0

  constructor(
    private readonly coordinators: Coordinators,
    private readonly groupId: string,
    private readonly member: MemberIdentity,
  ) {}

  /** The application is done with everything before `offset` in this partition. */
  consume(topic: string, partition: number, offset: number): void {
    const key = partitionKey(topic, partition)
    const tracked = this.consumed.get(key)
    if (tracked !== undefined && tracked.offset === offset) return
    this.consumed.set(key, { topic, partition, offset, dirty: true })
  }

  /** A partition starts at its committed offset: nothing to commit for it yet. */
  started(topic: string, partition: number, offset: number): void {
    this.consumed.set(partitionKey(topic, partition), { topic, partition, offset, dirty: false })
  }

  /** The member has taken these partitions up: a new tenure for each. */
  hold(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.tenures.set(partitionKey(topic, partition), ++this.tenureLast)
  }

  /** The member no longer holds these partitions: what it consumed of them is not its to commit. */
  forget(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition)
      this.consumed.delete(key)
      this.tenures.delete(key)
      this.lastCommit.delete(key)
    }
  }

  /** Commits what was consumed and not committed yet (of these partitions, or all). */
  async commitConsumed(partitions?: TopicPartition[]): Promise<void> {
    const keys = partitions === undefined ? undefined : new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)))
    const dirty = [...this.consumed].filter(([key, t]) => t.dirty && (keys === undefined || keys.has(key))).map(([, t]) => t)
    if (dirty.length === 0) return
    const sent = dirty.map((t) => ({ ...t }))
    const dropped = await this.commitHeld(sent)
    const droppedKeys = new Set(dropped.map((d) => partitionKey(d.topic, d.partition)))
    for (const s of sent) {
      const key = partitionKey(s.topic, s.partition)
      const now = this.consumed.get(key)
      if (now !== undefined && now.offset === s.offset && !droppedKeys.has(key)) now.dirty = false
    }
    if (dropped.length > 0) throw movedOn(dropped)
  }

  /**
   * Commits these offsets as they are; retried while retriable (a stale epoch after a heartbeat).
   * Throws STALE_MEMBER_EPOCH if a partition left the member during the retries (see the top).
   */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    const dropped = await this.commitHeld(offsets)
    if (dropped.length > 0) throw movedOn(dropped)
  }

  /** Commits; returns the offsets dropped from the retries because their partition's tenure changed. */
  private async commitHeld(offsets: TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    for (const { topic, partition, offset } of offsets) {
      if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || partition < 0 || !Number.isSafeInteger(offset) || offset < 0) {
        throw new RangeError(`not a committable offset: ${topic}-${partition} at ${offset}`)
      }
    }
    const dropped: TopicPartitionOffset[] = []
    if (offsets.length === 0) return dropped
    const tenureOf = (tp: TopicPartition): number | undefined => this.tenures.get(partitionKey(tp.topic, tp.partition))
    const started = offsets.map(tenureOf)
    const commit = ++this.commitLast
    const keyOf = (tp: TopicPartition): string => partitionKey(tp.topic, tp.partition)
    let held = offsets
    await this.coordinators.retrying(async (retry) => {
      if (retry > 0) {
        const superseded = (tp: TopicPartitionOffset): boolean => this.lastCommit.get(keyOf(tp)) !== commit
        held = offsets.filter((tp, i) => tenureOf(tp) === started[i] && !superseded(tp))
        dropped.splice(0, dropped.length, ...offsets.filter((tp, i) => tenureOf(tp) !== started[i]))
        if (held.length === 0) return
      }
      for (const tp of held) this.lastCommit.set(keyOf(tp), commit)
      const topics = [...groupByTopic(held)].map(([topic, list]) => ({
        topic,
        partitions: list.map(({ partition, offset }) => ({ partition, offset })),
      }))
      const member = this.member()
      const request: CommitOffsetsRequest = member === undefined ? { groupId: this.groupId, topics } : { groupId: this.groupId, ...member, topics }
      await this.coordinators.withCoordinator(this.groupId, async (connection) => {
        const response = await connection.request('commitOffsets', request)
        for (const t of response.topics) {
          for (const p of t.partitions) if (p.error !== undefined) throw partitionError(t.topic, p.partition, p.error)
        }
      })
    }, commitRetriable)
    return dropped
  }

  /** The committed offsets of these partitions; -1 where nothing is committed. */
  async fetchCommitted(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const topics = [...new Set(partitions.map((tp) => tp.topic))].map((topic) => ({ topic }))
    // An error is thrown, never read as "nothing committed": that would send the partition back to
    // autoOffsetReset. The member tries again after a heartbeat interval (membership.ts).
    // A part's error is retried here only if it says the coordinator moved; others go to the member.
    const { offsets: out, failure } = await this.coordinators.retrying(() => this.coordinators.withCoordinator(this.groupId, async (connection) => {
      const response = await connection.request('fetchOffsets', { groupId: this.groupId, topics })
      const offsets = new Map<string, number>()
      let failure: FaecieError | undefined
      for (const t of response.topics) {
        for (const p of t.error === undefined ? t.partitions : [{ partition: -1, offset: -1, error: t.error }]) {
          if (p.error !== undefined) {
            const err = partitionError(t.topic, p.partition, p.error)
            if (isCoordinatorError(err)) throw err
            failure ??= err
            continue
          }
          offsets.set(partitionKey(t.topic, p.partition), p.offset)
        }
      }
      return { offsets, failure }
    }))
    if (failure !== undefined) throw failure
    for (const { topic, partition } of partitions) {
      if (!out.has(partitionKey(topic, partition))) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `fetchOffsets gave no answer for ${topic}-${partition}.`)
    }
    return out
  }
}

// The committed offsets of one coordinator's groups (either type), the offsets half of
// GroupCoordinator (group-coordinator.ts): the store (groupId -> partition -> offset, as replayed or
// written), commits and fetches, the checks of a consumer group member's commit, the tombstones of
// a deleted group or topic, and offset retention's verdicts (offset-retention.ts). No I/O of its
// own: records go through the host (GroupHost.appendOffsets, durable before it returns), then are
// applied here.
import {
  ErrorCode, FaecieError, type CommitOffsetsRequest, type CommitOffsetsResponse, type CommitOffsetsTopicSpec,
  type FetchOffsetsPartitionResult, type FetchOffsetsRequest, type FetchOffsetsResponse, type FetchOffsetsTopicResult,
} from '@faecie/protocol'
import { has, pairsOf, type Assignment } from './assignment.js'
import type { ConsumerGroup, GroupTopics } from './consumer-group.js'
import { offsetKey, splitOffsetKey, type CommittedOffset, type GroupRecord, type OffsetRecord } from './offset-records.js'
import { expiredOffsets, type RetainedGroup } from './offset-retention.js'

export interface OffsetsHost {
  clock(): number
  topics: GroupTopics
  appendOffsets(records: OffsetRecord[]): void
}

/** Tombstones per batch of `__consumer_offsets` written by one retention check. */
const EXPIRED_OFFSETS_PER_BATCH = 1_000

/** Refuses a partition of a commit (an error), or lets it be written (undefined). */
export type CommitRefusal = (topic: string, partition: number) => FaecieError | undefined

export class GroupOffsets {
  readonly #host: OffsetsHost
  /** groupId -> "topic\0partition" -> offset. */
  readonly #offsets = new Map<string, Map<string, CommittedOffset>>()

  constructor(host: OffsetsHost) {
    this.#host = host
  }

  of(groupId: string): ReadonlyMap<string, CommittedOffset> | undefined {
    return this.#offsets.get(groupId)
  }

  /** The group is deleted: its offsets go from memory (their tombstones were written first). */
  forget(groupId: string): void {
    this.#offsets.delete(groupId)
  }

  /** An offset record read back from `__consumer_offsets` (or just written). */
  apply(record: OffsetRecord): void {
    let offsets = this.#offsets.get(record.groupId)
    const key = offsetKey(record.topic, record.partition)
    if (record.value === null) {
      offsets?.delete(key)
      if (offsets?.size === 0) this.#offsets.delete(record.groupId)
      return
    }
    if (offsets === undefined) this.#offsets.set(record.groupId, (offsets = new Map()))
    offsets.set(key, record.value)
  }

  /** Writes the records (one host call), then applies them. */
  append(records: OffsetRecord[]): void {
    if (records.length === 0) return
    this.#host.appendOffsets(records)
    for (const r of records) this.apply(r)
  }

  /** Tombstones of every offset of the group. */
  tombstonesOfGroup(groupId: string): OffsetRecord[] {
    return [...(this.#offsets.get(groupId)?.keys() ?? [])].map((key): OffsetRecord => {
      const [topic, partition] = splitOffsetKey(key)
      return { groupId, topic, partition, value: null }
    })
  }

  /** Tombstones of every offset of the topic, in every group. */
  tombstonesOfTopic(topic: string): OffsetRecord[] {
    const tombstones: OffsetRecord[] = []
    for (const [groupId, offsets] of this.#offsets) {
      for (const key of offsets.keys()) {
        const [t, partition] = splitOffsetKey(key)
        if (t === topic) tombstones.push({ groupId, topic, partition, value: null })
      }
    }
    return tombstones
  }

  /**
   * Offset retention over these groups: the tombstones of expired offsets are written (in batches of
   * EXPIRED_OFFSETS_PER_BATCH) and applied; the groups now dead are returned, for the caller to delete.
   */
  expire(groups: ReadonlyArray<readonly [string, RetainedGroup]>, nowMs: number, retentionMs: number): { tombstones: OffsetRecord[]; dead: GroupRecord[] } {
    const tombstones: OffsetRecord[] = []
    const dead: GroupRecord[] = []
    for (const [groupId, group] of groups) {
      const verdict = expiredOffsets(group, this.#offsets.get(groupId), nowMs, retentionMs)
      for (const key of verdict.expiredKeys) {
        const [topic, partition] = splitOffsetKey(key)
        tombstones.push({ groupId, topic, partition, value: null })
      }
      if (verdict.dead) dead.push({ type: 'groupDeleted', groupId })
    }
    for (let i = 0; i < tombstones.length; i += EXPIRED_OFFSETS_PER_BATCH) {
      this.#host.appendOffsets(tombstones.slice(i, i + EXPIRED_OFFSETS_PER_BATCH))
    }
    for (const r of tombstones) this.apply(r)
    return { tombstones, dead }
  }

  /** The member that committed the group's latest offset of a partition (of the topic as it is now), if known. */
  committerOf(groupId: string, topic: string, partition: number): string | undefined {
    const committed = this.#offsets.get(groupId)?.get(offsetKey(topic, partition))
    if (committed === undefined || committed.topicId !== this.#host.topics.topic(topic)?.topicId) return undefined
    return committed.memberId
  }

  /**
   * Partitions a member has just taken up whose latest offset another member committed: the same
   * offset is written again as committed by this member (its commit time kept, so retention is
   * unchanged). After a coordinator move, a returning member's claim is refused where another
   * member committed last (consumer-group.ts #readmit); without this, a member that took a partition
   * over and had nothing new to commit there would be refused it at every move.
   */
  restampTakenOver(groupId: string, memberId: string, taken: Assignment): void {
    const records: OffsetRecord[] = []
    for (const [topic, partition] of pairsOf(taken)) {
      const committed = this.#offsets.get(groupId)?.get(offsetKey(topic, partition))
      const committer = this.committerOf(groupId, topic, partition)
      if (committed === undefined || committer === undefined || committer === memberId) continue
      records.push({ groupId, topic, partition, value: { ...committed, memberId } })
    }
    this.append(records)
  }

  /**
   * Writes the offsets of existing partitions that `refuse` (if given) has no error for, as committed
   * by `memberId` (if any); `ensureGroup` is called before the first write (the group is made if new).
   */
  write(groupId: string, topics: CommitOffsetsTopicSpec[], ensureGroup: () => void, refuse?: CommitRefusal, memberId?: string): CommitOffsetsResponse {
    const now = this.#host.clock()
    const records: OffsetRecord[] = []
    const answer: CommitOffsetsResponse = {
      topics: topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const meta = this.#host.topics.topic(t.topic)
          if (meta === undefined || p.partition >= meta.partitions) return { partition: p.partition, error: unknownPartition(t.topic, p.partition).toWire() }
          const refused = refuse?.(t.topic, p.partition)
          if (refused !== undefined) return { partition: p.partition, error: refused.toWire() }
          records.push({ groupId, topic: t.topic, partition: p.partition, value: { offset: p.offset, metadata: p.metadata ?? '', commitTimestamp: now, topicId: meta.topicId,
            ...(memberId === undefined ? {} : { memberId }) } })
          return { partition: p.partition }
        }),
      })),
    }
    if (records.length === 0) return answer
    ensureGroup()
    this.append(records)
    return answer
  }

  fetch(request: FetchOffsetsRequest): FetchOffsetsResponse {
    const offsets = this.#offsets.get(request.groupId) ?? new Map<string, CommittedOffset>()
    const partitionResult = (topic: string, partition: number): FetchOffsetsPartitionResult => {
      const meta = this.#host.topics.topic(topic)
      if (meta === undefined || partition >= meta.partitions) {
        return { partition, offset: -1, metadata: '', commitTimestamp: -1, error: unknownPartition(topic, partition).toWire() }
      }
      const committed = offsets.get(offsetKey(topic, partition))
      if (committed === undefined || committed.topicId !== meta.topicId) return { partition, offset: -1, metadata: '', commitTimestamp: -1 }
      return { partition, offset: committed.offset, metadata: committed.metadata, commitTimestamp: committed.commitTimestamp }
    }
    if (request.topics === undefined) {
      const byTopic = new Map<string, number[]>()
      for (const key of offsets.keys()) {
        const [topic, partition] = splitOffsetKey(key)
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition])
      }
      const topics = [...byTopic.keys()].sort().map((topic) => ({
        topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b).map((p) => partitionResult(topic, p)),
      }))
      return { groupId: request.groupId, topics }
    }
    const topics = request.topics.map((spec): FetchOffsetsTopicResult => {
      if (spec.partitions !== undefined) return { topic: spec.topic, partitions: spec.partitions.map((p) => partitionResult(spec.topic, p)) }
      const meta = this.#host.topics.topic(spec.topic)
      if (meta === undefined) return { topic: spec.topic, partitions: [], error: unknownPartition(spec.topic).toWire() }
      return { topic: spec.topic, partitions: Array.from({ length: meta.partitions }, (_, p) => partitionResult(spec.topic, p)) }
    })
    return { groupId: request.groupId, topics }
  }
}

/**
 * The checks of a commit to a consumer group (or to no group): a member commits at its own epoch
 * (STALE_MEMBER_EPOCH below, FENCED_MEMBER_EPOCH above) and only what it owns; a commit without a
 * member only while the group has none. Throws the refusal of the whole commit; returns the
 * per-partition one.
 */
export function checkConsumerCommit(group: ConsumerGroup | undefined, request: CommitOffsetsRequest): CommitRefusal | undefined {
  if (request.memberId !== undefined) {
    const member = group?.members.get(request.memberId)
    if (group === undefined || member === undefined) throw unknownMember(request.groupId, request.memberId)
    const epoch = request.memberEpoch ?? -1
    if (epoch < member.memberEpoch) {
      throw new FaecieError(ErrorCode.STALE_MEMBER_EPOCH, `Commit from epoch ${epoch} of member ${member.memberId}; its epoch is ${member.memberEpoch}.`)
    }
    if (epoch > member.memberEpoch) {
      throw new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH, `Commit from epoch ${epoch} of member ${member.memberId}; its epoch is ${member.memberEpoch}.`)
    }
    // A member commits only what it owns at its epoch (including what it is revoking): a stale
    // commit for a partition that has moved on must not rewind its new owner's offset.
    return (topic, partition) => has(member.owned, topic, partition) ? undefined
      : new FaecieError(ErrorCode.STALE_MEMBER_EPOCH, `Member ${member.memberId} does not own ${topic}-${partition} at epoch ${epoch}.`)
  }
  if (group !== undefined && group.members.size > 0) {
    throw new FaecieError(ErrorCode.UNKNOWN_MEMBER_ID,
      `Group ${request.groupId} has members: commit with a memberId and memberEpoch (a commit without one is for groups with no members).`)
  }
  return undefined
}

export function unknownMember(groupId: string, memberId: string): FaecieError {
  return new FaecieError(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${groupId} has no member ${memberId}: join again (memberEpoch 0).`)
}

function unknownPartition(topic: string, partition?: number): FaecieError {
  const what = partition === undefined ? `Topic ${topic}` : `Partition ${topic}-${partition}`
  return new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${what} does not exist.`)
}

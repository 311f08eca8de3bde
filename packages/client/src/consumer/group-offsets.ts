// A group consumer's offsets: what the application has consumed per partition (the offset of the
// next record to read, as Kafka commits it), what is committed, and the two requests that move them:
// commitOffsets (as the member, with its id and epoch, so a fenced member cannot commit) and
// fetchOffsets (where newly assigned partitions start). A partition is "dirty" when its consumed
// offset has not been committed yet; auto-commit sends the dirty ones only.
import { ErrorCode, FaecieError, type CommitOffsetsRequest, type WireError } from '@faecie/protocol'
import type { Cluster } from '../cluster.js'
import { withRetry } from '../retry.js'
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

export class GroupOffsets {
  private readonly consumed = new Map<string, Tracked>()

  constructor(
    private readonly cluster: Cluster,
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

  forget(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.consumed.delete(partitionKey(topic, partition))
  }

  /** Commits what was consumed and not committed yet (of these partitions, or all). */
  async commitConsumed(partitions?: TopicPartition[]): Promise<void> {
    const keys = partitions === undefined ? undefined : new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)))
    const dirty = [...this.consumed].filter(([key, t]) => t.dirty && (keys === undefined || keys.has(key))).map(([, t]) => t)
    if (dirty.length === 0) return
    const sent = dirty.map((t) => ({ ...t }))
    await this.commit(sent)
    for (const s of sent) {
      const now = this.consumed.get(partitionKey(s.topic, s.partition))
      if (now !== undefined && now.offset === s.offset) now.dirty = false
    }
  }

  /** Commits these offsets as they are; retried while retriable (a stale epoch after a heartbeat). */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    for (const { topic, partition, offset } of offsets) {
      if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || partition < 0 || !Number.isSafeInteger(offset) || offset < 0) {
        throw new RangeError(`not a committable offset: ${topic}-${partition} at ${offset}`)
      }
    }
    if (offsets.length === 0) return
    const topics = [...groupByTopic(offsets)].map(([topic, list]) => ({
      topic,
      partitions: list.map(({ partition, offset }) => ({ partition, offset })),
    }))
    await withRetry(async () => {
      const member = this.member()
      const request: CommitOffsetsRequest = member === undefined ? { groupId: this.groupId, topics } : { groupId: this.groupId, ...member, topics }
      const response = await this.cluster.request('commitOffsets', request, { retry: false })
      for (const t of response.topics) {
        for (const p of t.partitions) if (p.error !== undefined) throw partitionError(t.topic, p.partition, p.error)
      }
    }, this.cluster.config.retry, { signal: this.cluster.signal, retriable: commitRetriable })
  }

  /** The committed offsets of these partitions; -1 where nothing is committed. */
  async fetchCommitted(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const topics = [...new Set(partitions.map((tp) => tp.topic))].map((topic) => ({ topic }))
    // An error is thrown, never read as "nothing committed": that would send the partition back to
    // autoOffsetReset. The member tries again after a heartbeat interval (membership.ts).
    const response = await this.cluster.request('fetchOffsets', { groupId: this.groupId, topics })
    const out = new Map<string, number>()
    for (const t of response.topics) {
      if (t.error !== undefined) throw partitionError(t.topic, -1, t.error)
      for (const p of t.partitions) {
        if (p.error !== undefined) throw partitionError(t.topic, p.partition, p.error)
        out.set(partitionKey(t.topic, p.partition), p.offset)
      }
    }
    for (const { topic, partition } of partitions) {
      if (!out.has(partitionKey(topic, partition))) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `fetchOffsets gave no answer for ${topic}-${partition}.`)
    }
    return out
  }
}

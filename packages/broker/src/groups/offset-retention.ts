// Offset retention (Kafka's KIP-211, `offsets.retention.minutes`): which committed offsets of one
// group have expired at a given time, and whether the group is then dead. The coordinator looks every
// `offsetsRetentionCheckIntervalMs`, tombstones what expired in `__consumer_offsets` and records the
// dead groups' deletion in the metadata log, so that neither memory nor a replay keeps them.
//
// - An empty group: every offset expires `offsetsRetentionMs` after the group became empty, or after
//   its commit if that is later (an offset set by hand in an empty group gets its full retention). A
//   group replayed empty has no known emptiness time (membership is not durable): its offsets' commit
//   times stand in, as Kafka does for a group loaded empty.
// - A group with members: offsets of topics no member subscribes to (by name or regex) expire
//   `offsetsRetentionMs` after their commit; those of subscribed topics never do.
// - An empty group with no offsets left is dead (Kafka deletes it too, however recently it emptied:
//   with no offsets, there is nothing in it a returning member would need).
// - A classic group: the same, its members' subscriptions decoded from their JoinGroup metadata; one
//   of another protocol type than 'consumer' (subscriptions unknown) keeps every offset while it has
//   members, as in Kafka.
// - A group replayed at start is left alone while it holds its partitions back: its members of before
//   may be on their way back.
import { splitOffsetKey, type CommittedOffset } from './offset-records.js'

/** A group as retention sees it: a ConsumerGroup, or a classic group's view (classic-groups.ts). */
export interface RetainedGroup {
  /** A replayed group holding its partitions back until then (0: none). */
  readonly holdAssignmentsUntilMs: number
  readonly members: { readonly size: number }
  readonly emptySinceMs: number | undefined
  subscribes(topic: string): boolean
}

export interface RetentionVerdict {
  /** Offset keys (offsetKey()) whose retention ran out. */
  expiredKeys: string[]
  /** Empty, and no offset left once the expired ones are gone: the group is to be deleted. */
  dead: boolean
}

export function expiredOffsets(group: RetainedGroup, offsets: ReadonlyMap<string, CommittedOffset> | undefined,
  nowMs: number, retentionMs: number): RetentionVerdict {
  if (nowMs < group.holdAssignmentsUntilMs) return { expiredKeys: [], dead: false }
  const empty = group.members.size === 0
  const expiredKeys: string[] = []
  for (const [key, committed] of offsets ?? []) {
    if (!empty && group.subscribes(splitOffsetKey(key)[0])) continue
    const sinceMs = empty ? Math.max(committed.commitTimestamp, group.emptySinceMs ?? 0) : committed.commitTimestamp
    if (nowMs - sinceMs >= retentionMs) expiredKeys.push(key)
  }
  return { expiredKeys, dead: empty && expiredKeys.length === (offsets?.size ?? 0) }
}

// The records of `__consumer_offsets` partition 0 (DATA_DIR/__consumer_offsets-0/, a partition
// directory written by the storage engine through the coordinator's thread, flush `always`): one
// record per committed offset and one per consumer group, the latest per key wins (the topic is
// meant to be compacted).
//
//   one RecordBatch v2 per commit call (uncompressed, producerId -1), one record per partition:
//     key    UTF-8 JSON array ["offset", groupId, topic, partition]
//     value  UTF-8 JSON {v:1, offset, metadata, commitTimestamp, topicId, memberId?}
//            (memberId: the group member that committed it, absent for a commit without a member
//            and in records of earlier brokers; a coordinator readmitting members after a restart
//            refuses a member's claim on a partition whose latest offset another member committed)
//            or nil: a tombstone (the group or the topic was deleted, or the offset expired)
//   one RecordBatch v2 per group change, one record per group:
//     key    UTF-8 JSON array ["group", groupId]
//     value  UTF-8 JSON {v:1, assignor?}: a consumer group (faecie's own protocol, KIP-848's) exists
//            or UTF-8 JSON {v:1, type:'classic', protocolType}: a classic group (Kafka's JoinGroup
//            protocol) exists; protocolType as its first JoinGroup gave it ('consumer' for consumers)
//            or nil: a tombstone (the group was deleted, or expired: offset-retention.ts)
//            A group id has one type at a time: a record of the other type replaces the group (an
//            empty group taken over by a member of the other protocol), keeping its offsets. Records
//            without `type` (all of them before classic groups) are consumer groups.
//   one RecordBatch v2 per load of a partition by a new coordinator (cluster mode, group-shard.ts):
//     key    UTF-8 JSON array ["loadMarker"]   (one key: compaction keeps the latest marker only)
//     value  UTF-8 JSON {v:1, partition, loadedAtMs}
//            a load marker carries no state: a coordinator appends it with acks=all after its replay,
//            so every record it replayed is committed before it answers anyone; replays skip it.
//
// Group records came with offset retention: groups are made and expired by clients' commits, so
// they belong in this compacted log, where a deleted group's records go away (before, every group
// ever made stayed in `__cluster_metadata`, which is never compacted). Groups recorded there by
// earlier brokers are still read from it, and deleted there. A group record precedes its offsets.
//
// The log is compacted (cleanup.policy=compact, by the coordinator's thread): a batch may then hold
// fewer records than offsets, or none.
//
// A record read back is untrusted input: a record of another shape stops the coordinator's start
// with a message naming the offset, as for the metadata log.
import { decodeBatches, decodeUtf8, RecordBatchEncoder, SERVER_ASSIGNORS, type ServerAssignor } from '@faecie/protocol'

export const OFFSET_RECORD_VERSION = 1

export interface CommittedOffset {
  offset: number
  metadata: string
  commitTimestamp: number
  /** The id of the topic committed to: an offset of a deleted topic never applies to a new one. */
  topicId: string
  /** The member that committed it (absent: a commit without a member, or a record of an earlier broker). */
  memberId?: string
}

export interface OffsetRecord {
  groupId: string
  topic: string
  partition: number
  /** null: a tombstone. */
  value: CommittedOffset | null
}

/** A group made (or its type changed) or deleted (in this log, or in the metadata log of earlier brokers). */
export interface GroupRecord {
  type: 'group' | 'groupDeleted'
  groupId: string
  assignor?: ServerAssignor
  /** 'classic': a classic group (Kafka's JoinGroup protocol); absent: a consumer group. */
  groupType?: 'classic'
  /** A classic group: JoinGroup's protocolType. */
  protocolType?: string
}

/** A record of this log: a committed offset or a group (load markers are skipped by decodeOffsetBatches). */
export type OffsetsLogRecord = { kind: 'offset'; record: OffsetRecord } | { kind: 'group'; record: GroupRecord }

const encoder = new RecordBatchEncoder(64 * 1024)

/** One batch holding the records; a buffer of its own. */
export function encodeOffsetRecords(records: readonly OffsetRecord[], nowMs: number): Uint8Array {
  encoder.encode(records.map((r) => ({
    key: JSON.stringify(['offset', r.groupId, r.topic, r.partition]),
    value: r.value === null ? null : JSON.stringify({ v: OFFSET_RECORD_VERSION, ...r.value }),
  })), { timestamp: nowMs })
  return encoder.copy()
}

/** One batch holding the group records; a buffer of its own. */
export function encodeGroupRecords(records: readonly GroupRecord[], nowMs: number): Uint8Array {
  encoder.encode(records.map((r) => ({
    key: JSON.stringify(['group', r.groupId]),
    value: r.type === 'groupDeleted' ? null : JSON.stringify(groupValue(r)),
  })), { timestamp: nowMs })
  return encoder.copy()
}

function groupValue(r: GroupRecord): Record<string, unknown> {
  if (r.groupType === 'classic') return { v: OFFSET_RECORD_VERSION, type: 'classic', protocolType: r.protocolType ?? '' }
  return { v: OFFSET_RECORD_VERSION, ...(r.assignor === undefined ? {} : { assignor: r.assignor }) }
}

/** One batch holding a load marker of `partition` (its coordinator's replay is done); a buffer of its own. */
export function encodeLoadMarker(partition: number, nowMs: number): Uint8Array {
  encoder.encode([{ key: JSON.stringify([LOAD_MARKER_KEY]), value: JSON.stringify({ v: OFFSET_RECORD_VERSION, partition, loadedAtMs: nowMs }) }],
    { timestamp: nowMs })
  return encoder.copy()
}

const LOAD_MARKER_KEY = 'loadMarker'

/**
 * The batches in bytes read from the log: each with the offset after it (compaction may leave a
 * batch with fewer records than offsets, even none), its records, and how many load markers it held
 * (checked, then skipped: they carry no state). `log` names the partition in errors.
 */
export function* decodeOffsetBatches(bytes: Uint8Array, log = '__consumer_offsets-0'):
  Generator<{ nextOffset: number; records: { offset: number; entry: OffsetsLogRecord }[]; loadMarkers: number }> {
  for (const batch of decodeBatches(bytes)) {
    const found = { loadMarkers: 0 }
    const records = [...decodeRecords(batch.records, log, found)]
    yield { nextOffset: batch.header.baseOffset + batch.header.lastOffsetDelta + 1, records, loadMarkers: found.loadMarkers }
  }
}

function* decodeRecords(records: Iterable<{ offset: number; key: Uint8Array | null; value: Uint8Array | null }>, log: string,
  found: { loadMarkers: number }): Generator<{ offset: number; entry: OffsetsLogRecord }> {
  const bad = (offset: number, what: string): Error => badRecord(log, offset, what)
  for (const r of records) {
    if (r.key === null) throw bad(r.offset, 'a record without a key')
    const key = parse(r.key, r.offset, log)
    if (Array.isArray(key) && key[0] === 'group') {
      yield { offset: r.offset, entry: { kind: 'group', record: decodeGroupRecord(key, r.value, r.offset, log) } }
      continue
    }
    if (Array.isArray(key) && key[0] === LOAD_MARKER_KEY) {
      checkLoadMarker(key, r.value, r.offset, log)
      found.loadMarkers++
      continue
    }
    if (!Array.isArray(key) || key.length !== 4 || key[0] !== 'offset' || typeof key[1] !== 'string' || typeof key[2] !== 'string'
      || !Number.isSafeInteger(key[3])) throw bad(r.offset, 'a malformed key')
    const base = { groupId: key[1] as string, topic: key[2] as string, partition: key[3] as number }
    if (r.value === null) {
      yield { offset: r.offset, entry: { kind: 'offset', record: { ...base, value: null } } }
      continue
    }
    const v = parse(r.value, r.offset, log) as Record<string, unknown> | null
    if (v === null || typeof v !== 'object' || v.v !== OFFSET_RECORD_VERSION || !Number.isSafeInteger(v.offset)
      || typeof v.metadata !== 'string' || !Number.isSafeInteger(v.commitTimestamp) || typeof v.topicId !== 'string'
      || (v.memberId !== undefined && typeof v.memberId !== 'string')) throw bad(r.offset, 'a malformed value')
    const value: CommittedOffset = { offset: v.offset as number, metadata: v.metadata as string, commitTimestamp: v.commitTimestamp as number,
      topicId: v.topicId as string, ...(v.memberId === undefined ? {} : { memberId: v.memberId as string }) }
    yield { offset: r.offset, entry: { kind: 'offset', record: { ...base, value } } }
  }
}

function decodeGroupRecord(key: unknown[], value: Uint8Array | null, offset: number, log: string): GroupRecord {
  if (key.length !== 2 || typeof key[1] !== 'string' || key[1].length === 0) throw badRecord(log, offset, 'a malformed group key')
  const groupId = key[1]
  if (value === null) return { type: 'groupDeleted', groupId }
  const v = parse(value, offset, log) as Record<string, unknown> | null
  if (v === null || typeof v !== 'object' || v.v !== OFFSET_RECORD_VERSION
    || (v.assignor !== undefined && !(SERVER_ASSIGNORS as readonly unknown[]).includes(v.assignor))
    || (v.type !== undefined && v.type !== 'consumer' && v.type !== 'classic')
    || (v.type === 'classic' && typeof v.protocolType !== 'string')) throw badRecord(log, offset, 'a malformed group value')
  if (v.type === 'classic') return { type: 'group', groupId, groupType: 'classic', protocolType: v.protocolType as string }
  return { type: 'group', groupId, ...(v.assignor === undefined ? {} : { assignor: v.assignor as ServerAssignor }) }
}

/** A load marker is checked like any record (a malformed one is not guessed at), though it carries no state. */
function checkLoadMarker(key: unknown[], value: Uint8Array | null, offset: number, log: string): void {
  if (key.length !== 1) throw badRecord(log, offset, 'a malformed load marker key')
  const v = value === null ? null : parse(value, offset, log) as Record<string, unknown> | null
  if (v === null || typeof v !== 'object' || v.v !== OFFSET_RECORD_VERSION || !Number.isSafeInteger(v.partition)
    || !Number.isSafeInteger(v.loadedAtMs)) throw badRecord(log, offset, 'a malformed load marker')
}

function parse(bytes: Uint8Array, offset: number, log: string): unknown {
  try {
    return JSON.parse(decodeUtf8(bytes))
  } catch {
    throw badRecord(log, offset, 'a record that is not JSON')
  }
}

function badRecord(log: string, offset: number, what: string): Error {
  return new Error(`${log} holds ${what} at offset ${offset}: refusing to guess committed offsets`)
}

/** The coordinator's in-memory key of one group's committed offset: "topic\0partition". */
export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export function splitOffsetKey(key: string): [string, number] {
  const at = key.lastIndexOf('\u0000')
  return [key.slice(0, at), Number(key.slice(at + 1))]
}

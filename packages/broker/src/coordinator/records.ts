// The records of the metadata log, `__cluster_metadata` partition 0 (DATA_DIR/__cluster_metadata-0/,
// an ordinary partition directory written by the storage engine, flush `always`, no retention). The
// log is the truth about topics: a change is appended and fdatasynced first, then acted on (partition
// directories made, closed, deleted); on start the log is replayed from its first offset.
//
//   one RecordBatch v2 per change (uncompressed, producerId -1), with one record:
//     key    the record type, UTF-8 ("topic", "topicDeleted", ...)
//     value  UTF-8 JSON, an object with `v: 1` and `type` equal to the key:
//       {v:1, type:"topic",        topic, topicId, partitions, config}  a topic is created
//       {v:1, type:"topicDeleted", topic, topicId}                      ... deleted
//       {v:1, type:"partitions",   topic, topicId, partitions}          ... grown to this many partitions
//       {v:1, type:"topicConfig",  topic, topicId, config}              ... given these overrides (all of them)
//       {v:1, type:"producerIds",  end}       producer ids below `end` may have been handed out
//       {v:1, type:"group",        groupId, assignor?}                  a consumer group is created
//       {v:1, type:"groupDeleted", groupId}                             ... deleted (its offsets are
//                                             tombstoned in __consumer_offsets first)
//     (group records are written in __consumer_offsets now, where they are compacted away once
//     deleted: groups/offset-records.ts; these are read, and a group created here is deleted here)
//       {v:1, type:"scramCredential", user, mechanism, salt, iterations, storedKey, serverKey}
//                                             a SCRAM credential is set (made or replaced); the
//                                             bytes base64; never a password (issue 19)
//       {v:1, type:"scramCredentialDeleted", user, mechanism}           ... deleted (a user with
//                                             no credential left is gone)
//       {v:1, type:"acl",        binding}      an ACL (protocol acl.ts AclBinding) is added
//       {v:1, type:"aclDeleted", binding}      ... removed
//   topicId: a UUID, so that a deleted and recreated topic is a new topic; config: {key: string}.
//
// A record read back is untrusted input: anything but this shape stops the broker's start with a
// message naming the offset (a newer broker's log, or a damaged one), rather than a guess.
import {
  aclBindingProblem, base64Decode, decodeBatches, decodeUtf8, isScramMechanism, RecordBatchEncoder, SCRAM_ITERATIONS_MAX, SCRAM_ITERATIONS_MIN,
  SERVER_ASSIGNORS, type AclBinding, type ScramMechanism, type ServerAssignor,
} from '@faecie/protocol'
import type { TopicConfig } from '../topics/config.js'

export const METADATA_RECORD_VERSION = 1

export type MetadataRecord =
  | { v: 1; type: 'topic'; topic: string; topicId: string; partitions: number; config: TopicConfig }
  | { v: 1; type: 'topicDeleted'; topic: string; topicId: string }
  | { v: 1; type: 'partitions'; topic: string; topicId: string; partitions: number }
  | { v: 1; type: 'topicConfig'; topic: string; topicId: string; config: TopicConfig }
  | { v: 1; type: 'producerIds'; end: number }
  | { v: 1; type: 'group'; groupId: string; assignor?: ServerAssignor }
  | { v: 1; type: 'groupDeleted'; groupId: string }
  | ScramCredentialRecord
  | { v: 1; type: 'scramCredentialDeleted'; user: string; mechanism: ScramMechanism }
  | { v: 1; type: 'acl'; binding: AclBinding }
  | { v: 1; type: 'aclDeleted'; binding: AclBinding }

/** A stored SCRAM credential: plain data (base64 bytes), so it crosses threads and sits in JSON. */
export interface ScramCredentialRecord {
  v: 1
  type: 'scramCredential'
  user: string
  mechanism: ScramMechanism
  salt: string
  iterations: number
  storedKey: string
  serverKey: string
}

/** The records of users and ACLs: what the coordinator posts to the main thread's SecurityState. */
export type SecurityRecord = Extract<MetadataRecord, { type: 'scramCredential' | 'scramCredentialDeleted' | 'acl' | 'aclDeleted' }>

export function isSecurityRecord(record: MetadataRecord): record is SecurityRecord {
  return record.type === 'scramCredential' || record.type === 'scramCredentialDeleted' || record.type === 'acl' || record.type === 'aclDeleted'
}

const encoder = new RecordBatchEncoder(4096)

/** One batch holding one record; a buffer of its own (the log rewrites its offsets in place). */
export function encodeMetadataRecord(record: MetadataRecord, nowMs: number): Uint8Array {
  encoder.encode([{ key: record.type, value: JSON.stringify(record) }], { timestamp: nowMs })
  return encoder.copy()
}

/** The records in whole batches read from the metadata log, with their offsets. */
export function* decodeMetadataRecords(bytes: Uint8Array): Generator<{ offset: number; record: MetadataRecord }> {
  for (const batch of decodeBatches(bytes)) {
    for (const r of batch.records) {
      if (r.value === null) throw badRecord(r.offset, 'a record without a value')
      let parsed: unknown
      try {
        parsed = JSON.parse(decodeUtf8(r.value))
      } catch {
        throw badRecord(r.offset, 'a value that is not JSON')
      }
      yield { offset: r.offset, record: checkRecord(parsed, r.offset) }
    }
  }
}

/** A user's or ACL's record from elsewhere (etcd, cluster/security-etcd.ts), checked as the log's are; throws when malformed. */
export function decodeSecurityValue(value: unknown): SecurityRecord {
  const record = checkRecord(value, -1)
  if (!isSecurityRecord(record)) throw new Error(`not a security record: ${String(record.type)}`)
  return record
}

function badRecord(offset: number, what: string): Error {
  return new Error(`__cluster_metadata-0 holds ${what} at offset ${offset}: refusing to guess the broker's metadata`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isConfig(value: unknown): value is TopicConfig {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string')
}

function checkRecord(value: unknown, offset: number): MetadataRecord {
  if (!isObject(value)) throw badRecord(offset, 'a value that is not an object')
  if (value.v !== METADATA_RECORD_VERSION) throw badRecord(offset, `a record of version ${String(value.v)}`)
  const str = (k: string): boolean => typeof value[k] === 'string' && (value[k] as string).length > 0
  const count = (k: string): boolean => Number.isSafeInteger(value[k]) && (value[k] as number) >= 0
  const ok = ((): boolean => {
    switch (value.type) {
      case 'topic': return str('topic') && str('topicId') && count('partitions') && isConfig(value.config)
      case 'topicDeleted': return str('topic') && str('topicId')
      case 'partitions': return str('topic') && str('topicId') && count('partitions')
      case 'topicConfig': return str('topic') && str('topicId') && isConfig(value.config)
      case 'producerIds': return count('end')
      case 'group': return str('groupId') && (value.assignor === undefined || (SERVER_ASSIGNORS as readonly unknown[]).includes(value.assignor))
      case 'groupDeleted': return str('groupId')
      case 'scramCredential': return str('user') && isScramMechanism(String(value.mechanism)) && isBase64(value.salt) &&
        Number.isSafeInteger(value.iterations) && (value.iterations as number) >= SCRAM_ITERATIONS_MIN &&
        (value.iterations as number) <= SCRAM_ITERATIONS_MAX && isBase64(value.storedKey) && isBase64(value.serverKey)
      case 'scramCredentialDeleted': return str('user') && isScramMechanism(String(value.mechanism))
      case 'acl': case 'aclDeleted': return isBinding(value.binding)
      default: return false
    }
  })()
  if (!ok) throw badRecord(offset, `a malformed record of type ${JSON.stringify(value.type)}`)
  return value as MetadataRecord
}

function isBase64(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0) return false
  try {
    base64Decode(value)
    return true
  } catch {
    return false
  }
}

const BINDING_KEYS = ['principal', 'host', 'resourceType', 'resourceName', 'patternType', 'operation', 'permission'] as const

function isBinding(value: unknown): value is AclBinding {
  return isObject(value) && BINDING_KEYS.every((k) => typeof value[k] === 'string') && aclBindingProblem(value as unknown as AclBinding) === undefined
}

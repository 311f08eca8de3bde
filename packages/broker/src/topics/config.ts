// Topic configuration: the keys a client may set (Kafka's names), their defaults, how each value is
// checked, and how a topic's config becomes the PartitionConfig its partition actors run with.
//
// A topic stores only its overrides (`{ "retention.ms": "3600000" }`), as Kafka does; its effective
// config is the defaults with the overrides on top, and is what describeTopics shows. Values travel
// as strings on the wire and in the metadata log; they are checked here, once, when set (an unknown
// key, a malformed number, a value out of range: INVALID_CONFIG naming the key), and again as a whole
// by the storage engine's own check (validateLogConfig), which knows the on-disk bounds.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { PartitionConfig } from '../partition/messages.js'
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS } from '../partition/producer-state.js'
import {
  DEFAULT_DELETE_RETENTION_MS,
  DEFAULT_LOG_CONFIG,
  DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  type CleanupPolicy,
} from '../storage/log-api.js'
import { SEGMENT_BYTES_MAX, SEGMENT_BYTES_MIN, validateLogConfig } from '../storage/log-config.js'

/** A topic's overrides, or a whole effective config: key -> value, both strings. */
export type TopicConfig = Record<string, string>
/** A change to a topic's overrides: null resets a key to its default. */
export type TopicConfigChanges = Record<string, string | null>

/** What the defaults depend on: the broker's batch limit caps `max.message.bytes`. */
export interface TopicConfigLimits {
  batchBytesMax: number
}

type Parsed = number | string

interface KeySpec {
  /** The default as a string, given the broker's limits. */
  defaultValue(limits: TopicConfigLimits): string
  parse(value: string, limits: TopicConfigLimits): Parsed
}

const INTEGER = /^-?\d{1,16}$/

function integer(min: number, max: number | ((l: TopicConfigLimits) => number), unlimited = false) {
  return (value: string, limits: TopicConfigLimits): number => {
    const upper = typeof max === 'function' ? max(limits) : max
    const n = INTEGER.test(value) ? Number(value) : NaN
    if (unlimited && n === -1) return n
    if (!Number.isSafeInteger(n) || n < min || n > upper) {
      throw new Error(`expected an integer from ${min} to ${upper}${unlimited ? ' (or -1: unlimited)' : ''}`)
    }
    return n
  }
}

function oneOf(...allowed: string[]) {
  return (value: string): string => {
    if (!allowed.includes(value)) throw new Error(`expected one of ${allowed.join(', ')}`)
    return value
  }
}

const fixed = (value: number | string) => (): string => String(value)

/** Kafka's default min.insync.replicas. */
export const DEFAULT_MIN_INSYNC_REPLICAS = 1
/** The largest replication factor (Kafka's: an int16), and so the largest min.insync.replicas. */
export const REPLICATION_FACTOR_MAX = 32767

export const TOPIC_CONFIG_KEYS: Readonly<Record<string, KeySpec>> = {
  'retention.ms': { defaultValue: fixed(DEFAULT_LOG_CONFIG.retentionMs), parse: integer(0, Number.MAX_SAFE_INTEGER, true) },
  'retention.bytes': { defaultValue: fixed(DEFAULT_LOG_CONFIG.retentionBytes), parse: integer(0, Number.MAX_SAFE_INTEGER, true) },
  'segment.bytes': { defaultValue: fixed(DEFAULT_LOG_CONFIG.segmentBytes), parse: integer(SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX) },
  'segment.ms': { defaultValue: fixed(DEFAULT_LOG_CONFIG.segmentMs), parse: integer(1, Number.MAX_SAFE_INTEGER) },
  flush: { defaultValue: fixed(DEFAULT_LOG_CONFIG.flush), parse: oneOf('always', 'interval', 'never') },
  'flush.ms': { defaultValue: fixed(DEFAULT_LOG_CONFIG.flushMs), parse: integer(0, 2 ** 31 - 1) },
  'max.message.bytes': {
    defaultValue: (limits) => String(limits.batchBytesMax),
    parse: integer(SEGMENT_BYTES_MIN, (limits) => limits.batchBytesMax),
  },
  'message.timestamp.type': { defaultValue: fixed('CreateTime'), parse: oneOf('CreateTime', 'LogAppendTime') },
  // Kafka's list form: `compact,delete` and `delete,compact` are the same policy, kept canonical.
  'cleanup.policy': {
    defaultValue: fixed('delete'),
    parse: (value) => {
      const parts = value.split(',').map((p) => p.trim())
      if (parts.length === 0 || parts.length > 2 || parts.some((p) => p !== 'compact' && p !== 'delete') ||
        new Set(parts).size !== parts.length) {
        throw new Error('expected delete, compact, or compact,delete')
      }
      return parts.length === 2 ? 'compact,delete' : parts[0]!
    },
  },
  'delete.retention.ms': { defaultValue: fixed(DEFAULT_DELETE_RETENTION_MS), parse: integer(0, Number.MAX_SAFE_INTEGER) },
  'min.cleanable.dirty.ratio': { defaultValue: fixed(DEFAULT_MIN_CLEANABLE_DIRTY_RATIO), parse: ratio },
  // A broker setting in Kafka; here per topic, with Kafka's default, as the partition actor keeps the state.
  'producer.id.expiration.ms': { defaultValue: fixed(DEFAULT_PRODUCER_ID_EXPIRATION_MS), parse: integer(1, Number.MAX_SAFE_INTEGER) },
  // Kafka's: acks=all needs this many replicas in the ISR. At most the replication factor, which a
  // cluster's controller checks (checkMinInsyncReplicas); a single broker's partitions have one replica.
  'min.insync.replicas': { defaultValue: fixed(DEFAULT_MIN_INSYNC_REPLICAS), parse: integer(1, REPLICATION_FACTOR_MAX) },
}

/** A topic's min.insync.replicas (overrides that passed validateTopicConfig). */
export function minInsyncReplicasOf(overrides: TopicConfig): number {
  const value = overrides['min.insync.replicas']
  return value === undefined ? DEFAULT_MIN_INSYNC_REPLICAS : Number(value)
}

/**
 * Throws INVALID_CONFIG when min.insync.replicas is above the replication factor: no acks=all
 * produce could ever succeed. A cluster's controller checks it when it creates or changes a topic.
 */
export function checkMinInsyncReplicas(overrides: TopicConfig, replicationFactor: number): void {
  const minInsync = minInsyncReplicasOf(overrides)
  if (minInsync > replicationFactor) {
    throw invalidConfig(`Invalid value ${minInsync} for topic config min.insync.replicas: the topic has ${replicationFactor} ` +
      `replica${replicationFactor === 1 ? '' : 's'} per partition, and acks=all would always fail.`)
  }
}

const RATIO = /^(0|1|0?\.\d{1,9}|1\.0{1,9})$/

/** A fraction from 0 to 1, written plainly (`0.5`, `.25`, `1`). */
function ratio(value: string): number {
  if (!RATIO.test(value)) throw new Error('expected a number from 0 to 1')
  return Number(value)
}

function invalidConfig(message: string): FaecieError {
  return new FaecieError(ErrorCode.INVALID_CONFIG, message)
}

/** Checks a set of overrides; throws INVALID_CONFIG naming the first bad key. Returns them, canonical. */
export function validateTopicConfig(overrides: TopicConfig, limits: TopicConfigLimits): TopicConfig {
  const out: TopicConfig = {}
  for (const [key, value] of Object.entries(overrides)) {
    const spec = TOPIC_CONFIG_KEYS[key]
    if (spec === undefined) {
      throw invalidConfig(`Unknown topic config key ${JSON.stringify(key.slice(0, 100))}; known keys: ${Object.keys(TOPIC_CONFIG_KEYS).join(', ')}.`)
    }
    if (typeof value !== 'string') throw invalidConfig(`Topic config ${key} must be a string.`)
    try {
      out[key] = String(spec.parse(value, limits))
    } catch (err) {
      throw invalidConfig(`Invalid value ${JSON.stringify(value.slice(0, 100))} for topic config ${key}: ${(err as Error).message}.`)
    }
  }
  // The storage engine checks the combination against what its files can hold.
  validateLogConfig(partitionConfigOf(out, limits))
  return out
}

/** Applies changes (null: back to the default) to overrides, and checks the result. */
export function changeTopicConfig(current: TopicConfig, changes: TopicConfigChanges, limits: TopicConfigLimits): TopicConfig {
  const next: TopicConfig = { ...current }
  for (const [key, value] of Object.entries(changes)) {
    if (TOPIC_CONFIG_KEYS[key] === undefined) {
      throw invalidConfig(`Unknown topic config key ${JSON.stringify(key.slice(0, 100))}.`)
    }
    if (value === null) delete next[key]
    else next[key] = value
  }
  return validateTopicConfig(next, limits)
}

/** Every key with its value: the defaults, then the overrides. */
export function effectiveTopicConfig(overrides: TopicConfig, limits: TopicConfigLimits): TopicConfig {
  const out: TopicConfig = {}
  for (const [key, spec] of Object.entries(TOPIC_CONFIG_KEYS)) out[key] = overrides[key] ?? spec.defaultValue(limits)
  return out
}

/** The settings a partition of this topic runs with. Overrides must have passed validateTopicConfig. */
export function partitionConfigOf(overrides: TopicConfig, limits: TopicConfigLimits): PartitionConfig {
  const c = effectiveTopicConfig(overrides, limits)
  const n = (key: string): number => Number(c[key])
  return {
    ...DEFAULT_LOG_CONFIG,
    retentionMs: n('retention.ms'),
    retentionBytes: n('retention.bytes'),
    segmentBytes: n('segment.bytes'),
    segmentMs: n('segment.ms'),
    flush: c.flush as PartitionConfig['flush'],
    flushMs: n('flush.ms'),
    maxMessageBytes: n('max.message.bytes'),
    timestampType: c['message.timestamp.type'] as PartitionConfig['timestampType'],
    cleanupPolicy: c['cleanup.policy'] as CleanupPolicy,
    deleteRetentionMs: n('delete.retention.ms'),
    minCleanableDirtyRatio: n('min.cleanable.dirty.ratio'),
    producerIdExpirationMs: n('producer.id.expiration.ms'),
  }
}

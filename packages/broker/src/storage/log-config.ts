// Checks a LogConfig against what the on-disk formats can hold. Configs come from users (topic
// configs, alterTopicConfig), so a bad one is answered with INVALID_CONFIG, never asserted.
import { invalidConfig } from './errors.js'
import type { LogConfig } from './log-api.js'

/** Positions in the indexes are u32 and Kafka caps segments at 2 GiB - 1; so do we. */
export const SEGMENT_BYTES_MAX = 2 ** 31 - 1
/** The smallest segment that holds a batch with no records: the 61-byte header. */
export const SEGMENT_BYTES_MIN = 61
/** Two time-index entries (12 bytes each): one for a batch, one written when the segment rolls. */
export const INDEX_BYTES_MIN = 24

const FLUSH_POLICIES = new Set(['always', 'interval', 'never'])
const CLEANUP_POLICIES = new Set(['delete', 'compact', 'compact,delete'])

/** Throws INVALID_CONFIG unless every field is in range. Returns the config for chaining. */
export function validateLogConfig(config: LogConfig): LogConfig {
  const integer = (name: keyof LogConfig, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const value = config[name]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw invalidConfig(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`)
    }
  }
  const integerOrUnlimited = (name: keyof LogConfig): void => {
    if (config[name] !== -1) integer(name, 0)
  }
  integer('segmentBytes', SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX)
  integer('segmentMs', 1)
  integerOrUnlimited('retentionMs')
  integerOrUnlimited('retentionBytes')
  integer('flushMs', 0)
  integer('indexIntervalBytes', 0, SEGMENT_BYTES_MAX)
  integer('indexBytesMax', INDEX_BYTES_MIN, SEGMENT_BYTES_MAX)
  if (config.cleanupPolicy !== undefined && !CLEANUP_POLICIES.has(config.cleanupPolicy)) {
    throw invalidConfig(`cleanupPolicy must be delete, compact or compact,delete, got ${String(config.cleanupPolicy)}`)
  }
  if (config.deleteRetentionMs !== undefined) integer('deleteRetentionMs', 0)
  const ratio = config.minCleanableDirtyRatio
  if (ratio !== undefined && (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1))) {
    throw invalidConfig(`minCleanableDirtyRatio must be a number in [0, 1], got ${String(ratio)}`)
  }
  if (!FLUSH_POLICIES.has(config.flush)) throw invalidConfig(`flush must be always, interval or never, got ${String(config.flush)}`)
  return config
}

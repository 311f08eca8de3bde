// The contract between a partition's log (storage/) and the partition actor (partition/) that owns it.
// The actor validates batches (structure, CRC, producer sequences) before calling append; the log
// assigns offsets, writes, indexes, flushes, reads, retains, truncates and recovers.

/** A record offset within a partition. Branded so that a file position cannot pass for one. */
export type Offset = number & { readonly __brand: 'Offset' }
/** A byte position within one segment file. */
export type FilePosition = number & { readonly __brand: 'FilePosition' }
/** An offset relative to its segment's base offset (fits u32). */
export type RelativeOffset = number & { readonly __brand: 'RelativeOffset' }

export type FlushPolicy = 'always' | 'interval' | 'never'
export type TimestampType = 'CreateTime' | 'LogAppendTime'
/** `cleanup.policy`: delete old segments, keep the latest record per key, or both (Kafka's `compact,delete`). */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'

/** Per-topic storage settings, with Kafka's names in the topic config (`segment.bytes`, ...). */
export interface LogConfig {
  /** `segment.bytes`: roll a new segment when the active one would pass this size. Max 2 GiB - 1. */
  segmentBytes: number
  /** `segment.ms`: roll when the active segment's first batch is older than this. */
  segmentMs: number
  /** `retention.ms`: delete whole closed segments whose newest record is older. -1 = forever. */
  retentionMs: number
  /** `retention.bytes`: delete oldest closed segments while the log is larger. -1 = unlimited. */
  retentionBytes: number
  /** `flush`: always = fdatasync before the high watermark moves (group commit per tick). */
  flush: FlushPolicy
  /** `flush.ms`: with flush `interval`, the longest time between fdatasyncs. */
  flushMs: number
  /** `index.interval.bytes`: an offset-index and time-index entry every this many log bytes. */
  indexIntervalBytes: number
  /**
   * `segment.index.bytes`: the largest size of each index file; the segment rolls before an index
   * would pass it. Index files are not preallocated: they grow by their entries.
   */
  indexBytesMax: number
  /**
   * `cleanup.policy` (default `delete`). Under `compact` retention by time and bytes does not apply;
   * under `compact,delete` both do. Optional so that configs written before compaction still work.
   */
  cleanupPolicy?: CleanupPolicy
  /** `delete.retention.ms`: how long a tombstone outlives the first cleaning that keeps it (its delete horizon). Default 1 day. */
  deleteRetentionMs?: number
  /** `min.cleanable.dirty.ratio`: compact when not-yet-cleaned bytes / cleanable bytes reach this. Default 0.5. */
  minCleanableDirtyRatio?: number
}

export const DEFAULT_DELETE_RETENTION_MS = 24 * 3600 * 1000
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5

/** Whether the policy keeps the latest record per key. */
export function isCompacted(config: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return config.cleanupPolicy === 'compact' || config.cleanupPolicy === 'compact,delete'
}

/** Whether retention by time and bytes deletes segments under the policy. */
export function deletesByRetention(config: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return config.cleanupPolicy === undefined || config.cleanupPolicy === 'delete' || config.cleanupPolicy === 'compact,delete'
}

export const DEFAULT_LOG_CONFIG: LogConfig = {
  segmentBytes: 128 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  flush: 'always',
  flushMs: 1000,
  indexIntervalBytes: 4096,
  indexBytesMax: 10 * 1024 * 1024,
}

/** What append returns: the offsets given to the appended batches. */
export interface AppendResult {
  /** Offset of the first record of the first batch. */
  baseOffset: number
  /** Offset of the last record of the last batch. */
  lastOffset: number
}

/** Raw batch bytes read from the log, starting at the batch that holds the offset asked for. */
export interface ReadResult {
  /** Whole batches back to back (never a torn batch). Empty when nothing is readable. */
  bytes: Uint8Array
  /** Offsets at the time of the read. */
  logStartOffset: number
  highWatermark: number
}

// The consumer's options, their defaults and checks. The reading options here serve both consumers;
// a group's own options (groupId, timeouts, commits) are checked in group-config.ts.
import { positive } from '../config.js'
import { type RetryOptions, resolveRetry } from '../retry.js'

export type AutoOffsetReset = 'earliest' | 'latest' | 'none'

/** maxBytesPerPartition's defaults, by mode (see ConsumerConfig). */
export const FETCH_BYTES_PER_PARTITION_DEFAULT = 4 * 1024 * 1024
export const PUSH_CREDIT_BYTES_DEFAULT = 1024 * 1024

/**
 * How records reach the consumer. 'fetch' (default): long-poll fetch requests, several partitions
 * per request. 'push': one subscription per partition; the broker pushes batches as they are
 * appended, within byte credit the consumer grants as the application consumes.
 */
export type ConsumerMode = 'fetch' | 'push'

export interface ConsumerConfig {
  /** Where to start when an assigned offset is out of range or not given. Default 'latest'. */
  autoOffsetReset?: AutoOffsetReset
  mode?: ConsumerMode
  /** How long the broker may hold a fetch waiting for minBytes. Default 500 (capped by the broker's maxWaitMsMax). */
  maxWaitMs?: number
  /** Default 1: answer as soon as anything is there. */
  minBytes?: number
  /** Record bytes one fetch answer may carry in all. Default 16 MiB. */
  maxBytes?: number
  /**
   * Record bytes one fetch may bring per partition (default 4 MiB), and a subscription's credit in
   * push mode (default 1 MiB). Fetch's default is larger because a backlog is read in fewer round
   * trips: measured with `faecie perf consume`, 4 MiB cost the broker a fifth less CPU per record.
   */
  maxBytesPerPartition?: number
  /** Record bytes buffered ahead of the application in all; no partition is fetched past it. Default 32 MiB. */
  bufferBytesMax?: number
  /** Retries of partition errors and of a failing eachMessage / eachBatch; default the client's. */
  retry?: Partial<RetryOptions>
}

/**
 * The least wait between two reads of a partition whose leader refused it (NOT_LEADER_OR_FOLLOWER and
 * its kin, retried without end): a retry config of zeros must not make a refresh loop of it.
 */
export const ROUTING_RETRY_MIN_MS = 100

export interface ResolvedConsumerConfig {
  autoOffsetReset: AutoOffsetReset
  mode: ConsumerMode
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  maxBytesPerPartition: number
  bufferBytesMax: number
  retry: RetryOptions
}

export function resolveConsumerConfig(config: ConsumerConfig, clientRetry: RetryOptions): ResolvedConsumerConfig {
  const autoOffsetReset = config.autoOffsetReset ?? 'latest'
  if (!['earliest', 'latest', 'none'].includes(autoOffsetReset)) throw new RangeError(`autoOffsetReset must be earliest, latest or none, not ${String(autoOffsetReset)}`)
  const mode = config.mode ?? 'fetch'
  if (mode !== 'fetch' && mode !== 'push') throw new RangeError(`mode must be 'fetch' or 'push', not ${String(mode)}`)
  return {
    autoOffsetReset,
    mode,
    maxWaitMs: positive('maxWaitMs', config.maxWaitMs, 500, { min: 0, integer: true }),
    minBytes: positive('minBytes', config.minBytes, 1, { min: 0, integer: true }),
    maxBytes: positive('maxBytes', config.maxBytes, 16 * 1024 * 1024, { integer: true }),
    maxBytesPerPartition: positive('maxBytesPerPartition', config.maxBytesPerPartition, mode === 'fetch' ? FETCH_BYTES_PER_PARTITION_DEFAULT : PUSH_CREDIT_BYTES_DEFAULT, { integer: true }),
    bufferBytesMax: positive('bufferBytesMax', config.bufferBytesMax, 32 * 1024 * 1024, { integer: true }),
    retry: resolveRetry(config.retry, clientRetry),
  }
}

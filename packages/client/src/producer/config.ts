// The producer's options, their defaults, and the checks that refuse bad ones when the producer is
// made. The idempotent producer is on by default with acks 'all' (as in Kafka 3+); asking for it
// with acks 0 or 1 is refused, since only acks all lets the broker de-duplicate safely.
import { type CompressionName, isCompressionSupported } from '@faecie/protocol'
import { positive } from '../config.js'
import { type RetryOptions, resolveRetry } from '../retry.js'

export type AcksOption = 'all' | -1 | 1 | 0

export interface ProducerConfig {
  /** 'all' (-1, default): answered once written (and, with replication, replicated); 1: once the leader wrote it; 0: no answer. */
  acks?: AcksOption
  /** How long a batch stays open for more records. Default 5. */
  lingerMs?: number
  /** A batch closes when its records reach this size. Default 1 MiB (and never more than the broker's batchBytesMax). */
  batchBytes?: number
  /** Default 'none'. gzip works everywhere; snappy, lz4 and zstd once registered (the Node entry does). */
  compression?: CompressionName
  /** Default true with acks 'all', false otherwise. */
  idempotent?: boolean
  /** Batches in flight per partition. Default 16, at most 16 when idempotent (the broker remembers 16). */
  maxInFlightPerPartition?: number
  /** Record bytes held by the producer (open, queued and unacknowledged) before send() waits. Default 64 MiB. */
  bufferBytesMax?: number
  /** How long the broker may wait for acks. Default 30 s. */
  timeoutMs?: number
  /** A batch not acknowledged this long after it was made fails with REQUEST_TIMED_OUT. Default 120 s. */
  deliveryTimeoutMs?: number
  /** Retries of retriable errors; default the client's. */
  retry?: Partial<RetryOptions>
  /** How often send() asks again for a topic the broker does not know (it may be being created). Default 3. */
  unknownTopicRetries?: number
}

export interface ResolvedProducerConfig {
  acks: 0 | 1 | -1
  lingerMs: number
  batchBytes: number
  compression: CompressionName
  idempotent: boolean
  maxInFlightPerPartition: number
  bufferBytesMax: number
  timeoutMs: number
  deliveryTimeoutMs: number
  retry: RetryOptions
  unknownTopicRetries: number
}

/** The broker keeps the sequences of a producer's last 16 batches per partition (DESIGN.md section 3). */
export const IDEMPOTENT_IN_FLIGHT_MAX = 16

export function resolveProducerConfig(config: ProducerConfig, clientRetry: RetryOptions): ResolvedProducerConfig {
  const acksOption = config.acks ?? 'all'
  if (!['all', -1, 1, 0].includes(acksOption)) throw new RangeError(`acks must be 'all', -1, 1 or 0, not ${String(acksOption)}`)
  const acks = acksOption === 'all' ? -1 : acksOption
  const idempotent = config.idempotent ?? acks === -1
  if (idempotent && acks !== -1) throw new RangeError(`the idempotent producer needs acks 'all'; set idempotent: false to use acks ${acks}`)
  const compression = config.compression ?? 'none'
  if (!isCompressionSupported(compression)) {
    throw new RangeError(`compression '${String(compression)}' is not available here (gzip always is; snappy, lz4 and zstd need the Node entry or a registered codec)`)
  }
  const maxInFlightPerPartition = positive('maxInFlightPerPartition', config.maxInFlightPerPartition, IDEMPOTENT_IN_FLIGHT_MAX, { integer: true })
  if (idempotent && maxInFlightPerPartition > IDEMPOTENT_IN_FLIGHT_MAX) {
    throw new RangeError(`maxInFlightPerPartition is at most ${IDEMPOTENT_IN_FLIGHT_MAX} for the idempotent producer`)
  }
  return {
    acks,
    lingerMs: positive('lingerMs', config.lingerMs, 5, { min: 0 }),
    batchBytes: positive('batchBytes', config.batchBytes, 1024 * 1024, { integer: true }),
    compression,
    idempotent,
    maxInFlightPerPartition,
    bufferBytesMax: positive('bufferBytesMax', config.bufferBytesMax, 64 * 1024 * 1024, { integer: true }),
    timeoutMs: positive('timeoutMs', config.timeoutMs, 30_000, { integer: true }),
    deliveryTimeoutMs: positive('deliveryTimeoutMs', config.deliveryTimeoutMs, 120_000),
    retry: resolveRetry(config.retry, clientRetry),
    unknownTopicRetries: positive('unknownTopicRetries', config.unknownTopicRetries, 3, { min: 0, integer: true }),
  }
}

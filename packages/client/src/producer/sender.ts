// One partition's send pipeline: closed batches wait in `queue`, are numbered as they leave it (the
// idempotent producer's baseSequence, which goes up by each batch's record count and wraps at 2^31,
// as Kafka's does) and stay in `inFlight` until answered; at most maxInFlight at once (16 by
// default: the broker remembers the last 16 batches of each producer, DESIGN.md section 3).
//
// Errors, and why order and exactly-once survive them:
// - retriable (a dropped connection, a full mailbox): the batch is sent again with the same
//   sequence; if it had been written, the broker answers it as a duplicate with its first offset.
// - OUT_OF_ORDER_SEQUENCE_NUMBER while an earlier batch is unanswered or failed: this batch is behind
//   a gap the earlier one left, and was not written; it goes again behind that one.
// - a final error (MESSAGE_TOO_LARGE, or retries spent): the batch fails, and every later batch
//   would sit behind its gap, so the partition takes a new producer id and numbers the rest from 0.
// - OUT_OF_ORDER_SEQUENCE_NUMBER with nothing before it: the broker lost this producer's state; same.
// Only a batch certainly not written is numbered again under a new producer id: one never sent, or
// whose every attempt was answered with an error the broker gives before appending (NOT_APPENDED).
// A batch that may have been written (batch.mayBeWritten: a timeout, a lost connection, an error that
// may follow the append such as KAFKA_STORAGE_ERROR or NOT_LEADER_OR_FOLLOWER) would be written twice,
// and out of order, under the new id: it fails instead, its outcome unknown to the application (as
// Kafka's producer fails such a batch rather than resend it under a new epoch).
// In each case the partition stops sending ("recovering") until every batch in flight is answered,
// then puts the ones to resend back at the front of the queue in sequence order, so they reach the
// broker in their original order.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { isRetriable } from '../retry.js'
import type { BatchResult, ProducerBatch } from './batch.js'

const SEQUENCE_MAX = 0x7fffffff

/**
 * Errors a broker answers a produce with before appending its batch (checks of the request, the
 * records, the producer's sequence, the ISR before the append, a full mailbox or session). Any other
 * outcome (a timeout, a lost connection, KAFKA_STORAGE_ERROR, NOT_ENOUGH_REPLICAS_AFTER_APPEND, and
 * NOT_LEADER_OR_FOLLOWER, which the gateway also answers when leadership moved after the append:
 * gateway/ops/produce.ts) leaves the batch possibly written.
 */
const NOT_APPENDED: ReadonlySet<number> = new Set([
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.UNKNOWN_PRODUCER_ID,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.INVALID_RECORD, ErrorCode.INVALID_TIMESTAMP, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, ErrorCode.INVALID_REQUIRED_ACKS,
  ErrorCode.MAILBOX_FULL, ErrorCode.TOO_MANY_IN_FLIGHT,
])

/** The error a batch that may have been written fails with when its partition takes a new producer id. */
export function unknownOutcomeError(batch: ProducerBatch): FaecieError {
  const last = batch.lastError
  const why = last === undefined ? '' : ` (last error: ${last.message})`
  return new FaecieError(last?.code ?? ErrorCode.UNKNOWN_SERVER_ERROR,
    `The outcome of a batch for ${batch.topic}-${batch.partition} is unknown: it may have been written${why}, and the partition ` +
    'needed a new producer id, under which sending it again could write it twice.', { retriable: false, cause: last })
}

export function nextSequence(sequence: number, recordCount: number): number {
  const next = sequence + recordCount
  return next > SEQUENCE_MAX ? next - SEQUENCE_MAX - 1 : next
}

export interface SenderOptions {
  idempotent: boolean
  maxInFlight: number
  /** Sends a batch may have in all (1 + retries). */
  attemptsMax: number
  /** The wait before resending a batch that failed `attempts` times. */
  backoffMs: (attempts: number) => number
}

export type ResponseVerdict = 'done' | 'retry' | 'failed'

export class PartitionSender {
  readonly queue: ProducerBatch[] = []
  readonly inFlight: ProducerBatch[] = []
  producerId = -1
  producerEpoch = -1
  nextSequence = 0
  /** Sending is held until every batch in flight is answered. */
  recovering = false
  /** The partition needs a new producer id before it sends again. */
  needsProducerId = false
  private readonly resend: ProducerBatch[] = []
  private readonly options: SenderOptions
  /** Counts batches as they first leave the queue: their order, which sequences lose when they wrap. */
  private ordinal = 0

  constructor(options: SenderOptions) {
    this.options = options
  }

  /** Batches not yet answered, queued or in flight. */
  get pendingCount(): number {
    return this.queue.length + this.inFlight.length + this.resend.length
  }

  /** True when the head of the queue may be sent now. */
  canSend(nowMs: number): boolean {
    const head = this.queue[0]
    return !this.recovering && !this.needsProducerId && head !== undefined && this.inFlight.length < this.options.maxInFlight && head.retryAtMs <= nowMs
  }

  /** The idempotence fields of a batch's header: its own once numbered, else the ones it will get. */
  headerFor(batch: ProducerBatch): { producerId: number; producerEpoch: number; baseSequence: number } {
    if (!this.options.idempotent) return { producerId: -1, producerEpoch: -1, baseSequence: -1 }
    if (batch.baseSequence >= 0) return { producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence }
    return { producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence: this.nextSequence }
  }

  /** Takes the head of the queue into flight, numbering it if it has no number yet. */
  take(): ProducerBatch {
    const batch = this.queue.shift()!
    if (this.options.idempotent && batch.baseSequence < 0) {
      batch.baseSequence = this.nextSequence
      batch.producerId = this.producerId
      batch.producerEpoch = this.producerEpoch
      this.nextSequence = nextSequence(this.nextSequence, batch.recordCount)
    }
    if (batch.ordinal < 0) batch.ordinal = this.ordinal++
    batch.attempts++
    this.inFlight.push(batch)
    return batch
  }

  /** A batch sent with acks 0: no answer will come, it is done once sent. */
  sentWithoutAck(batch: ProducerBatch): void {
    this.remove(batch)
    batch.succeed({ baseOffset: -1, logAppendTime: -1 })
  }

  /** The answer to a batch in flight; returns what became of it. */
  answer(batch: ProducerBatch, result: BatchResult | FaecieError, nowMs: number): ResponseVerdict {
    this.remove(batch)
    if (!(result instanceof Error)) {
      batch.succeed(result)
      return this.settle('done')
    }
    batch.lastError = result
    const code = result.code
    if (!NOT_APPENDED.has(code)) batch.mayBeWritten = true
    if (code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && this.options.idempotent) {
      // Written before, too long ago for the broker to remember its offset.
      batch.succeed({ baseOffset: -1, logAppendTime: -1 })
      return this.settle('done')
    }
    const canRetry = batch.attempts < this.options.attemptsMax
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && this.options.idempotent && canRetry) {
      // Behind a gap left by an earlier batch (still unanswered, or to be resent): it was not written.
      if (!this.hasEarlier(batch)) this.needsProducerId = true
      return this.retryLater(batch, nowMs)
    }
    if (isRetriable(result) && canRetry) return this.retryLater(batch, nowMs)
    batch.fail(result)
    if (this.options.idempotent) {
      this.needsProducerId = true
      this.recovering = true
    }
    return this.settle('failed')
  }

  /** A batch that never left (too large, or timed out in the queue); for the idempotent producer a gap. */
  failQueued(batch: ProducerBatch, err: FaecieError): void {
    const index = this.queue.indexOf(batch)
    if (index >= 0) this.queue.splice(index, 1)
    batch.fail(err)
    if (this.options.idempotent && batch.baseSequence >= 0) {
      this.needsProducerId = true
      this.recovering = true
      this.settle('failed')
    }
  }

  /** A new producer id for this partition: everything certainly not written is numbered again from 0. */
  restart(producerId: number, producerEpoch: number): void {
    this.producerId = producerId
    this.producerEpoch = producerEpoch
    this.nextSequence = 0
    this.needsProducerId = false
    this.unnumberQueue()
  }

  /** Ends recovery once nothing is in flight: the batches to resend go first, in sequence order. */
  private settle(verdict: ResponseVerdict): ResponseVerdict {
    if (!this.recovering || this.inFlight.length > 0) return verdict
    this.resend.sort((a, b) => a.ordinal - b.ordinal)
    this.queue.unshift(...this.resend.splice(0))
    this.recovering = false
    if (this.needsProducerId) this.unnumberQueue()
    return verdict
  }

  /**
   * Before a new producer id: the queued batches that may have been written fail (outcome unknown),
   * the others lose their numbers, to be numbered under the new id as they leave the queue.
   */
  private unnumberQueue(): void {
    for (const batch of [...this.queue]) {
      if (!batch.mayBeWritten) {
        batch.baseSequence = -1
        continue
      }
      this.queue.splice(this.queue.indexOf(batch), 1)
      batch.fail(unknownOutcomeError(batch))
    }
  }

  private retryLater(batch: ProducerBatch, nowMs: number): ResponseVerdict {
    batch.retryAtMs = nowMs + this.options.backoffMs(batch.attempts)
    this.resend.push(batch)
    this.recovering = true
    return this.settle('retry')
  }

  private hasEarlier(batch: ProducerBatch): boolean {
    const before = (b: ProducerBatch): boolean => b.ordinal >= 0 && b.ordinal < batch.ordinal
    return this.inFlight.some(before) || this.resend.some(before) || this.queue.some(before)
  }

  private remove(batch: ProducerBatch): void {
    const index = this.inFlight.indexOf(batch)
    if (index >= 0) this.inFlight.splice(index, 1)
  }
}

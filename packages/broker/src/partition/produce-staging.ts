// The produce path of a partition actor (partition-actor.ts), in the order a tick runs it: each
// produce is staged (validated by produce-validation.ts, checked against its producer's sequences,
// given its offsets and, under LogAppendTime, its timestamp) and answered at once if refused; the
// staged batches are gathered into one buffer and appended with one write; and each gets the
// acknowledgement that answers its producer, held by the actor until it is durable (and replicated).
// The actor decides when to flush, snapshot and send; these pieces hold no state but the buffer.
import { strict as assert } from 'node:assert'
import { ErrorCode, readBatchHeader, stampLogAppendTime } from '@faecie/protocol'
import type { PartitionLog } from '../storage/log.js'
import type { Envelope } from './actor-options.js'
import type { PartitionConfig, ProduceResult } from './messages.js'
import type { HeldAck } from './pipelined-commit.js'
import { RequestError, toWireError, validateProduced } from './produce-validation.js'
import { lastSequenceOf, type ProducerState } from './producer-state.js'

export interface StagedProduce {
  envelope: Envelope
  baseOffset: number
  lastOffset: number
  /** Set for a duplicate: the stored batch's offsets are the answer, nothing is written. */
  duplicate: boolean
  bytes: Uint8Array
  /** The time stamped into the batch under LogAppendTime (the answer tells the same one), else -1. */
  logAppendTime: number
  /** Set once the producer got its answer (a failed commit answers only the others). */
  answered?: boolean
}

/**
 * Validates one produce request; answers it at once if refused, else returns it staged after
 * `staged` (the tick's earlier produces), its producer's sequence recorded.
 */
export function stageProduce(envelope: Envelope, bytes: Uint8Array, staged: StagedProduce[], nowMs: number,
  config: PartitionConfig, producers: ProducerState, logEndOffset: number): StagedProduce | undefined {
  try {
    const batches = validateProduced(bytes, config)
    const next = nextOffset(staged, logEndOffset)
    const first = readBatchHeader(bytes, 0)
    const logAppendTime = config.timestampType === 'LogAppendTime' ? nowMs : -1
    let records = 0
    for (const pos of batches) records += readBatchHeader(bytes, pos).lastOffsetDelta + 1
    if (first.producerId >= 0) {
      const lastSequence = lastSequenceOf(first.baseSequence, first.lastOffsetDelta)
      const verdict = producers.check(first.producerId, first.producerEpoch, first.baseSequence, lastSequence)
      switch (verdict.kind) {
        case 'duplicate':
          return {
            envelope, baseOffset: verdict.batch.baseOffset, lastOffset: verdict.batch.lastOffset, duplicate: true, bytes, logAppendTime,
          }
        case 'fenced-epoch':
          throw new RequestError(ErrorCode.INVALID_PRODUCER_EPOCH,
            `producer ${first.producerId} epoch ${first.producerEpoch} is older than ${verdict.current}`)
        case 'out-of-order':
          throw new RequestError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `producer ${first.producerId}: sequence ${first.baseSequence}, expected ${verdict.expected}`)
        case 'append':
          producers.record(first.producerId, first.producerEpoch,
            { firstSequence: first.baseSequence, lastSequence, baseOffset: next, lastOffset: next + records - 1 },
            nowMs)
      }
    }
    if (logAppendTime >= 0) for (const pos of batches) stampLogAppendTime(bytes, pos, logAppendTime)
    return { envelope, baseOffset: next, lastOffset: next + records - 1, duplicate: false, bytes, logAppendTime }
  } catch (err) {
    envelope.reply({ ok: false, error: toWireError(err) })
    return undefined
  }
}

/** The offset the next fresh batch gets: after the last staged batch that will be written. */
function nextOffset(staged: StagedProduce[], logEndOffset: number): number {
  for (let i = staged.length - 1; i >= 0; i--) if (!staged[i]!.duplicate) return staged[i]!.lastOffset + 1
  return logEndOffset
}

/**
 * The buffer the staged batches of a tick are gathered into for their one write, kept between ticks
 * up to `bytesKept` (larger ticks allocate and drop theirs).
 */
export class StagingBuffer {
  readonly #bytesKept: number
  #staging = new Uint8Array(0)

  constructor(bytesKept: number) {
    this.#bytesKept = bytesKept
  }

  /**
   * Appends every fresh (not duplicate) staged batch with one write, stamped with `leaderEpoch`;
   * asserts the log gave the offsets staging promised. Returns the bytes written.
   */
  appendFresh(log: PartitionLog, staged: StagedProduce[], leaderEpoch: number): number {
    const fresh = staged.filter((s) => !s.duplicate)
    if (fresh.length === 0) return 0
    const expectedBase = fresh[0]!.baseOffset
    const bytes = fresh.length === 1 ? fresh[0]!.bytes : this.#gather(fresh)
    assert(expectedBase === log.logEndOffset, `staged base ${expectedBase} != log end ${log.logEndOffset}`)
    const appended = log.append(bytes, leaderEpoch)
    assert(appended.baseOffset === expectedBase && appended.lastOffset === fresh[fresh.length - 1]!.lastOffset,
      `log gave ${appended.baseOffset}..${appended.lastOffset}, actor expected ${expectedBase}..`)
    return bytes.length
  }

  /** Drops the buffer (a partition gone idle). */
  release(): void {
    this.#staging = new Uint8Array(0)
  }

  #gather(fresh: StagedProduce[]): Uint8Array {
    let total = 0
    for (const s of fresh) total += s.bytes.length
    if (this.#staging.length < total) this.#staging = new Uint8Array(Math.max(total, this.#staging.length * 2))
    let pos = 0
    for (const s of fresh) {
      this.#staging.set(s.bytes, pos)
      pos += s.bytes.length
    }
    const view = this.#staging.subarray(0, total)
    if (this.#staging.length > this.#bytesKept) this.#staging = new Uint8Array(0)
    return view
  }
}

/**
 * The acknowledgement of a staged produce, once appended: `send` answers with its offsets and gives
 * the produced bytes back to the sender's pool (they were copied into the log); `fail` answers an error.
 */
export function produceAck(s: StagedProduce, logStartOffset: number): HeldAck {
  const result: ProduceResult = {
    baseOffset: s.baseOffset, lastOffset: s.lastOffset, logAppendTime: s.logAppendTime, logStartOffset, duplicate: s.duplicate,
  }
  const returned = s.bytes.byteOffset === 0 ? (s.bytes.buffer as ArrayBuffer) : undefined
  return {
    lastOffset: s.lastOffset,
    send: () => {
      s.answered = true
      s.envelope.reply({ ok: true, value: result }, returned)
    },
    fail: (code, message) => {
      s.answered = true
      s.envelope.reply({ ok: false, error: { code, message } })
    },
  }
}

// One producer of the workload: sends one record per op, values `<name>-<n>` (n rising in send
// order), record n to partition n modulo the partition count, with at most inFlightMax sends in
// flight and at most recordsPerSecMax sends a second.
//
// Outcomes, precisely:
//   ok       the send resolved with the record's offset; or resolved without one (offset -1: the
//            broker answered DUPLICATE_SEQUENCE_NUMBER, written before at an offset it no longer
//            remembers): ok with `duplicateAck`, no offset (the checker wants it in the log once);
//   fail     the send was refused before the record could reach a broker: the producer was
//            already disconnected, or the record was refused as bad input by the client itself
//            (a TypeError/RangeError, or a partition the topic does not have); or, for a producer
//            that makes one attempt only (leader1: retries 0), the broker answered with a code it
//            gives only before appending (BEFORE_APPEND_CODES);
//   unknown  everything else: any other error after the record was handed to the producer (a batch
//            may have reached the leader on an earlier attempt, whatever the last attempt said).
// A send is only invoked on a producer that has connected (and got its producer id), so the
// client's own connecting is never a send's failure.
//
// A producer that fails FAILURES_BEFORE_RECREATE sends in a row, or whose bootstrap list changed,
// is made again; the old one is disconnected in the background (its sends still complete their ops).
import { ErrorCode, FaecieError, type Producer } from '@faecie/client'
import type { Acks, ProduceOp } from '../history/history.js'
import { FAILURES_BEFORE_RECREATE, RECREATE_BACKOFF_MS, type WorkloadContext, disconnectWithin } from './context.js'

export interface ProducerSpec {
  /** The producer's name: the prefix of its values, so no '-' in it. */
  name: string
  acks: Acks
  idempotent: boolean
}

/**
 * Codes a broker answers an acks=1 produce with only before appending it (gateway/ops/produce.ts:
 * unknown topic or partition, internal topic, batch over batchBytesMax; the partition actor's
 * validation: CRC, structure, max.message.bytes, records; the session's and mailbox's limits;
 * NOT_ENOUGH_REPLICAS is acks=all's refusal before the append). Never in it: NOT_LEADER_OR_FOLLOWER
 * (also answered after an append when leadership moved meanwhile), KAFKA_STORAGE_ERROR (also after
 * bytes were written, a failed fsync), REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND, SHUTTING_DOWN.
 */
export const BEFORE_APPEND_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE,
  ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUIRED_ACKS,
  ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.MAILBOX_FULL, ErrorCode.TOO_MANY_IN_FLIGHT,
])

/** The outcome of a send that rejected with `err` (see the file's comment); `oneAttempt`: the producer never retries. */
export function sendFailureOutcome(err: unknown, oneAttempt = false): 'fail' | 'unknown' {
  if (err instanceof TypeError || err instanceof RangeError) return 'fail'
  if (!(err instanceof FaecieError)) return 'unknown'
  if (!err.retriable) {
    // Both thrown by the producer before it appends the record (producer.ts append / appendNow).
    if (err.code === ErrorCode.NETWORK_EXCEPTION && err.message === 'The producer is disconnected.') return 'fail'
    if (err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && / has no partition /.test(err.message)) return 'fail'
  }
  // Its one attempt was refused before the append (or never left the client with this code).
  if (oneAttempt && BEFORE_APPEND_CODES.has(err.code)) return 'fail'
  return 'unknown'
}

export class ProducerLoop {
  private producer: Producer | undefined
  private producerUrls = ''
  /** The current producer has connected (and got its producer id). */
  private producerReady = false
  private readonly retired = new Set<Producer>()
  private sequence = 0
  /** How many producers were made: ops of the n-th are recorded as client `<name>#<n>`. */
  private session = 0
  private inFlight = 0
  private failuresInRow = 0
  private nextSendAtMs = 0
  private slotWaiter: (() => void) | undefined
  private loop: Promise<void> | undefined

  constructor(private readonly ctx: WorkloadContext, readonly spec: ProducerSpec) {
    if (spec.name.includes('-')) throw new RangeError(`a producer's name must not contain '-': ${spec.name}`)
    if (spec.idempotent && spec.acks !== 'all') throw new RangeError(`${spec.name}: the idempotent producer needs acks all`)
  }

  start(): void {
    this.loop ??= this.run()
  }

  get sentCount(): number {
    return this.sequence
  }

  /** Ends the send loop (the workload's stop signal is already set); the sends in flight are the recorder's. */
  async stop(): Promise<void> {
    this.slotWaiter?.()
    await this.loop
  }

  /** Disconnects the current and retired producers (bounded). */
  async close(): Promise<void> {
    const all = [...this.retired, ...(this.producer === undefined ? [] : [this.producer])]
    this.retired.clear()
    this.producer = undefined
    await Promise.all(all.map((p) => disconnectWithin(p)))
  }

  private async run(): Promise<void> {
    const { options } = this.ctx
    const intervalMs = 1000 / options.recordsPerSecMax
    while (!this.ctx.stopping) {
      // The rate: one send per interval at most (no bursts to catch up after a stall).
      const nowMs = options.clock()
      if (this.nextSendAtMs > nowMs) await this.ctx.sleep(this.nextSendAtMs - nowMs)
      this.nextSendAtMs = Math.max(this.nextSendAtMs, options.clock()) + intervalMs
      while (this.inFlight >= options.inFlightMax && !this.ctx.stopping) {
        await new Promise<void>((resolve) => (this.slotWaiter = resolve))
      }
      if (this.ctx.stopping) break
      const producer = await this.connected()
      if (producer === undefined) continue
      this.sendOne(producer)
    }
  }

  /** The producer to send with, connected; undefined (after a pause) when it could not connect. */
  private async connected(): Promise<Producer | undefined> {
    const urls = this.ctx.urlsKey()
    if (this.producer !== undefined && (this.failuresInRow >= FAILURES_BEFORE_RECREATE || urls !== this.producerUrls)) this.retire()
    if (this.producer === undefined) {
      const { acks, idempotent, name } = this.spec
      const timeoutMs = this.ctx.options.requestTimeoutMs
      // A producer that is not idempotent never retries: a retry could write its record twice, and
      // every record of the campaign must be in the log at most once.
      this.producer = this.ctx.client(name).producer({ acks: acks === 'all' ? 'all' : 1, idempotent, timeoutMs, lingerMs: 2, ...(idempotent ? {} : { retry: { retries: 0 } }) })
      this.producerUrls = urls
      this.session++
      this.producerReady = false
      this.failuresInRow = 0
    }
    const producer = this.producer
    if (this.producerReady) return producer
    if (await this.ctx.untilStopped(producer.connect().then(() => true, () => false)) === true) {
      if (this.producer === producer) this.producerReady = true
      return producer
    }
    if (!this.ctx.stopping) {
      this.retire()
      await this.ctx.sleep(RECREATE_BACKOFF_MS)
    }
    return undefined
  }

  private retire(): void {
    const old = this.producer
    this.producer = undefined
    if (old === undefined) return
    this.retired.add(old)
    void disconnectWithin(old).then(() => this.retired.delete(old))
  }

  private sendOne(producer: Producer): void {
    const { topic, partitions } = this.ctx.options
    const { name, acks, idempotent } = this.spec
    const sequence = this.sequence++
    const partition = sequence % partitions
    const value = `${name}-${sequence}`
    // Each producer made is a session of its own (a new producer id): order holds within one only.
    const op = this.ctx.recorder.begin<ProduceOp>({ type: 'produce', client: `${name}#${this.session}`, topic, partition, value, producer: name, sequence, acks, idempotent })
    if (op === undefined) return
    this.inFlight++
    producer.send({ topic, messages: [{ value, partition }] }).then(
      (metadata) => {
        const offset = metadata[0]?.baseOffset ?? -1
        if (offset >= 0) {
          this.failuresInRow = 0
          op.ok({ offset })
        } else {
          // DUPLICATE_SEQUENCE_NUMBER: written before, at an offset the broker no longer remembers.
          this.failuresInRow = 0
          op.ok({ duplicateAck: true })
        }
      },
      (err: unknown) => {
        this.failuresInRow++
        op.end(sendFailureOutcome(err, !idempotent), err)
      },
    ).finally(() => {
      this.inFlight--
      const wake = this.slotWaiter
      this.slotWaiter = undefined
      wake?.()
    })
  }
}

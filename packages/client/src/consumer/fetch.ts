// Reading by long-poll fetch (the default mode): one fetch request covers every partition that may
// be read now; the broker holds it up to maxWaitMs until minBytes are there. A partition is asked
// for again as soon as its answer is in and the buffer has room for it, so a busy partition keeps
// one fetch in flight and an idle one one long poll. Why the default: it serves any number of
// partitions per request (subscriptions are limited per session), it is how Kafka's consumers and
// followers read, and catching up on a backlog goes in large answers; push mode (push.ts) saves a
// round trip per batch when tailing a few partitions.
//
// Reading ahead: when an answer brings records and the partition has more (below the high
// watermark), the next fetch for it goes out before this answer is decoded, so that the broker
// reads the next chunk while this one is decoded and handled (a consumer catching up otherwise
// waits out a round trip per chunk). It goes only while the partition has nothing buffered and the
// whole buffer has room for both chunks: a partition holds at most two chunks at once.
import { FaecieError, type FetchRequest } from '@faecie/protocol'
import type { Connection } from '../connection.js'
import type { Chunk } from './message-buffer.js'
import { nextOffsetOf } from './message.js'
import type { ReadContext, Reader } from './reader.js'
import type { PartitionState } from './state.js'

interface Asked {
  state: PartitionState
  generation: number
  offset: number
  /** A read-ahead: its answer counts only if the chunk before it was delivered (the offset got here). */
  ahead?: boolean
}

export class FetchReader implements Reader {
  private readonly context: ReadContext

  constructor(context: ReadContext) {
    this.context = context
  }

  pump(connection: Connection, states: readonly PartitionState[], nowMs: number): void {
    const { config, buffer } = this.context
    if (buffer.bytes >= config.bufferBytesMax || !connection.canSendNow) return
    const asked: Asked[] = []
    for (const state of states) {
      if (state.busy || !this.context.readable(state, nowMs)) continue
      asked.push({ state, generation: state.generation, offset: state.offset })
    }
    if (asked.length > 0) this.fetch(connection, asked)
  }

  /** One fetch request for `asked` (each marked busy until its answer is in). */
  private fetch(connection: Connection, asked: Asked[]): void {
    const { config } = this.context
    const topics = new Map<string, FetchRequest['topics'][number]>()
    for (const { state, generation, offset } of asked) {
      state.busyGeneration = generation
      let topic = topics.get(state.topic)
      if (topic === undefined) topics.set(state.topic, (topic = { topic: state.topic, partitions: [] }))
      topic.partitions.push({ partition: state.partition, offset, maxBytes: config.maxBytesPerPartition })
    }
    const maxWaitMs = Math.min(config.maxWaitMs, connection.limits.maxWaitMsMax)
    const request: FetchRequest = { maxWaitMs, minBytes: config.minBytes, maxBytes: config.maxBytes, topics: [...topics.values()] }
    const sentAtMs = Date.now()
    connection.request('fetch', request, { timeoutMs: maxWaitMs + this.context.cluster.config.requestTimeoutMs }).then(
      (response) => {
        let anyRecords = false
        for (const { state, generation, offset, ahead } of asked) {
          if (state.busyGeneration === generation) state.busyGeneration = -1
          // The chunk before a read-ahead failed to decode: the partition reads from there again.
          if (ahead === true && state.offset !== offset) continue
          const answer = response.topics?.find((t) => t.topic === state.topic)?.partitions?.find((p) => p.partition === state.partition)
          if (answer === undefined) continue
          if (answer.error !== undefined) {
            this.context.fail(state, generation, FaecieError.fromWire(answer.error))
          } else if (answer.records instanceof Uint8Array && answer.records.length > 0) {
            anyRecords = true
            this.readAhead(connection, state, generation, offset, answer.records, answer.highWatermark)
            this.context.deliver(state, generation, offset, answer.records, answer.highWatermark)
          } else {
            state.highWatermark = answer.highWatermark
            state.routingErrors = 0 // its leader serves it again
          }
        }
        // An empty answer that came back early (before maxWaitMs): wait out the rest of the poll
        // here rather than ask again at once, so a broker that does not hold fetches is not spun on.
        const earlyMs = sentAtMs + maxWaitMs - Date.now()
        if (!anyRecords && earlyMs > 0) for (const { state } of asked) state.retryAtMs = Math.max(state.retryAtMs, Date.now() + earlyMs)
      },
      (err: unknown) => {
        for (const { state, generation, offset, ahead } of asked) {
          if (state.busyGeneration === generation) state.busyGeneration = -1
          if (ahead === true && state.offset !== offset) continue
          this.context.fail(state, generation, err as FaecieError)
        }
      },
    ).finally(() => this.context.wake())
  }

  /** Asks for the chunk after `records` now, before they are decoded, if the partition may read ahead (see the top). */
  private readAhead(connection: Connection, state: PartitionState, generation: number, offset: number, records: Uint8Array, highWatermark: number): void {
    const { config, buffer } = this.context
    if (generation !== state.generation || state.busy || state.bufferedBytes > 0 || !connection.canSendNow) return
    if (buffer.bytes + records.length + config.maxBytesPerPartition > config.bufferBytesMax) return
    if (!this.context.readable(state, Date.now())) return
    const next = nextOffsetOf(records, offset)
    if (next === undefined || next >= highWatermark) return
    this.fetch(connection, [{ state, generation, offset: next, ahead: true }])
  }

  released(_chunk: Chunk): void {
    this.context.wake()
  }

  reset(_state: PartitionState): void {
    // A fetch in flight for the old position is dropped when it comes back (its generation is old).
  }
}

// run(): the kafkajs way of consuming. One loop takes the buffer's messages in order and awaits the
// application's eachMessage for each (or eachBatch for each chunk of one partition's messages).
// When the handler throws, the partition is seeked back to the message that failed, so it comes
// again after a backoff; after the retry budget the loop stops and reports the error to the
// consumer's 'crash' listeners (as kafkajs's consumer crashes). A surfaced partition error stops
// the loop the same way.
//
// stop() waits for the handler in progress, unless it is called from inside that handler (a handler
// that awaits consumer.stop() or disconnect() to end after N messages): then it only stops the loop,
// which ends once the handler returns (handler-scope.ts tells the two apart: each handler call
// runs under a token of its own).
import type { FaecieError } from '@faecie/protocol'
import { backoffMs, sleep } from '../retry.js'
import { handlerScope } from './handler-scope.js'
import { Batch, throwIfCorrupt } from './batch.js'
import type { ResolvedConsumerConfig } from './config.js'
import type { MessageBuffer } from './message-buffer.js'
import type { ConsumedMessage } from './message.js'
import type { RecordSet } from './records.js'
import type { PartitionState } from './state.js'

export { Batch } from './batch.js'
export type { RecordView } from './records.js'

export interface EachMessagePayload {
  topic: string
  partition: number
  message: ConsumedMessage
}

export interface EachBatchPayload {
  batch: Batch
  /** False once the consumer is stopping: a long handler should wind up. */
  isRunning(): boolean
  /** True once the partition was seeked (or unassigned) since this batch was read: the rest is stale. */
  isStale(): boolean
  /** kafkajs compatibility: with eachBatch, say how far the batch was handled if it throws part-way. */
  resolveOffset(offset: number): void
  /** kafkajs compatibility; no group, nothing to do. */
  heartbeat(): Promise<void>
}

export interface RunOptions {
  eachMessage?: (payload: EachMessagePayload) => Promise<void>
  eachBatch?: (payload: EachBatchPayload) => Promise<void>
}

/** What the loop needs of the consumer. */
export interface RunHost {
  readonly config: ResolvedConsumerConfig
  readonly buffer: MessageBuffer
  stateOf(topic: string, partition: number): PartitionState
  seek(target: { topic: string; partition: number; offset: number }): void
}

export class RunLoop {
  private readonly host: RunHost
  private readonly onCrash: (err: unknown) => void
  private running = false
  private loop: Promise<void> | undefined
  private stopper = new AbortController()
  /** A token for the handler call in progress: code running inside it (handler-scope.ts) carries it. */
  private handlerCall: object | undefined

  constructor(host: RunHost, onCrash: (err: unknown) => void) {
    this.host = host
    this.onCrash = onCrash
  }

  start(options: RunOptions): void {
    if (this.running) throw new Error('The consumer is already running.')
    if (options.eachMessage === undefined && options.eachBatch === undefined) throw new TypeError('run() needs eachMessage or eachBatch')
    this.running = true
    this.stopper = new AbortController()
    this.loop = this.runLoop(options).catch((err: unknown) => {
      this.running = false
      this.onCrash(err)
    })
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopper.abort()
    this.host.buffer.wake()
    if (!this.insideHandler()) await this.loop
  }

  /**
   * True when called from inside the handler call in progress (not from work an earlier handler
   * call left running: that one is not waiting for us).
   */
  insideHandler(): boolean {
    return this.handlerCall !== undefined && handlerScope().owner() === this.handlerCall
  }

  /** Calls a handler under a fresh token, so that stop() can tell it is called from inside. */
  private async callHandler(call: () => Promise<void>): Promise<void> {
    const token = {}
    this.handlerCall = token
    try {
      await handlerScope().run(token, call)
    } finally {
      if (this.handlerCall === token) this.handlerCall = undefined
    }
  }

  private async runLoop(options: RunOptions): Promise<void> {
    const { buffer } = this.host
    let failures = 0
    while (this.running) {
      const err: FaecieError | undefined = buffer.takeError()
      if (err !== undefined) throw err
      const chunk = buffer.takeChunk()
      if (chunk === undefined) {
        await buffer.wait()
        continue
      }
      const { state, records } = chunk
      // A corrupt record met while making messages moves the partition on (consumer.ts, corrupted())
      // and the chunk with it: read its generation as it is now.
      const stale = (): boolean => state.generation !== chunk.generation
      let handled = -1 // the last offset handled, for a restart after a failure
      try {
        if (options.eachBatch !== undefined) {
          const eachBatch = options.eachBatch
          const batch = new Batch(records, chunk.highWatermark)
          await this.callHandler(() => eachBatch({
            batch,
            isRunning: () => this.running,
            isStale: stale,
            resolveOffset: (offset) => {
              handled = Math.max(handled, offset)
            },
            heartbeat: async () => undefined,
          }))
          throwIfCorrupt(batch) // met by the handler, which may have caught it
          handled = records.lastOffset
        } else {
          const eachMessage = options.eachMessage!
          for (const message of buffer.messagesOf(chunk)) {
            if (!this.running || stale()) break
            await this.callHandler(() => eachMessage({ topic: state.topic, partition: state.partition, message }))
            handled = message.offset
          }
        }
        failures = 0
        if (!this.running && !stale()) this.rewind(state, records, handled)
      } catch (error) {
        if (failures >= this.host.config.retry.retries) throw error
        if (!stale()) this.rewind(state, records, handled)
        await sleep(backoffMs(failures++, this.host.config.retry), this.stopper.signal)
      }
    }
  }

  /** Seeks the partition back to the first record of the chunk not yet handled, so it comes again. */
  private rewind(state: PartitionState, records: RecordSet, handled: number): void {
    const next = handled < records.firstOffset ? records.firstOffset : handled + 1
    if (next <= records.lastOffset) this.host.seek({ topic: state.topic, partition: state.partition, offset: next })
  }
}

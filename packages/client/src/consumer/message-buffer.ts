// The consumer's read-ahead: chunks of decoded messages in the order they arrived, waiting for the
// application. Bounded: the fetcher reads a partition only while its buffered bytes are under
// maxBytesPerPartition (or, reading ahead, fetch.ts, while it has none: two chunks at most) and the
// whole buffer's under bufferBytesMax (subscriptions: only within credit, given back as chunks are
// released here). Messages of a paused partition stay and are passed over; chunks read before a
// seek are stale and dropped when met. Errors surfaced to the application queue here too, ahead
// of data.
import type { FaecieError } from '@faecie/protocol'
import type { ConsumedMessage } from './message.js'
import type { PartitionState } from './state.js'

/** Errors held for the application at most; past it the oldest are kept (it will see one soon enough). */
export const ERRORS_HELD_MAX = 16

export interface Chunk {
  state: PartitionState
  generation: number
  messages: ConsumedMessage[]
  /** The next message to deliver. */
  index: number
  /** Record bytes as received (the unit of the buffer limits and of push credit). */
  bytes: number
  highWatermark: number
  /** The subscription that pushed it (push mode), whose credit it spent. */
  sub: number | undefined
}

export class MessageBuffer {
  private chunks: Chunk[] = []
  private readonly errors: FaecieError[] = []
  private waiters: Array<() => void> = []
  private readonly onRelease: (chunk: Chunk) => void
  /** Record bytes held. */
  bytes = 0

  constructor(onRelease: (chunk: Chunk) => void) {
    this.onRelease = onRelease
  }

  get chunkCount(): number {
    return this.chunks.length
  }

  push(chunk: Chunk): void {
    this.chunks.push(chunk)
    this.bytes += chunk.bytes
    chunk.state.bufferedBytes += chunk.bytes
    this.wake()
  }

  pushError(err: FaecieError): void {
    if (this.errors.length < ERRORS_HELD_MAX) this.errors.push(err)
    this.wake()
  }

  takeError(): FaecieError | undefined {
    return this.errors.shift()
  }

  /** The first chunk that may be delivered now (partition not paused, not stale), without taking it. */
  peekChunk(): Chunk | undefined {
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!
      if (chunk.generation !== chunk.state.generation || chunk.index >= chunk.messages.length) {
        this.removeAt(i--)
        continue
      }
      if (!chunk.state.paused) return chunk
    }
    return undefined
  }

  /** Takes the first deliverable chunk whole (eachBatch), its remaining messages only. */
  takeChunk(): Chunk | undefined {
    const chunk = this.peekChunk()
    if (chunk === undefined) return undefined
    this.removeAt(this.chunks.indexOf(chunk))
    if (chunk.index > 0) chunk.messages = chunk.messages.slice(chunk.index)
    chunk.index = 0
    return chunk
  }

  /** Takes the next deliverable message (stream(), eachMessage). */
  nextMessage(): ConsumedMessage | undefined {
    const chunk = this.peekChunk()
    if (chunk === undefined) return undefined
    const message = chunk.messages[chunk.index++]!
    if (chunk.index >= chunk.messages.length) this.removeAt(this.chunks.indexOf(chunk))
    return message
  }

  /** Drops everything buffered for a partition (seek, unassign). */
  drop(state: PartitionState): void {
    for (let i = 0; i < this.chunks.length; i++) if (this.chunks[i]!.state === state) this.removeAt(i--)
  }

  /** Resolves when data or an error arrives, or something else calls wake() (resume, close). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }

  private removeAt(index: number): void {
    const [chunk] = this.chunks.splice(index, 1)
    if (chunk === undefined) return
    this.bytes -= chunk.bytes
    chunk.state.bufferedBytes -= chunk.bytes
    this.onRelease(chunk)
  }
}

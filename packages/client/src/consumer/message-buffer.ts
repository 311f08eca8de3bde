// The consumer's read-ahead: chunks of records (records.ts: read lazily) in the order they arrived, waiting for the
// application. Bounded: the fetcher reads a partition only while its buffered bytes are under
// maxBytesPerPartition (or, reading ahead, fetch.ts, while it has none: two chunks at most) and the
// whole buffer's under bufferBytesMax (subscriptions: only within credit, given back as chunks are
// released here). Messages of a paused partition stay and are passed over; chunks read before a
// seek are stale and dropped when met. Errors surfaced to the application queue here too: one of a
// partition waits behind the messages of that partition already here (it is met at its position,
// as Kafka's consumer throws at the record it cannot read, so the records before a damaged or
// corrupt one are all delivered first) and is dropped by a seek; one of no partition goes ahead of
// data.
import type { FaecieError } from '@faecie/protocol'
import type { ConsumedMessage } from './message.js'
import type { RecordSet } from './records.js'
import type { PartitionState } from './state.js'

/** Errors held for the application at most; past it the oldest are kept (it will see one soon enough). */
export const ERRORS_HELD_MAX = 16

export interface Chunk {
  state: PartitionState
  generation: number
  /** Read on demand: eachBatch walks them, stream() and eachMessage make messages of them. */
  records: RecordSet
  /** The next message to deliver (stream()). */
  index: number
  /** Record bytes as received (the unit of the buffer limits and of push credit). */
  bytes: number
  highWatermark: number
  /** The subscription that pushed it (push mode), whose credit it spent. */
  sub: number | undefined
}

/** An error for the application, of one partition (at the generation it was read under) or of none. */
interface HeldError {
  err: FaecieError
  state: PartitionState | undefined
  generation: number
}

export class MessageBuffer {
  private chunks: Chunk[] = []
  private errors: HeldError[] = []
  private waiters: Array<() => void> = []
  private readonly onRelease: (chunk: Chunk) => void
  private readonly onCorrupt: (chunk: Chunk) => void
  /** Record bytes held. */
  bytes = 0

  /** `onCorrupt`: messages were made of a chunk and a record did not parse (chunk.records.error). */
  constructor(onRelease: (chunk: Chunk) => void, onCorrupt: (chunk: Chunk) => void = () => undefined) {
    this.onRelease = onRelease
    this.onCorrupt = onCorrupt
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

  /** Holds `err` for the application; of `state`, it comes after that partition's buffered messages. */
  pushError(err: FaecieError, state?: PartitionState): void {
    if (this.errors.length < ERRORS_HELD_MAX) this.errors.push({ err, state, generation: state?.generation ?? 0 })
    this.wake()
  }

  /** The first error due now: of no partition, or of one with no message left before it. */
  takeError(): FaecieError | undefined {
    this.errors = this.errors.filter((e) => e.state === undefined || e.generation === e.state.generation)
    const at = this.errors.findIndex((e) => e.state === undefined || !this.holdsMessagesOf(e.state))
    return at < 0 ? undefined : this.errors.splice(at, 1)[0]!.err
  }

  private holdsMessagesOf(state: PartitionState): boolean {
    return this.chunks.some((c) => c.state === state && c.generation === state.generation && c.index < c.records.count)
  }

  /** The first chunk that may be delivered now (partition not paused, not stale), without taking it. */
  peekChunk(): Chunk | undefined {
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!
      if (chunk.generation !== chunk.state.generation || chunk.index >= chunk.records.count) {
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
    chunk.records.dropFirst(chunk.index)
    chunk.index = 0
    return chunk
  }

  /** Takes the next deliverable message (stream()). */
  nextMessage(): ConsumedMessage | undefined {
    for (;;) {
      const chunk = this.peekChunk()
      if (chunk === undefined) return undefined
      const messages = this.messagesOf(chunk)
      if (chunk.index >= messages.length) continue // a corrupt record cut it short: dropped by the peek
      const message = messages[chunk.index++]!
      if (chunk.index >= messages.length) this.removeAt(this.chunks.indexOf(chunk))
      return message
    }
  }

  /** The chunk's messages, made now if they were not; a corrupt record met is reported once. */
  messagesOf(chunk: Chunk): ConsumedMessage[] {
    const hadError = chunk.records.error !== undefined
    const messages = chunk.records.messages()
    if (!hadError && chunk.records.error !== undefined) this.onCorrupt(chunk)
    return messages
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

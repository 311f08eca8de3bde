// The seam between the consumer (consumer.ts: assignment, buffer, error policy, the application's
// side) and the two ways of reading records from the broker: fetch.ts (long-poll fetch, the
// default) and push.ts (subscribe + credit). A reader asks the context for the connection, reads
// what the partition states allow, and hands each answer back to deliver() or fail().
import type { FaecieError } from '@faecie/protocol'
import type { Cluster } from '../cluster.js'
import type { Connection } from '../connection.js'
import type { ResolvedConsumerConfig } from './config.js'
import type { Chunk, MessageBuffer } from './message-buffer.js'
import type { PartitionState } from './state.js'

export interface ReadContext {
  readonly cluster: Cluster
  readonly config: ResolvedConsumerConfig
  readonly buffer: MessageBuffer
  states(): Iterable<PartitionState>
  /** True when the partition may be read now (assigned, resolved, not failed, not backing off, under its limits). */
  readable(state: PartitionState, nowMs: number): boolean
  /** Decodes records read from `fromOffset` for `generation` and buffers them (dropped if stale). */
  deliver(state: PartitionState, generation: number, fromOffset: number, records: Uint8Array, highWatermark: number, sub?: number): void
  /** A partition's EARLIEST / LATEST placeholder became this offset (listOffsets answered). */
  positionResolved(state: PartitionState): void
  /** A partition's error: reset, back off, or surface to the application (dropped if stale). */
  fail(state: PartitionState, generation: number, err: FaecieError): void
  /** Runs the readers again soon. */
  wake(): void
}

export interface Reader {
  /** Starts every read the states allow now on `connection` (their leader's). */
  pump(connection: Connection, states: readonly PartitionState[], nowMs: number): void
  /** The application is done with a chunk (push: its bytes become credit again). */
  released(chunk: Chunk): void
  /** The partition's position moved, or it was unassigned: stop what was under way for it. */
  reset(state: PartitionState): void
}

// Reading by subscription (mode 'push'): one `subscribe` per partition from its position with
// maxBytesPerPartition of credit; the broker pushes batches as they are appended while credit lasts,
// and the credit is given back (op `credit`) as the application consumes: at least half of it at a
// time, so a steady tail costs a credit request per half window. A paused partition consumes
// nothing, gives nothing back, and so gets at most one window ahead. A seek or an unassign ends the
// subscription; a dropped connection ends its subscriptions, and the next pump subscribes again from
// each partition's position. In a cluster each partition subscribes on its leader's connection; a
// subscription ended by NOT_LEADER_OR_FOLLOWER (the leader moved) is taken again at the new leader
// from the partition's position (the offset after the last record delivered).
import { FaecieError, type PushFrame } from '@faecie/protocol'
import type { Connection } from '../connection.js'
import type { Chunk } from './message-buffer.js'
import type { ReadContext, Reader } from './reader.js'
import type { PartitionState } from './state.js'

export class PushReader implements Reader {
  private readonly context: ReadContext
  /** The connection each live subscription is on (subs are numbered per session). */
  private readonly subConnections = new Map<PartitionState, Connection>()
  private readonly adopted = new WeakSet<Connection>()

  constructor(context: ReadContext) {
    this.context = context
  }

  pump(connection: Connection, states: readonly PartitionState[], nowMs: number): void {
    this.adopt(connection)
    for (const state of states) {
      if (state.sub !== undefined || state.busy || !this.context.readable(state, nowMs)) continue
      this.subscribe(connection, state)
    }
  }

  released(chunk: Chunk): void {
    const state = chunk.state
    if (chunk.sub === undefined || chunk.sub !== state.sub || chunk.generation !== state.generation) return
    state.creditOwedBytes += chunk.bytes
    if (state.creditOwedBytes * 2 < this.context.config.maxBytesPerPartition) return
    const bytes = state.creditOwedBytes
    state.creditOwedBytes = 0
    this.subConnections.get(state)?.request('credit', { sub: chunk.sub, bytes }).catch(() => undefined) // a lost connection resubscribes
  }

  reset(state: PartitionState): void {
    const sub = state.sub
    if (sub === undefined) return
    state.sub = undefined
    const connection = this.subConnections.get(state)
    this.subConnections.delete(state)
    connection?.setPushHandler(sub, undefined)
    connection?.request('unsubscribe', { sub }).catch(() => undefined)
  }

  private adopt(connection: Connection): void {
    if (this.adopted.has(connection)) return
    this.adopted.add(connection)
    connection.onClose(() => {
      // Subscriptions end with their session.
      for (const [state, on] of this.subConnections) {
        if (on !== connection) continue
        state.sub = undefined
        this.subConnections.delete(state)
      }
      this.context.wake()
    })
  }

  private subscribe(connection: Connection, state: PartitionState): void {
    const generation = state.generation
    const creditBytes = this.context.config.maxBytesPerPartition
    state.busyGeneration = generation
    connection.request('subscribe', { topic: state.topic, partition: state.partition, offset: state.offset, creditBytes }, {
      // Registered in the same turn as the answer arrives: the first push may be right behind it.
      onResponse: (frame) => {
        const sub = frame.sub as number
        if (generation !== state.generation) {
          connection.request('unsubscribe', { sub }).catch(() => undefined)
          return
        }
        state.sub = sub
        this.subConnections.set(state, connection)
        state.creditOwedBytes = 0
        state.routingErrors = 0 // its leader serves it again
        connection.setPushHandler(sub, (push) => this.onPush(connection, state, generation, sub, push))
      },
    }).then(
      () => {
        if (state.busyGeneration === generation) state.busyGeneration = -1
      },
      (err: unknown) => {
        if (state.busyGeneration === generation) state.busyGeneration = -1
        this.context.fail(state, generation, err as FaecieError)
      },
    ).finally(() => this.context.wake())
  }

  private onPush(connection: Connection, state: PartitionState, generation: number, sub: number, push: PushFrame): void {
    if (state.sub !== sub || state.generation !== generation) return
    if (push.error !== undefined) {
      state.sub = undefined
      this.subConnections.delete(state)
      connection.setPushHandler(sub, undefined)
      this.context.fail(state, generation, FaecieError.fromWire(push.error))
      this.context.wake()
      return
    }
    const records = push.records
    if (!(records instanceof Uint8Array)) return
    this.context.deliver(state, generation, state.offset, records, typeof push.highWatermark === 'number' ? push.highWatermark : -1, sub)
  }
}

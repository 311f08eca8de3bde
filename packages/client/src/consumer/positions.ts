// Turning the EARLIEST / LATEST placeholders of partition states into offsets: one listOffsets
// request for every partition waiting on one (after assign() without an offset, or an
// autoOffsetReset), per connection: the partitions the consumer routed to it. An answer for a position that has moved meanwhile (a seek) is dropped.
import { EARLIEST_TIMESTAMP, FaecieError, LATEST_TIMESTAMP, type ListOffsetsRequest } from '@faecie/protocol'
import type { Connection } from '../connection.js'
import type { ReadContext } from './reader.js'
import { EARLIEST, type PartitionState } from './state.js'

export function resolvePositions(context: ReadContext, connection: Connection, states: Iterable<PartitionState>): void {
  const asked = [...states].filter((s) => s.offset < 0 && !s.busy && s.failed === undefined)
  if (asked.length === 0 || !connection.canSendNow) return
  const topics = new Map<string, ListOffsetsRequest['topics'][number]>()
  const generations = asked.map((state) => {
    state.busyGeneration = state.generation
    let topic = topics.get(state.topic)
    if (topic === undefined) topics.set(state.topic, (topic = { topic: state.topic, partitions: [] }))
    topic.partitions.push({ partition: state.partition, timestamp: state.offset === EARLIEST ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })
    return state.generation
  })
  connection.request('listOffsets', { topics: [...topics.values()] }).then(
    (response) => asked.forEach((state, i) => {
      const generation = generations[i]!
      if (state.busyGeneration === generation) state.busyGeneration = -1
      const answer = response.topics?.find((t) => t.topic === state.topic)?.partitions?.find((p) => p.partition === state.partition)
      if (answer?.error !== undefined) context.fail(state, generation, FaecieError.fromWire(answer.error))
      else if (answer !== undefined && answer.offset >= 0 && generation === state.generation) {
        state.offset = answer.offset
        context.positionResolved(state)
      }
    }),
    (err: unknown) => asked.forEach((state, i) => {
      if (state.busyGeneration === generations[i]) state.busyGeneration = -1
      context.fail(state, generations[i]!, err as FaecieError)
    }),
  ).finally(() => context.wake())
}

// Reading records back with the real client, for integration tests: a consumer without a group,
// assigned to the given partitions from offset 0 (earliest), streaming until `count` messages came;
// it disconnects however the read ends.
import type { ConsumedMessage, Faecie } from '../../packages/client/src/node.js'

/** The first `count` messages of `topic`'s `partitions` (default [0]), from their start. */
export async function readMessages(faecie: Faecie, topic: string, count: number, partitions: readonly number[] = [0]): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = []
  if (count === 0) return out
  const reader = faecie.consumer({ autoOffsetReset: 'earliest' })
  reader.assign(partitions.map((partition) => ({ topic, partition, offset: 0 })))
  try {
    for await (const message of reader.stream()) {
      out.push(message)
      if (out.length >= count) break
    }
  } finally {
    await reader.disconnect()
  }
  return out
}

// Reads one page of records for the message browser: from each chosen partition, up to its share
// of the page from its position, with `fetch` requests that do not wait (maxWaitMs 0) on the
// console's reader connection. Whole batches come back, so records before the position are
// skipped and a partition is asked again (a few rounds at most) until it has its share or is read
// to its high watermark. Records come back oldest first across partitions (by timestamp, partition, offset).
import { FaecieError } from '@faecie/client/browser'
import { decodeBatches } from '@faecie/protocol'
import type { ConsoleClient } from './client.js'
import type { PartitionWindow, Positions } from './paging.js'

export interface BrowsedRecord {
  partition: number
  offset: number
  timestamp: number
  key: Uint8Array | null
  value: Uint8Array | null
  headers: Array<{ key: string; value: Uint8Array | null }>
}

export interface FetchPageOptions {
  topic: string
  windows: readonly PartitionWindow[]
  positions: Positions
  /** Records per partition. */
  share: number
  /** Record bytes one partition's answer may carry per round. */
  partitionBytesMax?: number
  /** Fetch requests per page at most. */
  roundsMax?: number
}

export interface FetchedPage {
  records: BrowsedRecord[]
  /** Per partition, the offset of the last record read. */
  lastRead: Map<number, number>
}

export async function fetchPage(client: ConsoleClient, options: FetchPageOptions): Promise<FetchedPage> {
  const { topic, windows, share } = options
  const partitionBytesMax = options.partitionBytesMax ?? 1024 * 1024
  const roundsMax = options.roundsMax ?? 8
  const next = new Map(options.positions)
  const got = new Map<number, BrowsedRecord[]>(windows.map((w) => [w.partition, []]))
  const high = new Map(windows.map((w) => [w.partition, w.high]))
  const wanted = (partition: number): boolean => (got.get(partition)?.length ?? share) < share && (next.get(partition) ?? Infinity) < (high.get(partition) ?? 0)
  for (let round = 0; round < roundsMax; round++) {
    const partitions = windows.map((w) => w.partition).filter(wanted)
    if (partitions.length === 0) break
    const response = await client.reader.cluster.request('fetch', {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: partitionBytesMax * partitions.length,
      topics: [{ topic, partitions: partitions.map((partition) => ({ partition, offset: next.get(partition)!, maxBytes: partitionBytesMax })) }],
    })
    for (const result of response.topics.find((t) => t.topic === topic)?.partitions ?? []) {
      if (result.error !== undefined) {
        throw new FaecieError(result.error.code, `${topic}-${result.partition}: ${result.error.message}`, { errorName: result.error.name, retriable: result.error.retriable })
      }
      const list = got.get(result.partition)
      if (list === undefined) continue
      const from = next.get(result.partition)!
      let nextOffset = from
      for (const batch of decodeBatches(result.records)) {
        nextOffset = Math.max(nextOffset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1)
        if (batch.control) continue
        for (const record of batch.records) {
          if (record.offset < from || list.length >= share) continue
          list.push({ partition: result.partition, offset: record.offset, timestamp: record.timestamp, key: record.key, value: record.value, headers: record.headers })
        }
      }
      // Nothing came back: the partition has nothing more to give now.
      next.set(result.partition, result.records.length === 0 ? (high.get(result.partition) ?? nextOffset) : nextOffset)
    }
  }
  const records = [...got.values()].flat()
  const lastRead = new Map<number, number>()
  for (const [partition, list] of got) if (list.length > 0) lastRead.set(partition, list[list.length - 1]!.offset)
  records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset)
  return { records, lastRead }
}

// Op `fetch`: reads whole batches from several partitions as a long poll. It reads every partition;
// if the answer holds fewer than `minBytes` record bytes and no error, it waits until one of the
// partitions moves (the offset watch) or `maxWaitMs` (capped by maxWaitMsMax) runs out, and reads
// again. Sizes, as Kafka: a partition returns at most its `maxBytes` (default the request's) but at
// least one whole batch; the answer holds at most min(maxBytes, fetchBytesMax) record bytes, except
// that the first partition with data always comes whole; a later partition that would pass the
// budget comes back empty (its consumer asks again). Errors are per partition: a topic or partition
// that does not exist (UNKNOWN_TOPIC_OR_PARTITION), an offset outside [logStartOffset, highWatermark]
// (OFFSET_OUT_OF_RANGE), a busy partition (MAILBOX_FULL, retriable).
//
// Memory: each round shares the answer's budget among the partitions it must read, in order (a
// partition the budget has run out for answers empty this time), and takes that many bytes out of
// the session's share of the read budget *before* reading (waiting for room: a session whose answers
// are not leaving has its reads stop). The reservation is trimmed to the bytes the answer carries
// and held until the answer has been handed to the socket (ctx.hold); a round that waits for data
// gives it back first, so a long poll holds no budget while it waits.
import type { FetchPartitionResult, FetchTopicResult, WireError } from '@faecie/protocol'
import { partitionKey, type PartitionKey } from '../../partition/messages.js'
import { countRecords } from '../../metrics/batch-records.js'
import type { Reservation } from '../byte-budget.js'
import { checkItemCount, unknownTopicOrPartition, wireError, type Gateway, type OpHandler } from '../context.js'

interface Read {
  topic: string
  partition: number
  offset: number
  maxBytes: number
  /** This round's share of the answer's budget (0: not read this round). */
  allotted: number
  key: PartitionKey | undefined
  /** Set when the partition does not exist: never read. */
  missing?: WireError
}

const EMPTY = new Uint8Array(0)

function plan(gateway: Gateway, request: Parameters<OpHandler<'fetch'>>[0], budget: number): Read[] {
  const reads: Read[] = []
  for (const t of request.topics) {
    const meta = gateway.topics.lookup(t.topic)
    for (const p of t.partitions) {
      const maxBytes = Math.min(p.maxBytes ?? request.maxBytes, budget)
      const read: Read = { topic: t.topic, partition: p.partition, offset: p.offset, maxBytes, allotted: 0, key: undefined }
      if (meta === undefined || meta.internal || p.partition >= meta.partitions) {
        read.missing = unknownTopicOrPartition(t.topic, p.partition).toWire()
      } else {
        read.key = partitionKey(t.topic, p.partition)
      }
      reads.push(read)
    }
  }
  return reads
}

/**
 * Whether a read must ask the partition. `trustWatch`: answer "nothing new" from the offset watch
 * without asking. The partition thread answers a produce a moment before it reports the offsets that
 * moved, so the watch may lag behind an acknowledged produce: a fetch that will wait is fine (the
 * report is on its way and wakes it), but a fetch that answers at once must ask the partition, or
 * a client could miss its own acknowledged write.
 */
function mustRead(gateway: Gateway, read: Read, trustWatch: boolean): boolean {
  if (read.missing !== undefined) return false
  const known = read.key === undefined ? undefined : gateway.watch.latest(read.key)
  return !(trustWatch && known !== undefined && read.offset === known.highWatermark && read.offset >= known.logStartOffset)
}

/** Shares `budget` among the reads that must ask their partition, in order; returns the total. */
function allot(gateway: Gateway, reads: Read[], budget: number, trustWatch: boolean): number {
  let left = budget
  for (const read of reads) {
    read.allotted = left > 0 && mustRead(gateway, read, trustWatch) ? Math.min(read.maxBytes, left) : 0
    left -= read.allotted
  }
  return budget - left
}

/** Reads one partition within its allotment; without one, answers from what the watch knows. */
async function readOne(gateway: Gateway, read: Read, logger: Parameters<typeof wireError>[1]): Promise<FetchPartitionResult> {
  const known = read.key === undefined ? undefined : gateway.watch.latest(read.key)
  const base = { partition: read.partition, highWatermark: known?.highWatermark ?? -1, logStartOffset: known?.logStartOffset ?? -1 }
  if (read.missing !== undefined) return { ...base, records: EMPTY, error: read.missing }
  if (read.allotted === 0) return { ...base, records: EMPTY }
  try {
    const r = await gateway.reads.fetch(read.topic, read.partition, read.offset, read.allotted)
    return { partition: read.partition, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, records: r.bytes }
  } catch (err) {
    return { ...base, records: EMPTY, error: wireError(err, logger) }
  }
}

/** Drops records past the budget (the first partition with data always stays). Returns the bytes kept. */
function fitBudget(results: FetchPartitionResult[], budget: number): { bytes: number; errors: boolean } {
  let bytes = 0
  let errors = false
  for (const r of results) {
    if (r.error !== undefined) errors = true
    const length = r.records.length
    if (length === 0) continue
    if (bytes > 0 && bytes + length > budget) r.records = EMPTY
    else bytes += length
  }
  return { bytes, errors }
}

function group(reads: Read[], results: FetchPartitionResult[]): FetchTopicResult[] {
  const topics: FetchTopicResult[] = []
  let current: FetchTopicResult | undefined
  reads.forEach((read, i) => {
    if (current === undefined || current.topic !== read.topic) topics.push(current = { topic: read.topic, partitions: [] })
    current.partitions.push(results[i]!)
  })
  return topics
}

/** Counts what the answer carries into the metrics: one add per partition with records. */
function recordOut(gateway: Gateway, reads: Read[], results: FetchPartitionResult[]): void {
  results.forEach((r, i) => {
    if (r.records.length > 0) gateway.metrics.recordOut(reads[i]!.topic, countRecords(r.records), r.records.length)
  })
}

export const fetch: OpHandler<'fetch'> = async (request, { gateway, session, hold }) => {
  const { limits, watch } = gateway
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), limits)
  const deadline = Date.now() + Math.min(request.maxWaitMs, limits.maxWaitMsMax)
  const budget = Math.min(request.maxBytes, limits.fetchBytesMax)
  const reads = plan(gateway, request, budget)
  const keys = reads.flatMap((r) => (r.key === undefined ? [] : [r.key]))
  const willWait = request.maxWaitMs > 0 && request.minBytes > 0
  for (let round = 0; ; round++) {
    // Armed before reading: an append landing between the read and the wait still wakes us.
    const waiter = watch.arm(keys)
    let reservation: Reservation | undefined
    try {
      const allotted = allot(gateway, reads, budget, willWait || round > 0)
      if (allotted > 0) reservation = await session.readBudget.reserve(allotted, session.signal)
      const results = await Promise.all(reads.map((read) => readOne(gateway, read, session.logger)))
      const { bytes, errors } = fitBudget(results, budget)
      reservation?.resize(bytes)
      const remainingMs = deadline - Date.now()
      const over = remainingMs <= 0 || gateway.draining || session.signal.aborted
      if (bytes >= request.minBytes || errors || over) {
        if (bytes > 0) recordOut(gateway, reads, results)
        if (reservation !== undefined) hold(reservation)
        reservation = undefined
        return { topics: group(reads, results) }
      }
      reservation?.release()
      reservation = undefined
      await waiter.wait(remainingMs, session.signal)
    } finally {
      reservation?.release()
      waiter.disarm()
    }
  }
}

// Op `fetch`: reads whole batches from several partitions as a long poll. It reads every partition;
// if the answer holds fewer than `minBytes` record bytes and no error, it waits until one of the
// partitions moves (the offset watch) or `maxWaitMs` (capped by maxWaitMsMax) runs out, and reads
// again. Sizes, as Kafka: a partition returns at most its `maxBytes` (default the request's) but at
// least one whole batch; the answer holds at most min(maxBytes, fetchBytesMax) record bytes, except
// that the first partition with data always comes whole; a later partition that would pass the
// budget comes back empty (its consumer asks again). Errors are per partition: a topic or partition
// that does not exist (UNKNOWN_TOPIC_OR_PARTITION), an offset outside [logStartOffset, highWatermark]
// (OFFSET_OUT_OF_RANGE), a busy partition (MAILBOX_FULL, retriable), and in a cluster a partition
// this broker does not lead (NOT_LEADER_OR_FOLLOWER), and a topic the principal may not Read
// (TOPIC_AUTHORIZATION_FAILED, checked first: it does not tell whether the topic exists).
//
// Memory: each round takes the answer's budget (at most what its partitions may return) out of the
// session's share of the read budget *before* reading (waiting for room: a session whose answers are
// not leaving has its reads stop), and reads within it in waves: each wave shares what is left of
// the budget among the next partitions in order, reads them at once, and counts what they really
// returned, so partitions with little data leave room for the next wave. Partitions the budget has
// run out for answer empty this time, as when they would pass the budget. The reservation is trimmed
// to the bytes the answer carries and held until the answer has been handed to the socket
// (ctx.hold); a round that waits for data gives it back first, so a long poll holds no budget.
import type { FetchPartitionResult, FetchTopicResult, WireError } from '@faecie/protocol'
import { partitionKey, type PartitionKey } from '../../partition/messages.js'
import { countRecords } from '../../metrics/batch-records.js'
import { topicRefusals } from '../../security/op-access.js'
import type { Reservation } from '../byte-budget.js'
import { checkItemCount, notLeaderError, unknownTopicOrPartition, wireError, type Gateway, type OpHandler, type SessionHandle } from '../context.js'

interface Read {
  topic: string
  partition: number
  offset: number
  maxBytes: number
  key: PartitionKey | undefined
  /** Why the partition is not read (it does not exist, is not led here, or its topic is refused): never read. */
  missing?: WireError
}

const EMPTY = new Uint8Array(0)

function plan(gateway: Gateway, session: SessionHandle, request: Parameters<OpHandler<'fetch'>>[0], budget: number): Read[] {
  const reads: Read[] = []
  const refused = topicRefusals(gateway.security, session, 'Read', request.topics.map((t) => t.topic))
  for (const t of request.topics) {
    const meta = gateway.topics.lookup(t.topic)
    const refusal = refused.get(t.topic)?.toWire()
    for (const p of t.partitions) {
      const maxBytes = Math.min(p.maxBytes ?? request.maxBytes, budget)
      const read: Read = { topic: t.topic, partition: p.partition, offset: p.offset, maxBytes, key: undefined }
      const exists = meta !== undefined && !meta.internal && p.partition < meta.partitions
      const notLeader = exists ? notLeaderError(gateway, t.topic, p.partition) : undefined
      if (refusal !== undefined) read.missing = refusal
      else if (!exists) read.missing = unknownTopicOrPartition(t.topic, p.partition).toWire()
      else if (notLeader !== undefined) read.missing = notLeader.toWire()
      else read.key = partitionKey(t.topic, p.partition)
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
  // An offset from the high watermark up to the log end has nothing to read yet (a new leader's high
  // watermark catching up): waited for, as at the high watermark itself.
  return !(trustWatch && known !== undefined && read.offset >= known.highWatermark && read.offset <= known.logEndOffset &&
    read.offset >= known.logStartOffset)
}

/** What the watch knows of a read's partition, as an answer with no records. */
function fromWatch(gateway: Gateway, read: Read): FetchPartitionResult {
  const known = read.key === undefined ? undefined : gateway.watch.latest(read.key)
  const base = { partition: read.partition, highWatermark: known?.highWatermark ?? -1, logStartOffset: known?.logStartOffset ?? -1 }
  return read.missing !== undefined ? { ...base, records: EMPTY, error: read.missing } : { ...base, records: EMPTY }
}

/** Reads one partition, at most `maxBytes` (but at least one whole batch). */
async function readOne(gateway: Gateway, read: Read, maxBytes: number, logger: Parameters<typeof wireError>[1]): Promise<FetchPartitionResult> {
  try {
    const r = await gateway.reads.fetch(read.topic, read.partition, read.offset, maxBytes)
    return { partition: read.partition, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, records: r.bytes }
  } catch (err) {
    return { ...fromWatch(gateway, read), error: wireError(err, logger) }
  }
}

/** Reads the partitions at `indexes` in waves within `budget` (see the top of the file); fills `results`. */
async function readInWaves(gateway: Gateway, reads: Read[], indexes: number[], budget: number,
  results: FetchPartitionResult[], logger: Parameters<typeof wireError>[1]): Promise<void> {
  let left = budget
  let next = 0
  while (next < indexes.length && left > 0) {
    const wave: Array<{ i: number; maxBytes: number }> = []
    let share = left
    while (next < indexes.length && share > 0) {
      const i = indexes[next++]!
      const maxBytes = Math.min(reads[i]!.maxBytes, share)
      share -= maxBytes
      wave.push({ i, maxBytes })
    }
    const answers = await Promise.all(wave.map(({ i, maxBytes }) => readOne(gateway, reads[i]!, maxBytes, logger)))
    answers.forEach((answer, k) => {
      results[wave[k]!.i] = answer
      left -= answer.records.length
    })
  }
  for (const i of indexes.slice(next)) results[i] = fromWatch(gateway, reads[i]!)
}

/** Drops records past the budget (the first partition with data always stays). Returns the bytes kept. */
export function fitBudget(results: { records: Uint8Array; error?: unknown }[], budget: number): { bytes: number; errors: boolean } {
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
  const reads = plan(gateway, session, request, budget)
  const keys = reads.flatMap((r) => (r.key === undefined ? [] : [r.key]))
  const willWait = request.maxWaitMs > 0 && request.minBytes > 0
  for (let round = 0; ; round++) {
    // Armed before reading: an append landing between the read and the wait still wakes us.
    const waiter = watch.arm(keys)
    let reservation: Reservation | undefined
    try {
      const trustWatch = willWait || round > 0
      const results = reads.map((read) => fromWatch(gateway, read))
      const toRead = reads.flatMap((read, i) => (mustRead(gateway, read, trustWatch) ? [i] : []))
      if (toRead.length > 0) {
        const most = Math.min(budget, toRead.reduce((n, i) => n + reads[i]!.maxBytes, 0))
        reservation = await session.readBudget.reserve(most, session.signal)
        await readInWaves(gateway, reads, toRead, budget, results, session.logger)
      }
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

// One produce request: built from the heads of the partitions' send queues (at most one batch per
// partition, as an idempotent request must carry), each batch's header filled in over the records
// it encoded as they were appended, within the broker's batch and frame limits; and its answer
// handed back to each partition's sender, partition by partition.
import { ErrorCode, FaecieError, type BrokerLimits, type ProduceRequest, type ProduceResponse } from '@faecie/protocol'
import type { ProducerBatch } from './batch.js'
import type { ResolvedProducerConfig } from './config.js'
import { recordSizeBytes } from './records.js'
import type { PartitionSender } from './sender.js'

export interface PartitionEntry {
  topic: string
  partition: number
  sender: PartitionSender
  renewingId: boolean
  /** Failed producer-id renewals in a row, and when the next may start (a backoff, never a spin). */
  renewFailures: number
  renewNotBeforeMs: number
}

export type SentBatches = Array<[PartitionEntry, ProducerBatch]>

/** Bytes of a produce frame besides the batches, per partition: generous, for the frame budget. */
const FRAME_OVERHEAD_PER_PARTITION_BYTES = 64
/** Room kept in a frame for the envelope and the request's own fields (the broker reserves as much). */
const FRAME_OVERHEAD_BYTES = 4096

/**
 * Takes the head batch of every partition that may send now into one request. The records fields
 * are views of the batches' own buffers: encode the frame before the batches settle (and give their
 * buffers back for reuse). A
 * batch that encodes over batchBytesMax is split in two if it has not been sent yet (its tail goes
 * to `onSplit` and behind it in the queue), or fails with MESSAGE_TOO_LARGE if it is one record.
 */
export function buildProduceRequest(
  entries: Iterable<PartitionEntry>,
  limits: BrokerLimits,
  nowMs: number,
  config: ResolvedProducerConfig,
  onSplit: (tail: ProducerBatch) => void,
): { request: ProduceRequest; sent: SentBatches } | undefined {
  const frameBudgetBytes = limits.frameBytesMax - FRAME_OVERHEAD_BYTES
  const topics = new Map<string, ProduceRequest['topics'][number]>()
  const sent: SentBatches = []
  let frameBytes = 0
  for (const entry of entries) {
    const { sender } = entry
    if (!sender.canSend(nowMs)) continue
    const head = sender.queue[0]!
    const encode = (): Uint8Array => head.encode({ compression: config.compression, ...sender.headerFor(head) })
    let records = encode()
    while (records.length > limits.batchBytesMax && head.recordCount > 1 && head.baseSequence < 0) {
      const tail = head.split(recordSizeBytes)
      onSplit(tail)
      sender.queue.splice(1, 0, tail)
      records = encode()
    }
    if (records.length > limits.batchBytesMax) {
      const message = `A batch of ${records.length} bytes for ${head.topic}-${head.partition} is over the broker's batchBytesMax of ${limits.batchBytesMax}.`
      sender.failQueued(head, new FaecieError(ErrorCode.MESSAGE_TOO_LARGE, message))
      continue
    }
    if (sent.length > 0 && frameBytes + records.length + FRAME_OVERHEAD_PER_PARTITION_BYTES > frameBudgetBytes) continue
    frameBytes += records.length + FRAME_OVERHEAD_PER_PARTITION_BYTES
    const batch = sender.take()
    let topic = topics.get(batch.topic)
    if (topic === undefined) topics.set(batch.topic, (topic = { topic: batch.topic, partitions: [] }))
    topic.partitions.push({ partition: batch.partition, records })
    sent.push([entry, batch])
  }
  if (sent.length === 0) return undefined
  return { request: { acks: config.acks, timeoutMs: config.timeoutMs, topics: [...topics.values()] }, sent }
}

/** Hands each partition its answer, at `nowMs`; `response` undefined: acks 0, done once sent. */
export function applyProduceAnswer(
  sent: SentBatches, response: ProduceResponse | undefined, nowMs: number, onError: (topic: string, err: FaecieError) => void,
): void {
  for (const [entry, batch] of sent) {
    if (response === undefined) {
      entry.sender.sentWithoutAck(batch)
      continue
    }
    const answer = response.topics?.find((t) => t.topic === batch.topic)?.partitions?.find((p) => p.partition === batch.partition)
    const result = answer === undefined
      ? new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, `The produce answer left out ${batch.topic}-${batch.partition}.`)
      : answer.error !== undefined
        ? FaecieError.fromWire(answer.error)
        : { baseOffset: answer.baseOffset, logAppendTime: answer.logAppendTime ?? -1 }
    if (result instanceof FaecieError) onError(batch.topic, result)
    entry.sender.answer(batch, result, nowMs)
  }
}

/** The whole request failed (a lost connection, a frame refused): every batch in it gets the error. */
export function applyProduceFailure(sent: SentBatches, err: unknown, nowMs: number): void {
  const error = err instanceof FaecieError ? err : new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, String(err))
  for (const [entry, batch] of sent) entry.sender.answer(batch, error, nowMs)
}

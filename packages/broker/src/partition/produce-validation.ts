// What the partition actor checks of produced bytes before it appends them, and how a refusal
// becomes the error the producer gets: whole, valid batches (CRC, structure) within
// max.message.bytes, with records, not transactional or control, at most one batch per partition from
// an idempotent producer, and in a compacted topic a key on every record.
import { Attribute, BATCH_HEADER_BYTES, checkBatch, decodeBatch, ErrorCode, readBatchHeader } from '@faecie/protocol'
import { isCompacted } from '../storage/log-api.js'
import type { PartitionConfig, WireError } from './messages.js'

/** A produce refused for what it holds: answered with `code`, never a failure of the actor. */
export class RequestError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

/** Returns the start of every batch in `bytes`, or throws the error the producer gets. */
export function validateProduced(bytes: Uint8Array, config: PartitionConfig): number[] {
  if (bytes.length < BATCH_HEADER_BYTES) {
    throw new RequestError(ErrorCode.CORRUPT_MESSAGE, `a produce holds ${bytes.length} bytes: no whole batch`)
  }
  const starts: number[] = []
  for (let pos = 0; pos < bytes.length;) {
    const check = checkBatch(bytes, pos, bytes.length)
    if (!check.ok) throw new RequestError(ErrorCode.CORRUPT_MESSAGE, `batch at byte ${pos}: ${check.problem}`)
    if (check.size > config.maxMessageBytes) {
      throw new RequestError(ErrorCode.MESSAGE_TOO_LARGE,
        `batch of ${check.size} bytes is over max.message.bytes ${config.maxMessageBytes}`)
    }
    const header = readBatchHeader(bytes, pos)
    if (header.recordsCount === 0) throw new RequestError(ErrorCode.CORRUPT_MESSAGE, 'a batch has no records')
    if (header.attributes & (Attribute.transactional | Attribute.control)) {
      throw new RequestError(ErrorCode.INVALID_REQUEST, 'transactional and control batches are not supported')
    }
    if (isCompacted(config)) refuseKeylessRecords(bytes, pos, check.size)
    starts.push(pos)
    pos += check.size
  }
  if (starts.length > 1 && readBatchHeader(bytes, 0).producerId >= 0) {
    throw new RequestError(ErrorCode.INVALID_REQUEST, 'an idempotent produce carries exactly one batch per partition')
  }
  return starts
}

/**
 * Compacted topics keep the latest record per key, so a record without a key has no place in them:
 * refused with INVALID_RECORD, as Kafka refuses it. Only compacted topics pay for decoding records.
 */
function refuseKeylessRecords(bytes: Uint8Array, pos: number, size: number): void {
  const batch = decodeBatch(bytes.subarray(pos, pos + size), 0, { verifyCrc: false })
  for (const record of batch.records) {
    if (record.key === null) {
      throw new RequestError(ErrorCode.INVALID_RECORD, `record at offset delta ${record.offset - batch.header.baseOffset} has no key; compacted topics require one`)
    }
  }
}

/** A refusal as the wire carries it; anything not a coded error is rethrown (it must end the actor). */
export function toWireError(err: unknown): WireError {
  if (err instanceof RequestError) return { code: err.code, message: err.message }
  const coded = err as { code?: unknown; message?: unknown }
  if (typeof coded.code === 'number') return { code: coded.code, message: String(coded.message) }
  // Anything else is not a refusal of bad input but a failure of ours: let it kill the actor.
  throw err
}

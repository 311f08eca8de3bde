// The errors the storage engine throws at its callers. Bad requests (an offset out of range, a
// config out of bounds) and bad disks (a segment that fails its checks while being read) are answered
// with a FaecieError carrying the code from the one table in @faecie/protocol; a broken invariant is
// an `assert` instead, and stops the actor.
import { ErrorCode, FaecieError } from '@faecie/protocol'

/** OFFSET_OUT_OF_RANGE (1): below the log start offset or above the readable end. */
export function offsetOutOfRange(offset: number, logStartOffset: number, endOffset: number): FaecieError {
  return new FaecieError(
    ErrorCode.OFFSET_OUT_OF_RANGE,
    `Offset ${offset} is outside the readable range [${logStartOffset}, ${endOffset}].`,
  )
}

/** KAFKA_STORAGE_ERROR (56, retriable): the files disagree with themselves; the partition must reopen. */
export function storageCorrupt(detail: string, cause?: unknown): FaecieError {
  return new FaecieError(ErrorCode.KAFKA_STORAGE_ERROR, `Storage error: ${detail}.`, { cause })
}

/** INVALID_CONFIG (40): a topic setting the storage engine cannot honour. */
export function invalidConfig(detail: string): FaecieError {
  return new FaecieError(ErrorCode.INVALID_CONFIG, `Invalid log config: ${detail}.`)
}

// Counts the records in bytes holding whole record batches back to back (a produce's or a fetch's
// records), from each batch's header alone: recordsCount at byte 57, batchLength at byte 8. One step
// per batch, no allocation; a truncated last batch (a fetch may end mid-batch) is counted if its
// header is whole.
const BATCH_LENGTH_AT = 8
const RECORDS_COUNT_AT = 57
const HEADER_BYTES = 61
const LENGTH_OVERHEAD = 12

function int32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!)
}

export function countRecords(bytes: Uint8Array): number {
  let records = 0
  let at = 0
  while (at + HEADER_BYTES <= bytes.length) {
    const count = int32(bytes, at + RECORDS_COUNT_AT)
    if (count > 0) records += count
    const length = int32(bytes, at + BATCH_LENGTH_AT)
    if (length <= 0) break
    at += length + LENGTH_OVERHEAD
  }
  return records
}

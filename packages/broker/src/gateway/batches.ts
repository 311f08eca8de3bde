// The little the gateway reads of record data: where whole batches end, to know the next offset to
// read after a push. It never decodes records (DESIGN.md section 2); the bytes come from the
// partition's own log, which only ever holds whole, checked batches.
import { strict as assert } from 'node:assert'
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, lastOffsetOf } from '@faecie/protocol'

/** The offset after the last record of the whole batches in `bytes` (non-empty). */
export function offsetAfter(bytes: Uint8Array): number {
  assert(bytes.length >= BATCH_HEADER_BYTES, `offsetAfter on ${bytes.length} bytes`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  let last = -1
  while (bytes.length - pos >= BATCH_HEADER_BYTES) {
    const size = dv.getInt32(pos + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
    assert(size >= BATCH_HEADER_BYTES && size <= bytes.length - pos, `a batch of ${size} bytes at ${pos} of ${bytes.length}`)
    last = lastOffsetOf(bytes, pos)
    pos += size
  }
  assert(pos === bytes.length, `${bytes.length - pos} bytes after the last whole batch`)
  return last + 1
}

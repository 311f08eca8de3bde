// Batches for partition tests, made with the real protocol encoder.
import { RecordBatchEncoder, type EncodeOptions } from '@faecie/protocol'

const encoder = new RecordBatchEncoder()

/** A batch of `count` records whose values are `${tag}-${i}`, as a buffer of its own. */
export function testBatch(tag: string, count = 3, options: EncodeOptions = {}): Uint8Array {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }))
  return encoder.encode(records, { timestamp: 1_700_000_000_000, ...options }).slice()
}

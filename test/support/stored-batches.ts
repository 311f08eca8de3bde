// The headers of the record batches a partition stores, read from its segment files, for the tests
// of the broker's Kafka listener: what a Kafka client sent is kept as it came (compression codec,
// producer id and epoch, sequences), and the tests check it there rather than through the broker.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface StoredBatch {
  baseOffset: number
  records: number
  /** Attributes bits 0-2. */
  compression: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
}

/**
 * The header of every batch a partition stores, in offset order, from its segment files (RecordBatch
 * v2: baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc int32,
 * attributes int16 @21, lastOffsetDelta int32 @23, two timestamps, producerId int64 @43,
 * producerEpoch int16 @51, baseSequence int32 @53, records count int32 @57).
 */
export function storedBatches(dataDir: string, topic: string, partition: number): StoredBatch[] {
  const dir = join(dataDir, `${topic}-${partition}`)
  const batches: StoredBatch[] = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const bytes = readFileSync(join(dir, name))
    for (let at = 0; at + 61 <= bytes.length;) {
      const length = bytes.readInt32BE(at + 8)
      if (length <= 0) break
      batches.push({
        baseOffset: Number(bytes.readBigInt64BE(at)),
        records: bytes.readInt32BE(at + 57),
        compression: bytes.readInt16BE(at + 21) & 7,
        producerId: bytes.readBigInt64BE(at + 43),
        producerEpoch: bytes.readInt16BE(at + 51),
        baseSequence: bytes.readInt32BE(at + 53),
      })
      at += 12 + length
    }
  }
  return batches
}

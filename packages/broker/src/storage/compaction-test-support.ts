// Helpers for the compaction tests: keyed batches made with the protocol's encoder, a log read back
// as records, and a compaction run in-thread (the cleaner the piscina task runs, then the swap).
// Not imported by production code.
import { decodeBatches, decodeText, RecordBatchEncoder, type CompressionName } from '@faecie/protocol'
import { cleanSegments, type CleanerResult } from './cleaner.js'
import type { Disk } from './disk.js'
import type { CompactionOutcome, PartitionLog } from './log.js'

const encoder = new RecordBatchEncoder()

export interface KeyedRecord {
  key: string | null
  /** null: a tombstone. */
  value: string | null
  timestamp?: number
}

/** One batch of keyed records, as a buffer of its own. */
export function keyedBatch(records: KeyedRecord[], compression: CompressionName = 'none', timestamp = 1_700_000_000_000): Uint8Array {
  return encoder.encode(records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })), { compression, timestamp }).slice()
}

export interface ReadRecord {
  offset: number
  timestamp: number
  key: string | null
  value: string | null
}

/** Every record below the high watermark, in offset order, as a consumer sees it from offset 0. */
export function readAll(log: PartitionLog): ReadRecord[] {
  const out: ReadRecord[] = []
  let offset = log.logStartOffset
  while (offset < log.highWatermark) {
    const bytes = log.read(offset, 64 * 1024).bytes
    if (bytes.length === 0) break
    for (const batch of decodeBatches(bytes)) {
      for (const r of batch.records) {
        if (r.offset >= offset) out.push({ offset: r.offset, timestamp: r.timestamp, key: decodeText(r.key), value: decodeText(r.value) })
      }
      offset = Math.max(offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1)
    }
  }
  return out
}

/** Runs the cleaner over the log's plan (forced) in this thread and writes its files; null: no plan. */
export function cleanNow(disk: Disk, log: PartitionLog, nowMs: number, keysMax?: number): CleanerResult | null {
  const plan = log.compactionPlan(true)
  if (plan === null) return null
  return cleanSegments(disk, { ...plan, nowMs, keysMax })
}

/** cleanNow, then the swap. */
export function compactNow(disk: Disk, log: PartitionLog, nowMs: number, keysMax?: number): CompactionOutcome | null {
  const result = cleanNow(disk, log, nowMs, keysMax)
  return result === null ? null : log.swapCleaned(result)
}
